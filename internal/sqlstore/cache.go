package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/custos-dev/custos/internal/store"
)

// readCache remembers the results of the reads on every request's path
// (token sessions, grants, credentials, keys) until a write may have
// changed them. Every write bumps the local generation after it commits
// unless it is marked as touching only protocol tables (challenges, user
// actions, signature requests), so a cached entry is never older than the
// last committed change of this process: an entry is stored with the
// generation seen before its read, and is valid only while the generation
// is unchanged.
//
// Several replicas share a PostgreSQL database, so there the same write
// also bumps a shared generation in the database, in its own transaction
// (sharedGeneration); a replica reads that generation once per request
// (store.Scoped) and trusts only entries stored under it. A change made
// on any replica is therefore seen by every request that starts after
// the write returned, on every replica (docs/replicas.md).
type readCache struct {
	enabled bool
	gen     atomic.Uint64
	mu      sync.RWMutex
	m       map[string]cacheEntry
	// shared reads the database's generation; nil when one process owns
	// the database (SQLite).
	shared func(ctx context.Context) (uint64, error)
}

type cacheEntry struct {
	gen, shared uint64
	v           any
}

// maxCached bounds the number of cached reads.
const maxCached = 50000

func newReadCache(enabled bool) *readCache {
	return &readCache{enabled: enabled, m: map[string]cacheEntry{}}
}

// view is the cache as one read sees it: under the shared generation of
// its request.
type view struct {
	c      *readCache
	shared uint64
}

// sharedGenKey is the request-scope key of the shared generation.
type sharedGenKey struct{}

// view returns the cache as a read in ctx may use it; a cache that cannot
// tell whether it is current (the shared generation unreadable) serves
// nothing.
func (c *readCache) view(ctx context.Context) view {
	if !c.enabled || c.shared == nil {
		return view{c: c}
	}
	g, err := store.Scoped(ctx, sharedGenKey{}, func() (uint64, error) { return c.shared(ctx) })
	if err != nil {
		return view{c: uncached}
	}
	return view{c: c, shared: g}
}

func (v view) get(key string) (any, bool) {
	c := v.c
	if !c.enabled {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || e.gen != c.gen.Load() || e.shared != v.shared {
		return nil, false
	}
	return e.v, true
}

func (v view) put(key string, gen uint64, val any) {
	c := v.c
	if !c.enabled || gen != c.gen.Load() {
		return
	}
	c.mu.Lock()
	if len(c.m) >= maxCached {
		clear(c.m)
	}
	c.m[key] = cacheEntry{gen: gen, shared: v.shared, v: val}
	c.mu.Unlock()
}

// invalidate makes every entry stale; called after a write commits.
func (c *readCache) invalidate() {
	c.gen.Add(1)
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

// cached returns the cached result for key, or runs read and caches it.
// Callers must treat the returned value as read-only.
func cached[T any](v view, key string, read func() (T, error)) (T, error) {
	if val, ok := v.get(key); ok {
		return val.(T), nil
	}
	gen := v.c.gen.Load()
	val, err := read()
	if err == nil {
		v.put(key, gen, val)
	}
	return val, err
}
