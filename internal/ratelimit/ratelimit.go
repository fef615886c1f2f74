// Package ratelimit budgets requests per key (an organisation, an identity,
// a client address) and backs off repeated failed attempts (Lockout).
//
// Memory and Lockout keep their state in the memory of one process: exact
// for one server, which is what SQLite allows. Shared and SharedLockout
// (shared.go, shared_lockout.go) apply the same rules to state in a
// database that replicas on PostgreSQL share, so that every replica spends
// the same budget (docs/security.md, "Across replicas").
//
// Memory is bounded whatever the number of keys (an unauthenticated caller
// picks its own address): each structure tracks at most a fixed number of
// keys, forgets the keys whose state has returned to rest, and when it is
// still full falls back to a shared state (Memory) or evicts (Lockout).
package ratelimit

import (
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// Limiter spends one request of key's budget at now. It reports whether the
// request may proceed and, when it may not, how long until it would.
type Limiter interface {
	Allow(key string, now time.Time) (ok bool, retryAfter time.Duration)
}

// DefaultMaxKeys is the number of keys a Memory limiter tracks by default.
const DefaultMaxKeys = 100_000

// maxKeyLen bounds the bytes of a key kept in memory; longer keys are cut
// (callers pass ids and addresses, far shorter).
const maxKeyLen = 128

const nShards = 16

// Memory is an in-memory Limiter: a budget of n requests per period for each
// key, with a burst of n, by the generic cell rate algorithm (a key's state
// is the time at which its budget would be whole again).
type Memory struct {
	interval int64 // ns of budget one request spends: period / n
	window   int64 // ns: the whole budget, period
	perShard int
	seed     maphash.Seed
	shards   [nShards]shard
	// overflow is the one state shared by the keys that find their shard
	// full of keys still in use: they are limited together (fail safe).
	overflow struct {
		sync.Mutex
		tat int64
	}
}

type shard struct {
	sync.Mutex
	tat       map[string]int64 // key → theoretical arrival time (unix ns)
	lastSweep int64
	_         [40]byte // keep shards on separate cache lines
}

// sweepGap is the least time between two sweeps of a full shard: a shard
// full of keys still in use is not rescanned on every request.
const sweepGap = int64(time.Second)

// NewMemory returns a limiter of n requests per period per key that tracks
// at most maxKeys keys (DefaultMaxKeys when maxKeys <= 0). n must be > 0.
func NewMemory(n int, period time.Duration, maxKeys int) *Memory {
	if n <= 0 || period <= 0 {
		panic("ratelimit: budget and period must be positive")
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	m := &Memory{
		interval: int64(period) / int64(n),
		window:   int64(period),
		perShard: (maxKeys + nShards - 1) / nShards,
		seed:     maphash.MakeSeed(),
	}
	if m.interval == 0 {
		m.interval = 1
	}
	for i := range m.shards {
		m.shards[i].tat = make(map[string]int64)
	}
	return m
}

// PerMinute returns a Memory limiter of n requests per minute per key, or
// nil (no limit) when n is 0.
func PerMinute(n int) *Memory {
	if n <= 0 {
		return nil
	}
	return NewMemory(n, time.Minute, DefaultMaxKeys)
}

// Allow implements Limiter.
func (m *Memory) Allow(key string, now time.Time) (bool, time.Duration) {
	if len(key) > maxKeyLen {
		key = key[:maxKeyLen]
	}
	t := now.UnixNano()
	sh := &m.shards[maphash.String(m.seed, key)%nShards]
	sh.Lock()
	tat, tracked := sh.tat[key]
	if (!tracked && len(sh.tat) >= m.perShard) || (t-sh.lastSweep >= m.window && len(sh.tat) > 0) {
		// Full, or a period since the last sweep: forget the keys at rest.
		if t-sh.lastSweep >= sweepGap {
			sh.sweep(t)
			_, tracked = sh.tat[key]
		}
		if !tracked && len(sh.tat) >= m.perShard {
			sh.Unlock()
			m.overflow.Lock()
			defer m.overflow.Unlock()
			ok, wait, next := m.spend(m.overflow.tat, t)
			if ok {
				m.overflow.tat = next
			}
			return ok, wait
		}
	}
	ok, wait, next := m.spend(tat, t)
	if ok {
		if !tracked {
			key = strings.Clone(key)
		}
		sh.tat[key] = next
	}
	sh.Unlock()
	return ok, wait
}

// spend applies one request at t to a state tat: whether it fits, how long
// until it would, and the new state.
func (m *Memory) spend(tat, t int64) (bool, time.Duration, int64) {
	tat = max(tat, t)
	next := tat + m.interval
	if over := next - t - m.window; over > 0 {
		return false, time.Duration(over), tat
	}
	return true, 0, next
}

// sweep drops the keys whose budget is whole again (state at or before t):
// they behave exactly as untracked keys. It rebuilds the map so that its
// memory shrinks too.
func (sh *shard) sweep(t int64) {
	sh.lastSweep = t
	live := 0
	for _, tat := range sh.tat {
		if tat > t {
			live++
		}
	}
	if live == len(sh.tat) {
		return
	}
	m := make(map[string]int64, live)
	for k, tat := range sh.tat {
		if tat > t {
			m[k] = tat
		}
	}
	sh.tat = m
}

// Len returns the number of keys tracked (for tests and metrics).
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.Lock()
		n += len(sh.tat)
		sh.Unlock()
	}
	return n
}
