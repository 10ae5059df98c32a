package runtask

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secret is a Secrets Manager secret whose value the test changes, counting reads.
type secret struct {
	value string
	err   error
	reads int
}

func (s *secret) read(context.Context) (string, error) {
	s.reads++
	return s.value, s.err
}

func TestTheSecretIsReadOnceAndAgainAtMostOnceAMinute(t *testing.T) {
	s := &secret{value: string(testKey)}
	clock := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	k := NewSecretKey(s.read)
	k.now = func() time.Time { return clock }
	ctx := context.Background()

	key, err := k.Key(ctx, false)
	require.NoError(t, err)
	assert.Equal(t, testKey, key)
	_, _ = k.Key(ctx, false)
	assert.Equal(t, 1, s.reads, "cached")

	s.value = "the rotated key, also at least 32 bytes"
	clock = clock.Add(59 * time.Second)
	key, _ = k.Key(ctx, true)
	assert.Equal(t, testKey, key, "a failed signature within a minute of the last read does not read again")
	assert.Equal(t, 1, s.reads)

	clock = clock.Add(time.Second)
	key, _ = k.Key(ctx, true)
	assert.Equal(t, []byte(s.value), key, "a minute later it does: the rotated key")
	assert.Equal(t, 2, s.reads)
	_, _ = k.Key(ctx, true)
	assert.Equal(t, 2, s.reads)
}

func TestASecretThatCannotBeReadOrIsTooShortIsNoKey(t *testing.T) {
	for name, s := range map[string]*secret{
		"unreadable": {err: errors.New("AccessDeniedException")},
		"short":      {value: "short"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewSecretKey(s.read).Key(context.Background(), false)
			assert.ErrorContains(t, err, "read the HMAC key: ")
		})
	}
}

func TestCheckKey(t *testing.T) {
	assert.NoError(t, CheckKey(make([]byte, 32)))
	assert.EqualError(t, CheckKey(make([]byte, 31)), "the HMAC key has 31 bytes: allowed at least 32")
}
