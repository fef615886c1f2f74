package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

func TestLockoutBackoff(t *testing.T) {
	l := NewLockout(DefaultLockout())
	const user, attacker, owner = "us-1", "203.0.113.9", "198.51.100.1"
	now := t0
	for i := range 5 {
		if w := l.Wait(user, attacker, now); w != 0 {
			t.Fatalf("failure %d: waiting %v within the free failures", i+1, w)
		}
		l.Fail(user, attacker, now)
	}
	if w := l.Wait(user, attacker, now); w != time.Second {
		t.Fatalf("after 5 failures wait %v, want 1s", w)
	}
	// The owner, from its own address, is not delayed.
	if w := l.Wait(user, owner, now); w != 0 {
		t.Fatalf("owner's address waits %v because of the attacker's failures", w)
	}
	// Each further failure doubles the delay, up to the cap.
	want := time.Second
	for range 12 {
		now = now.Add(l.Wait(user, attacker, now))
		l.Fail(user, attacker, now)
		want = min(2*want, 5*time.Minute)
		if w := l.Wait(user, attacker, now); w != want {
			t.Fatalf("wait %v, want %v", w, want)
		}
	}
	// Attempts refused while waiting do not lengthen it.
	if w := l.Wait(user, attacker, now.Add(time.Minute)); w != 4*time.Minute {
		t.Fatalf("wait %v a minute in, want 4m", w)
	}
	// A success resets the pair.
	l.Succeed(user, attacker)
	if w := l.Wait(user, attacker, now); w != 0 {
		t.Fatalf("wait %v after a success", w)
	}
	// Forgotten after a long pause.
	for range 7 {
		l.Fail(user, owner, now)
	}
	if w := l.Wait(user, owner, now.Add(16*time.Minute)); w != 0 {
		t.Fatalf("wait %v after 16 quiet minutes", w)
	}
}

// TestLockoutSubjectWide: failures spread over many addresses slow every
// address that has failed too, but never beyond the cap after its own last
// failure, and never an address without failures.
func TestLockoutSubjectWide(t *testing.T) {
	l := NewLockout(DefaultLockout())
	const user = "us-1"
	now := t0
	for i := range 40 {
		l.Fail(user, "203.0.113."+strconv.Itoa(i), now)
	}
	// A fresh address: no delay.
	if w := l.Wait(user, "198.51.100.1", now); w != 0 {
		t.Fatalf("fresh address waits %v", w)
	}
	// An address with one failure of its own waits the subject-wide delay
	// (40 failures: 20 past the free ones → capped).
	if w := l.Wait(user, "203.0.113.0", now); w != 5*time.Minute {
		t.Fatalf("address with a failure waits %v, want the cap", w)
	}
	// The owner fails once; the attacker keeps failing elsewhere; the owner
	// still waits no longer than the cap after its own failure.
	l.Fail(user, "198.51.100.1", now)
	for i := range 100 {
		l.Fail(user, "192.0.2."+strconv.Itoa(i), now.Add(time.Duration(i)*3*time.Second))
	}
	if w := l.Wait(user, "198.51.100.1", now.Add(5*time.Minute)); w != 0 {
		t.Fatalf("owner waits %v beyond the cap", w)
	}
	// Another user is untouched.
	if w := l.Wait("us-2", "203.0.113.0", now); w != 0 {
		t.Fatalf("another user waits %v", w)
	}
}

func TestLockoutBounded(t *testing.T) {
	cfg := DefaultLockout()
	cfg.MaxKeys = 1000
	l := NewLockout(cfg)
	for i := range 1_000_000 {
		l.Fail("us-"+strconv.Itoa(i%5000), "a"+strconv.Itoa(i), t0.Add(time.Duration(i)*time.Microsecond))
	}
	if p, s := l.Len(); p > cfg.MaxKeys || s > cfg.MaxKeys {
		t.Fatalf("tracking %d pairs and %d subjects, cap %d", p, s, cfg.MaxKeys)
	}
	if l.Idle() {
		t.Fatal("idle after failures")
	}
}

func TestLockoutIdle(t *testing.T) {
	l := NewLockout(DefaultLockout())
	if !l.Idle() {
		t.Fatal("new lockout not idle")
	}
	l.Fail("u", "a", t0)
	l.Succeed("u", "a")
	if !l.Idle() {
		t.Fatal("not idle after the only failure was reset")
	}
}
