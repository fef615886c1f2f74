package ratelimit

import (
	"context"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// Shared budgets and backoff keep their state in a database that several
// server processes (replicas on one PostgreSQL database) share, so that
// the replicas spend one budget between them instead of one each
// (docs/security.md, "Rate limits and backoff"). The store interfaces are
// narrow; internal/sqlstore implements them.

// storeTimeout bounds one call to the store; when it fails or takes longer,
// the process falls back to its own in-memory state (the limits of one
// process, as before replicas).
const storeTimeout = time.Second

// TATStore holds one theoretical arrival time per key.
type TATStore interface {
	// SpendTAT advances key's state by interval (unix ns) when the result
	// lies within window of now, as one atomic step, and returns whether
	// it did and the state after the call (an unknown key is at rest).
	SpendTAT(ctx context.Context, key string, now, interval, window int64) (ok bool, tat int64, err error)
}

// Shared is a Limiter whose state is in a TATStore: the same generic cell
// rate algorithm as Memory, one store round trip per request.
type Shared struct {
	store            TATStore
	prefix           string
	interval, window int64
	local            *Memory // used while the store fails
}

// NewShared returns a limiter of n requests per period per key whose state
// is kept in store under keys name + ":" + key. n must be > 0.
func NewShared(store TATStore, name string, n int, period time.Duration) *Shared {
	local := NewMemory(n, period, DefaultMaxKeys)
	return &Shared{store: store, prefix: name + ":", interval: local.interval, window: local.window, local: local}
}

// Allow implements Limiter.
func (s *Shared) Allow(key string, now time.Time) (bool, time.Duration) {
	if len(key) > maxKeyLen {
		key = key[:maxKeyLen]
	}
	t := now.UnixNano()
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	ok, tat, err := s.store.SpendTAT(ctx, s.prefix+storeText(key), t, s.interval, s.window)
	cancel()
	if err != nil {
		return s.local.Allow(key, now)
	}
	if ok {
		return true, 0
	}
	return false, time.Duration(max(tat+s.interval-t-s.window, 1))
}

// storeText returns key as text a database stores (valid UTF-8, no NUL):
// unchanged when it is (ids and addresses are), else hex.
func storeText(key string) string {
	if strings.IndexByte(key, 0) >= 0 || !utf8.ValidString(key) {
		return "~" + hex.EncodeToString([]byte(key))
	}
	return key
}
