package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Of two replicas, one holds a job's lease while it renews it; the other
// takes it over once it has expired.
func TestLeaseMovesOnlyWhenExpired(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	t0 := time.Now()
	ttl := time.Minute
	want := func(holder string, at time.Duration, ok bool) {
		t.Helper()
		got, err := db.TakeLease(ctx, "job", holder, t0.Add(at), t0.Add(at+ttl))
		if err != nil || got != ok {
			t.Fatalf("%s at %v: held %v (%v), want %v", holder, at, got, err, ok)
		}
	}
	want("a", 0, true)
	want("b", time.Second, false)
	want("a", 50*time.Second, true) // renewed until 110 s
	want("b", 100*time.Second, false)
	want("b", 111*time.Second, true)
	want("a", 112*time.Second, false)
	if got, _ := db.TakeLease(ctx, "other-job", "a", t0, t0.Add(ttl)); !got {
		t.Fatal("a lease on one job held another")
	}
}

// Replicas racing for a free lease: exactly one gets it.
func TestLeaseRace(t *testing.T) {
	db := openTestDB(t)
	now := time.Now()
	for round := range 50 {
		var held atomic.Int32
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				at := now.Add(time.Duration(round) * time.Hour)
				ok, err := db.TakeLease(context.Background(), "race", string(rune('a'+i)), at, at.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					held.Add(1)
				}
			})
		}
		wg.Wait()
		if held.Load() != 1 {
			t.Fatalf("round %d: %d replicas hold the lease", round, held.Load())
		}
	}
}
