package runtask

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MinKeyBytes is the shortest HMAC key the run task accepts: 256 bits.
const MinKeyBytes = 32

// KeyFunc returns the HMAC key; fresh asks for the current key, because a signature did not
// verify with the one returned before.
type KeyFunc func(ctx context.Context, fresh bool) ([]byte, error)

// CheckKey refuses a key shorter than MinKeyBytes.
func CheckKey(key []byte) error {
	if len(key) < MinKeyBytes {
		return fmt.Errorf("the HMAC key has %d bytes: allowed at least %d", len(key), MinKeyBytes)
	}
	return nil
}

// StaticKey is a key read once, at start.
func StaticKey(key []byte) KeyFunc {
	return func(context.Context, bool) ([]byte, error) { return key, nil }
}

// secretTimeout bounds one read of the secret; keyRefresh is how often a failing signature may
// cause another.
const (
	secretTimeout = 5 * time.Second
	keyRefresh    = time.Minute
)

// SecretKey caches the key a secret holds: read at first use, and again when a signature fails,
// at most once a minute, so a rotated key is picked up without a redeploy and forged requests
// cannot turn into a flood of reads.
type SecretKey struct {
	read func(context.Context) (string, error)
	now  func() time.Time

	mu     sync.Mutex
	key    []byte
	readAt time.Time
}

// NewSecretKey caches the key read returns (the secret's SecretString).
func NewSecretKey(read func(context.Context) (string, error)) *SecretKey {
	return &SecretKey{read: read, now: time.Now}
}

// Key is the KeyFunc of the secret.
func (s *SecretKey) Key(ctx context.Context, fresh bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil && (!fresh || s.now().Sub(s.readAt) < keyRefresh) {
		return s.key, nil
	}
	s.readAt = s.now() // a failed read waits as long as a successful one
	ctx, cancel := context.WithTimeout(ctx, secretTimeout)
	defer cancel()
	value, err := s.read(ctx)
	if err == nil {
		err = CheckKey([]byte(value))
	}
	if err != nil {
		return nil, fmt.Errorf("read the HMAC key: %w", err)
	}
	s.key = []byte(value)
	return s.key, nil
}
