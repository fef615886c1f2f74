package ratelimit

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestMemoryBudget(t *testing.T) {
	m := NewMemory(10, time.Minute, 0)
	for i := range 10 {
		if ok, _ := m.Allow("org", t0); !ok {
			t.Fatalf("request %d refused within the budget", i+1)
		}
	}
	refused := 0
	var wait time.Duration
	for range 5 {
		ok, w := m.Allow("org", t0)
		if !ok {
			refused++
			wait = w
		}
	}
	if refused != 5 {
		t.Fatalf("refused %d of 5 requests over the budget", refused)
	}
	// One request's worth of budget (6 s) comes back after 6 s.
	if wait <= 0 || wait > 6*time.Second {
		t.Fatalf("retry after %v, want (0, 6s]", wait)
	}
	if ok, _ := m.Allow("org", t0.Add(wait)); !ok {
		t.Fatal("refused after the advertised wait")
	}
	if ok, _ := m.Allow("other", t0); !ok {
		t.Fatal("another key shares the budget")
	}
	// A whole period later the budget is whole again.
	n := 0
	for range 20 {
		if ok, _ := m.Allow("org", t0.Add(2*time.Minute)); ok {
			n++
		}
	}
	if n != 10 {
		t.Fatalf("allowed %d after a rest, want 10", n)
	}
}

// TestMemoryBounded sends a million distinct keys: the limiter tracks at
// most its cap, keys at rest are forgotten, and when every tracked key is
// still in use the newcomers share one budget instead of growing memory.
func TestMemoryBounded(t *testing.T) {
	const maxKeys = 10_000
	m := NewMemory(100, time.Minute, maxKeys)
	perShard := (maxKeys + nShards - 1) / nShards
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	// All at one instant: every key stays in use, so the table fills and
	// the rest share the overflow budget (100 requests in all).
	allowed := 0
	for i := range 1_000_000 {
		if ok, _ := m.Allow("10.0."+strconv.Itoa(i), t0); ok {
			allowed++
		}
		if i%100_000 == 0 && m.Len() > nShards*perShard {
			t.Fatalf("tracking %d keys, cap %d", m.Len(), maxKeys)
		}
	}
	if n := m.Len(); n > nShards*perShard || n < maxKeys/2 {
		t.Fatalf("tracking %d keys, want about %d", n, maxKeys)
	}
	if allowed > nShards*perShard+100 {
		t.Fatalf("allowed %d distinct keys at once, want at most the tracked ones plus one shared budget", allowed)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Fatalf("heap grew by %d bytes for %d tracked keys", grew, m.Len())
	}

	// Spread over time: keys at rest are swept and newcomers are tracked
	// (each is allowed), still within the cap.
	for i := range 1_000_000 {
		at := t0.Add(time.Hour + time.Duration(i)*time.Millisecond)
		if ok, _ := m.Allow("k"+strconv.Itoa(i), at); !ok {
			t.Fatalf("key %d refused though older keys are at rest", i)
		}
	}
	if n := m.Len(); n > nShards*perShard {
		t.Fatalf("tracking %d keys, cap %d", n, maxKeys)
	}
	runtime.KeepAlive(m)
}

func TestPerMinuteZeroIsOff(t *testing.T) {
	if PerMinute(0) != nil {
		t.Fatal("PerMinute(0) must be nil (no limit)")
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:5555":                "192.0.2.7",
		"[::ffff:192.0.2.7]:1":          "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443":    "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1%eth0]:1": "2001:db8:1:2::/64",
		"@":                             "@",
	} {
		if got := ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMemoryConcurrent: concurrent callers spend one budget exactly.
func TestMemoryConcurrent(t *testing.T) {
	m := NewMemory(500, time.Minute, 0)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				if ok, _ := m.Allow("org", t0); ok {
					allowed.Add(1)
				}
				m.Allow("g"+strconv.Itoa(g)+"-"+strconv.Itoa(i), t0)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 500 {
		t.Fatalf("allowed %d of 8000 on one key, want the budget of 500", n)
	}
}
