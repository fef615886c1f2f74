package ratelimit

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LockoutConfig sets how a Lockout backs off.
type LockoutConfig struct {
	// Free is the number of consecutive failures of one (subject, client)
	// pair before delays start; the next delay is Base, then it doubles
	// with every further failure, up to Cap.
	Free int
	// SubjectFree is the number of consecutive failures of a subject from
	// all clients together before the subject-wide delay starts (it grows
	// the same way and applies only to clients that have failed too).
	SubjectFree int
	Base, Cap   time.Duration
	// Forget drops a pair's or subject's failures this long after the last
	// one (a pause that long starts afresh).
	Forget time.Duration
	// MaxKeys bounds the pairs tracked, and separately the subjects.
	MaxKeys int
}

// DefaultLockout: five free failures per (user, address), then 1 s doubling
// to 5 min; twenty across all addresses before the user-wide delay; state
// kept 15 min after the last failure.
func DefaultLockout() LockoutConfig {
	return LockoutConfig{Free: 5, SubjectFree: 20, Base: time.Second, Cap: 5 * time.Minute,
		Forget: 15 * time.Minute, MaxKeys: DefaultMaxKeys}
}

// Lockout backs off repeated failed attempts (logins, signatures) of a
// subject (a user) made from a client (an address).
//
// Delays are counted per (subject, client) pair, so failures from an
// attacker's address never delay the subject's own attempts from another
// address. Failures of the subject from all clients together set a second,
// subject-wide delay that slows guessing from many addresses; it applies
// only to a client that has itself failed since, is measured from that
// client's own last failure, and never exceeds Cap: whatever others do, a
// client waits at most Cap after its own last failure, and one with no
// recent failure is not delayed at all. Attempts refused while waiting are
// not failures: they do not lengthen the delay. A success resets the pair
// and the subject.
type Lockout struct {
	cfg       LockoutConfig
	n         atomic.Int64 // entries tracked: lets the usual case skip the lock
	mu        sync.Mutex
	pairs     map[string]failures
	subjects  map[string]failures
	lastSweep int64
}

type failures struct {
	n    int
	last int64 // unix ns of the last failure
}

// NewLockout returns an empty Lockout.
func NewLockout(cfg LockoutConfig) *Lockout {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	return &Lockout{cfg: cfg, pairs: make(map[string]failures), subjects: make(map[string]failures)}
}

func pairKey(subject, client string) string {
	if len(client) > maxKeyLen {
		client = client[:maxKeyLen]
	}
	return subject + "\x00" + client
}

// Idle reports whether no failure is remembered (then Wait is 0 for all).
func (l *Lockout) Idle() bool { return l.n.Load() == 0 }

// live returns f, or zero failures when f is older than Forget.
func (l *Lockout) live(f failures, t int64) failures {
	if t-f.last > int64(l.cfg.Forget) {
		return failures{}
	}
	return f
}

// delay is the wait after n consecutive failures of which free are free.
func (l *Lockout) delay(n, free int) time.Duration {
	if n < free {
		return 0
	}
	k := n - free
	if k >= 30 || l.cfg.Base<<k > l.cfg.Cap || l.cfg.Base<<k <= 0 {
		return l.cfg.Cap
	}
	return l.cfg.Base << k
}

// Wait returns how long client must wait before its next attempt for
// subject; 0 means it may try now.
func (l *Lockout) Wait(subject, client string, now time.Time) time.Duration {
	if l.Idle() {
		return 0
	}
	t := now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waitFor(l.pairs[pairKey(subject, client)], l.subjects[subject], t)
}

// waitFor is Wait's rule for a pair's failures p and its subject's s at t.
func (l *Lockout) waitFor(p, s failures, t int64) time.Duration {
	p = l.live(p, t)
	if p.n == 0 {
		return 0
	}
	d := l.delay(p.n, l.cfg.Free)
	s = l.live(s, t)
	d = min(max(d, l.delay(s.n, l.cfg.SubjectFree)), l.cfg.Cap)
	if left := time.Duration(p.last + int64(d) - t); left > 0 {
		return left
	}
	return 0
}

// Fail records a failed attempt by client for subject at now.
func (l *Lockout) Fail(subject, client string, now time.Time) {
	t := now.UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	if t-l.lastSweep >= int64(l.cfg.Forget) {
		l.sweep(t)
	}
	l.bump(l.pairs, pairKey(subject, client), t)
	l.bump(l.subjects, strings.Clone(subject), t)
	l.n.Store(int64(len(l.pairs) + len(l.subjects)))
}

// bump adds a failure at t to m[key], making room first when m is full.
func (l *Lockout) bump(m map[string]failures, key string, t int64) {
	f, ok := m[key]
	if !ok && len(m) >= l.cfg.MaxKeys {
		if t-l.lastSweep >= sweepGap {
			l.sweep(t)
		}
		if len(m) >= l.cfg.MaxKeys {
			evictOldest(m)
		}
	}
	f = l.live(f, t)
	m[key] = failures{n: f.n + 1, last: t}
}

// evictOldest drops the oldest of a few entries of m (map order is random):
// the evicted key starts afresh, which costs an attacker's pair one free
// attempt at most, still under the subject-wide delay.
func evictOldest(m map[string]failures) {
	var victim string
	oldest, seen := int64(0), 0
	for k, f := range m {
		if seen == 0 || f.last < oldest {
			victim, oldest = k, f.last
		}
		if seen++; seen == 8 {
			break
		}
	}
	delete(m, victim)
}

// sweep drops the entries whose failures are forgotten.
func (l *Lockout) sweep(t int64) {
	l.lastSweep = t
	for _, m := range []map[string]failures{l.pairs, l.subjects} {
		for k, f := range m {
			if t-f.last > int64(l.cfg.Forget) {
				delete(m, k)
			}
		}
	}
	l.n.Store(int64(len(l.pairs) + len(l.subjects)))
}

// Succeed forgets the failures of client for subject, and the subject's.
func (l *Lockout) Succeed(subject, client string) {
	if l.Idle() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pairs, pairKey(subject, client))
	delete(l.subjects, subject)
	l.n.Store(int64(len(l.pairs) + len(l.subjects)))
}

// Len returns the pairs and subjects tracked (for tests).
func (l *Lockout) Len() (pairs, subjects int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pairs), len(l.subjects)
}
