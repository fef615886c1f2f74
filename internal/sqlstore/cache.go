package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"
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
// also bumps a shared generation in the database, in its own transaction,
// and waits a fence (cacheFence) after its commit before it returns. Each
// replica polls the shared generation (WatchCacheGeneration) and trusts an
// entry only while it was stored under the generation of its last poll and
// that poll started less than a fence ago. A write that returned has
// therefore been seen by every replica's cache: either the replica polled
// after the commit and its entries are stale, or it has not polled for a
// fence and serves nothing from its cache (docs/replicas.md).
type readCache struct {
	enabled bool
	gen     atomic.Uint64
	mu      sync.RWMutex
	m       map[string]cacheEntry
	// shared is set when replicas may share the database; polled and
	// polledAt (monotonic ns since epoch, 0: never) are the generation
	// and start time of the last successful poll.
	shared   bool
	polled   atomic.Uint64
	polledAt atomic.Int64
	// listedAt is when the replica's last listing started (replicas.go).
	listedAt atomic.Int64
}

// Replicas' cache timing: each polls the shared generation every
// cachePoll; an entry is served only within cacheFence of the start of the
// poll that validated it, and a write waits cacheFence after its commit.
const (
	cachePoll  = 15 * time.Millisecond
	cacheFence = 60 * time.Millisecond
)

// epoch anchors the monotonic readings of polledAt.
var epoch = time.Now()

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

// view returns the cache as a read may use it now: on a shared database,
// under the last polled generation while that poll is fresh, else not at
// all.
func (c *readCache) view() view {
	if !c.enabled || !c.shared {
		return view{c: c}
	}
	now := time.Since(epoch)
	at, listed := c.polledAt.Load(), c.listedAt.Load()
	if at == 0 || now-time.Duration(at) >= cacheFence || listed == 0 || now-time.Duration(listed) >= selfFence {
		return view{c: uncached}
	}
	return view{c: c, shared: c.polled.Load()}
}

// listed records a listing of the replica that started at start.
func (c *readCache) listed(start time.Time) { c.listedAt.Store(int64(start.Sub(epoch))) }

// observe records a poll of the shared generation g that started at start.
func (c *readCache) observe(g uint64, start time.Time) {
	c.polled.Store(g)
	c.polledAt.Store(int64(start.Sub(epoch)))
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
