package runtask

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThePoolAdmitsAtMostPendingJobsAndRunsAtMostWorkers(t *testing.T) {
	started, release := make(chan string, 3), make(chan struct{})
	pool := NewPool(func(_ context.Context, j Job) error {
		started <- j.Request.RunID
		<-release
		return nil
	}, 1, 2, nil)
	ctx := context.Background()
	require.NoError(t, pool.Dispatch(ctx, Job{Request: runTaskRequest("", "a")}))
	require.NoError(t, pool.Dispatch(ctx, Job{Request: runTaskRequest("", "b")}))
	assert.ErrorIs(t, pool.Dispatch(ctx, Job{Request: runTaskRequest("", "c")}), ErrBusy)
	first := <-started
	select {
	case second := <-started:
		require.FailNowf(t, "two jobs run on one worker", "%s and %s", first, second)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-started
	require.NoError(t, pool.Drain(ctx))
	assert.NoError(t, pool.Dispatch(ctx, Job{Request: runTaskRequest("", "d")}), "room again once the jobs are done")
	require.NoError(t, pool.Drain(ctx))
}

// Drain gives up at its deadline: it cancels the running jobs and abandons the waiting ones.
func TestDrainCancelsJobsAtItsDeadline(t *testing.T) {
	cancelled := make(chan error, 2)
	pool := NewPool(func(ctx context.Context, _ Job) error {
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil
	}, 1, 2, nil)
	require.NoError(t, pool.Dispatch(context.Background(), Job{Request: runTaskRequest("", "a")}))
	require.NoError(t, pool.Dispatch(context.Background(), Job{Request: runTaskRequest("", "b")}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.EqualError(t, pool.Drain(ctx), "run task jobs cancelled at shutdown: context deadline exceeded")
	assert.Equal(t, context.Canceled, <-cancelled)
	assert.Empty(t, cancelled, "the waiting job never ran")
}
