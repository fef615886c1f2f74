package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/pgtest"
	"github.com/custos-dev/custos/internal/ratelimit"
)

// twoReplicas opens one fresh PostgreSQL database twice, as two replicas
// would.
func twoReplicas(t *testing.T) (a, b *DB) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	a, err := OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if b, err = OpenPostgres(ctx, url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// sharedLimiter is the limiter the replicas use; the fail-first check of
// these tests swaps it for the per-process one.
var sharedLimiter = func(db *DB, n int) ratelimit.Limiter {
	return ratelimit.NewShared(db, "org", n, time.Minute)
}

// Two replicas spend one budget: of 2N requests at one instant, spread
// over both and raced, exactly N are admitted; the refused get the wait
// until the next request fits, and that much later exactly one more fits.
func TestPostgresSharedRateLimit(t *testing.T) {
	a, b := twoReplicas(t)
	const n = 20
	la, lb := sharedLimiter(a, n), sharedLimiter(b, n)
	now := time.Now()
	var admitted atomic.Int64
	var maxWait atomic.Int64
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := la
			if i%2 == 1 {
				l = lb
			}
			ok, wait := l.Allow("org-1", now)
			if ok {
				admitted.Add(1)
				return
			}
			if wait <= 0 || wait > time.Minute/n {
				t.Errorf("refused with wait %v, want (0, %v]", wait, time.Minute/n)
			}
			for w := maxWait.Load(); int64(wait) > w && !maxWait.CompareAndSwap(w, int64(wait)); w = maxWait.Load() {
			}
		}()
	}
	wg.Wait()
	if got := admitted.Load(); got != n {
		t.Fatalf("two replicas admitted %d of %d requests, want the one budget of %d", got, 2*n, n)
	}
	// Another key has its own budget.
	if ok, _ := lb.Allow("org-2", now); !ok {
		t.Fatal("another organisation was refused")
	}
	later := now.Add(time.Duration(maxWait.Load()))
	if ok, _ := la.Allow("org-1", later); !ok {
		t.Fatal("refused after the announced wait")
	}
	if ok, _ := lb.Allow("org-1", later); ok {
		t.Fatal("two requests admitted for one interval of refill")
	}
	// The prune job forgets only keys at rest.
	if _, err := a.PruneLimits(context.Background(), now.Add(time.Second), 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	var keys int
	if err := a.w.QueryRowContext(context.Background(), `SELECT count(*) FROM rate_limits`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != 2 {
		t.Fatalf("%d keys after a prune within the minute, want 2", keys)
	}
	if _, err := a.PruneLimits(context.Background(), now.Add(2*time.Minute), 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := a.w.QueryRowContext(context.Background(), `SELECT count(*) FROM rate_limits`).Scan(&keys); err != nil || keys != 0 {
		t.Fatalf("%d keys (%v) after the budgets were whole again, want 0", keys, err)
	}
}

// sharedBackoff is the backoff the replicas use (swapped for the
// per-process one in the fail-first check).
var sharedBackoff = func(db *DB) ratelimit.Backoff {
	return ratelimit.NewSharedLockout(db, "login", ratelimit.DefaultLockout())
}

// Failures on one replica delay the (user, address) pair on the other, at
// once for a replica that has not looked yet and within a second for one
// that has; a success on either resets both; another address is not held.
func TestPostgresSharedBackoff(t *testing.T) {
	a, b := twoReplicas(t)
	la, lb := sharedBackoff(a), sharedBackoff(b)
	t0 := time.Now()
	if d := lb.Wait("user-1", "10.0.0.1", t0); d != 0 { // b has looked: nothing yet
		t.Fatalf("wait %v before any failure", d)
	}
	for range 6 {
		la.Fail("user-1", "10.0.0.1", t0)
	}
	if d := la.Wait("user-1", "10.0.0.1", t0); d != 2*time.Second {
		t.Fatalf("replica A: wait %v after 6 failures, want 2s", d)
	}
	t1 := t0.Add(time.Second) // b rereads the users with failures
	if d := lb.Wait("user-1", "10.0.0.1", t1); d != time.Second {
		t.Fatalf("replica B: wait %v a second after 6 failures on A, want 1s", d)
	}
	if d := lb.Wait("user-1", "10.0.0.2", t1); d != 0 {
		t.Fatalf("replica B, another address: wait %v, want 0", d)
	}
	// A replica that has not looked before sees the failures at once.
	lc := sharedBackoff(b)
	if d := lc.Wait("user-1", "10.0.0.1", t0); d != 2*time.Second {
		t.Fatalf("fresh replica: wait %v, want 2s", d)
	}
	// Failures on B count with A's, and A sees them at once once it has
	// a failure of its own for the user.
	lb.Fail("user-1", "10.0.0.1", t1.Add(time.Second))
	if d := la.Wait("user-1", "10.0.0.1", t1.Add(time.Second)); d != 4*time.Second {
		t.Fatalf("replica A after a 7th failure on B: wait %v, want 4s", d)
	}
	lb.Succeed("user-1", "10.0.0.1")
	if d := la.Wait("user-1", "10.0.0.1", t1.Add(time.Second)); d != 0 {
		t.Fatalf("replica A after a success on B: wait %v, want 0", d)
	}
}
