package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Backoff is what the login and action checks need of a backoff: Lockout
// in one process, SharedLockout across replicas.
type Backoff interface {
	Wait(subject, client string, now time.Time) time.Duration
	Fail(subject, client string, now time.Time)
	Succeed(subject, client string)
}

// Failures are consecutive failures: how many, and the last one (unix ns).
type Failures struct {
	N    int
	Last int64
}

// BackoffStore holds the failures of (subject, client) pairs and of
// subjects, per scope.
type BackoffStore interface {
	// BackoffFail adds a failure at t to the pair and to the subject;
	// counts whose last failure is more than forget ns before t restart.
	BackoffFail(ctx context.Context, scope, subject, client string, t, forget int64) error
	// BackoffState returns the failures of the pair and of its subject
	// (zero when the pair has none).
	BackoffState(ctx context.Context, scope, subject, client string) (pair, subj Failures, err error)
	// BackoffReset forgets the pair's failures and the subject's.
	BackoffReset(ctx context.Context, scope, subject, client string) error
	// BackoffSubjects returns up to limit subjects with a failure at or
	// after since.
	BackoffSubjects(ctx context.Context, scope string, since int64, limit int) ([]string, error)
}

// refreshEvery is how often a SharedLockout rereads the subjects with
// recent failures, and so the longest a failure recorded by another
// replica goes unseen here (docs/security.md).
const refreshEvery = time.Second

// maxSuspects bounds the subjects a SharedLockout keeps in memory; with
// more, every attempt reads its state from the store.
const maxSuspects = 10_000

// SharedLockout is the Lockout's rule over state in a BackoffStore, so
// that failures on one replica delay attempts on all of them.
//
// Reading the store on every attempt would cost a round trip on the
// signed-request path even when nobody fails. Instead it knows which
// subjects have recent failures (reread from the store at most every
// refreshEvery, on demand, plus the subjects that failed in this process
// since) and reads the store only for those; the others cannot be waiting.
// A failure on another replica is thus seen here within refreshEvery, or
// at once after this process sees one of its own for the subject. When the
// store fails, the process's own Lockout (which records every failure here
// too) decides.
type SharedLockout struct {
	store BackoffStore
	scope string
	local *Lockout

	refresh sync.Mutex // held by the one call rereading the subjects
	known   atomic.Pointer[suspects]
	gen     atomic.Int64 // refreshes begun

	marksMu sync.Mutex
	nMarks  atomic.Int64
	marks   map[string]int64 // subject → gen when it failed here
	over    int64            // gen+1 when marks overflowed, else 0
}

type suspects struct {
	at  int64 // the clock (unix ns) of the reread
	all bool  // more than maxSuspects: every subject may be waiting
	set map[string]struct{}
}

// NewSharedLockout returns a backoff by cfg whose failures are kept in
// store under scope ("login", "action").
func NewSharedLockout(store BackoffStore, scope string, cfg LockoutConfig) *SharedLockout {
	return &SharedLockout{store: store, scope: scope, local: NewLockout(cfg), marks: make(map[string]int64)}
}

func clientText(client string) string {
	if len(client) > maxKeyLen {
		client = client[:maxKeyLen]
	}
	return storeText(client)
}

// Wait implements Backoff.
func (l *SharedLockout) Wait(subject, client string, now time.Time) time.Duration {
	t := now.UnixNano()
	if !l.suspect(subject, t) {
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	p, s, err := l.store.BackoffState(ctx, l.scope, storeText(subject), clientText(client))
	if err != nil {
		return l.local.Wait(subject, client, now)
	}
	return l.local.waitFor(failures{n: p.N, last: p.Last}, failures{n: s.N, last: s.Last}, t)
}

// suspect reports whether subject may have failures recorded: it is among
// the subjects last read from the store or has failed here since.
func (l *SharedLockout) suspect(subject string, t int64) bool {
	k := l.known.Load()
	if k == nil || t-k.at >= int64(refreshEvery) || k.at-t >= int64(refreshEvery) {
		l.reread(t)
		if k = l.known.Load(); k == nil {
			return true // the first reread is under way or failed
		}
	}
	if k.all {
		return true
	}
	if _, ok := k.set[subject]; ok {
		return true
	}
	if l.nMarks.Load() == 0 {
		return false
	}
	l.marksMu.Lock()
	defer l.marksMu.Unlock()
	_, ok := l.marks[subject]
	return ok || l.over != 0
}

// reread loads the subjects with failures not yet forgotten at t, unless
// another call is doing so (then the caller goes on with what is known).
func (l *SharedLockout) reread(t int64) {
	if !l.refresh.TryLock() {
		return
	}
	defer l.refresh.Unlock()
	g := l.gen.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	subjects, err := l.store.BackoffSubjects(ctx, l.scope, t-int64(l.local.cfg.Forget), maxSuspects+1)
	if err != nil {
		// Keep what is known; try again after refreshEvery.
		if k := l.known.Load(); k != nil {
			l.known.Store(&suspects{at: t, all: k.all, set: k.set})
		} else {
			l.known.Store(&suspects{at: t, all: true})
		}
		return
	}
	k := &suspects{at: t, all: len(subjects) > maxSuspects}
	if !k.all {
		k.set = make(map[string]struct{}, len(subjects))
		for _, s := range subjects {
			k.set[s] = struct{}{}
		}
	}
	l.known.Store(k)
	// A failure marked before this reread began was in the store by then
	// (marks are set after the write), so the reread saw it.
	l.marksMu.Lock()
	for s, mg := range l.marks {
		if mg < g {
			delete(l.marks, s)
		}
	}
	if l.over != 0 && l.over-1 < g {
		l.over = 0
	}
	l.nMarks.Store(int64(len(l.marks)) + min(l.over, 1))
	l.marksMu.Unlock()
}

// Fail implements Backoff.
func (l *SharedLockout) Fail(subject, client string, now time.Time) {
	l.local.Fail(subject, client, now)
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	_ = l.store.BackoffFail(ctx, l.scope, storeText(subject), clientText(client), now.UnixNano(), int64(l.local.cfg.Forget))
	cancel()
	g := l.gen.Load()
	l.marksMu.Lock()
	if _, ok := l.marks[subject]; ok || len(l.marks) < maxSuspects {
		l.marks[subject] = g
	} else {
		l.over = g + 1
	}
	l.nMarks.Store(int64(len(l.marks)) + min(l.over, 1))
	l.marksMu.Unlock()
}

// Succeed implements Backoff.
func (l *SharedLockout) Succeed(subject, client string) {
	l.local.Succeed(subject, client)
	if k := l.known.Load(); k != nil && !k.all && l.nMarks.Load() == 0 {
		if _, ok := k.set[subject]; !ok {
			return // no failure recorded anywhere as of the last reread
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	_ = l.store.BackoffReset(ctx, l.scope, storeText(subject), clientText(client))
	cancel()
}
