package sqlstore

import (
	"crypto/subtle"
	"sync"
	"time"

	"github.com/custos-dev/custos/internal/auth"
)

// issuedCache keeps protocol objects this process issued (challenges, user
// actions) until they are used or expire, so that using one does not read
// it back from the database. The database stays the authority on use:
// taking a challenge or consuming an action is still one atomic statement
// there. Like the read cache it is sound only for a store owned by one
// process.
type issuedCache[T any] struct {
	enabled bool
	mu      sync.Mutex
	m       map[string]*T
	// expiry and secret read an entry's expiry and secret hash.
	expiry func(*T) time.Time
	secret func(*T) string
}

// maxIssued bounds each cache; past it, expired entries are swept and, if
// still full, new objects are simply read from the database.
const maxIssued = 20000

func newChallengeCache(enabled bool) *issuedCache[auth.Challenge] {
	return &issuedCache[auth.Challenge]{enabled: enabled, m: map[string]*auth.Challenge{},
		expiry: func(c *auth.Challenge) time.Time { return c.ExpiresAt },
		secret: func(c *auth.Challenge) string { return c.SecretHash }}
}

func newActionCache(enabled bool) *issuedCache[auth.UserAction] {
	return &issuedCache[auth.UserAction]{enabled: enabled, m: map[string]*auth.UserAction{},
		expiry: func(a *auth.UserAction) time.Time { return a.ExpiresAt },
		secret: func(a *auth.UserAction) string { return a.TokenHash }}
}

// add keeps a copy of v under id.
func (c *issuedCache[T]) add(id string, v *T) {
	if !c.enabled {
		return
	}
	cp := *v
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxIssued {
		now := time.Now()
		for k, e := range c.m {
			if !now.Before(c.expiry(e)) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxIssued {
			return
		}
	}
	c.m[id] = &cp
}

// get returns a copy of the unexpired entry id whose secret hash matches;
// with take it also removes it. ok is false when the cache cannot answer
// (then ask the database).
func (c *issuedCache[T]) get(id, secretHash string, now time.Time, take bool) (*T, bool) {
	if !c.enabled {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || subtle.ConstantTimeCompare([]byte(c.secret(e)), []byte(secretHash)) != 1 || !now.Before(c.expiry(e)) {
		return nil, false
	}
	if take {
		delete(c.m, id)
	}
	cp := *e
	return &cp, true
}

func (c *issuedCache[T]) drop(id string) {
	if !c.enabled {
		return
	}
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// sweep removes the entries expired at now, so that the cache holds only
// live objects (the prune loop calls it).
func (c *issuedCache[T]) sweep(now time.Time) {
	if !c.enabled {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if !now.Before(c.expiry(e)) {
			delete(c.m, k)
		}
	}
}
