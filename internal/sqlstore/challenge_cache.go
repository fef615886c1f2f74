package sqlstore

import (
	"crypto/subtle"
	"sync"
	"time"

	"github.com/custos-dev/custos/internal/auth"
)

// challengeCache keeps the challenges this process issued until they are
// taken or expire, so that completing one does not read it back from the
// database. The database stays the authority on use: taking a challenge is
// still one atomic UPDATE there. Like the read cache it is sound only for a
// store owned by one process.
type challengeCache struct {
	enabled bool
	mu      sync.Mutex
	m       map[string]*auth.Challenge
}

// maxChallenges bounds the cache; past it, expired entries are swept and,
// if still full, new challenges are simply read from the database.
const maxChallenges = 20000

func newChallengeCache(enabled bool) *challengeCache {
	return &challengeCache{enabled: enabled, m: map[string]*auth.Challenge{}}
}

func (c *challengeCache) add(ch *auth.Challenge) {
	if !c.enabled {
		return
	}
	cp := *ch
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxChallenges {
		now := time.Now()
		for k, v := range c.m {
			if !now.Before(v.ExpiresAt) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxChallenges {
			return
		}
	}
	c.m[ch.ID] = &cp
}

// live returns the cached challenge id when its secret, purpose and expiry
// fit; ok is false when the cache cannot answer (then ask the database).
func (c *challengeCache) live(id, secretHash, purpose string, now time.Time) (*auth.Challenge, bool) {
	if !c.enabled {
		return nil, false
	}
	c.mu.Lock()
	ch, ok := c.m[id]
	c.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(ch.SecretHash), []byte(secretHash)) != 1 ||
		ch.Purpose != purpose || !now.Before(ch.ExpiresAt) {
		return nil, false
	}
	cp := *ch
	cp.Allowed = append([]string(nil), ch.Allowed...)
	return &cp, true
}

func (c *challengeCache) drop(id string) {
	if !c.enabled {
		return
	}
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
