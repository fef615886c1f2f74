package sqlstore

import (
	"sync"
	"sync/atomic"
)

// readCache remembers the results of the reads on every request's path
// (token sessions, grants, credentials, keys) until the next write that may
// change them. Every write bumps the generation after it commits unless it
// is marked as touching only protocol tables (challenges, user actions,
// signature requests), so a cached entry is never older than the last
// committed change: an entry is stored with the generation seen before its
// read, and is valid only while the generation is unchanged. It is sound
// because one process owns the SQLite database; it is off for stores shared
// by several processes.
type readCache struct {
	enabled bool
	gen     atomic.Uint64
	mu      sync.RWMutex
	m       map[string]cacheEntry
}

type cacheEntry struct {
	gen uint64
	v   any
}

// maxCached bounds the number of cached reads.
const maxCached = 50000

func newReadCache(enabled bool) *readCache {
	return &readCache{enabled: enabled, m: map[string]cacheEntry{}}
}

// generation returns the generation to store a read under; take it before
// the read.
func (c *readCache) generation() uint64 { return c.gen.Load() }

func (c *readCache) get(key string) (any, bool) {
	if !c.enabled {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || e.gen != c.gen.Load() {
		return nil, false
	}
	return e.v, true
}

func (c *readCache) put(key string, gen uint64, v any) {
	if !c.enabled || gen != c.gen.Load() {
		return
	}
	c.mu.Lock()
	if len(c.m) >= maxCached {
		clear(c.m)
	}
	c.m[key] = cacheEntry{gen: gen, v: v}
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
func cached[T any](c *readCache, key string, read func() (T, error)) (T, error) {
	if v, ok := c.get(key); ok {
		return v.(T), nil
	}
	gen := c.generation()
	v, err := read()
	if err == nil {
		c.put(key, gen, v)
	}
	return v, err
}
