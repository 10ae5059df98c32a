package runtask

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// ErrBusy is Pool.Dispatch's answer when as many jobs wait as it admits: the handler answers
// 503 and HCP Terraform sends the request again.
var ErrBusy = errors.New("too many run task jobs waiting")

// Pool is the local server's Dispatch: it judges jobs on at most workers goroutines and admits
// at most pending jobs (running or waiting).
type Pool struct {
	run     func(context.Context, Job) error
	workers chan struct{}
	pending chan struct{}
	log     *slog.Logger

	ctx    context.Context // ends when Drain gives up
	cancel context.CancelFunc
	jobs   sync.WaitGroup
}

// NewPool returns a pool that runs jobs with run (Runner.Run).
func NewPool(run func(context.Context, Job) error, workers, pending int, log *slog.Logger) *Pool {
	ctx, cancel := context.WithCancel(context.Background())
	return &Pool{run: run, workers: make(chan struct{}, workers), pending: make(chan struct{}, pending), log: orDiscard(log), ctx: ctx, cancel: cancel}
}

// Dispatch starts the job and returns at once; the request's context does not bound the job.
func (p *Pool) Dispatch(_ context.Context, job Job) error {
	select {
	case p.pending <- struct{}{}:
	default:
		return ErrBusy
	}
	p.jobs.Add(1)
	go func() {
		defer p.jobs.Done()
		defer func() { <-p.pending }()
		select {
		case p.workers <- struct{}{}:
			defer func() { <-p.workers }()
		case <-p.ctx.Done():
		}
		if p.ctx.Err() != nil {
			p.log.Error("run task abandoned: the server stopped before it started", jobAttrs(job.Request)...)
			return
		}
		p.run(p.ctx, job) // Runner.Run bounds the job, reports even when cancelled, and logs
	}()
	return nil
}

// Drain waits for the jobs until ctx ends, then cancels those still running and waits for them
// to stop.
func (p *Pool) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		p.jobs.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		p.cancel()
		<-done
		return fmt.Errorf("run task jobs cancelled at shutdown: %v", ctx.Err())
	}
}
