package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// downStore is a store that does not answer.
type downStore struct{}

var errDown = errors.New("database down")

func (downStore) SpendTAT(context.Context, string, int64, int64, int64) (bool, int64, error) {
	return false, 0, errDown
}
func (downStore) BackoffFail(context.Context, string, string, string, int64, int64) error {
	return errDown
}
func (downStore) BackoffState(context.Context, string, string, string) (Failures, Failures, error) {
	return Failures{}, Failures{}, errDown
}
func (downStore) BackoffReset(context.Context, string, string, string) error { return errDown }
func (downStore) BackoffSubjects(context.Context, string, int64, int) ([]string, error) {
	return nil, errDown
}

// While the database does not answer, a replica keeps its own budget and
// backoff: the limits of one process, never none.
func TestSharedFallsBackToProcess(t *testing.T) {
	now := time.Now()
	l := NewShared(downStore{}, "org", 3, time.Minute)
	admitted := 0
	for range 5 {
		if ok, _ := l.Allow("org-1", now); ok {
			admitted++
		}
	}
	if admitted != 3 {
		t.Fatalf("admitted %d of 5 with a budget of 3 and no database", admitted)
	}
	b := NewSharedLockout(downStore{}, "login", DefaultLockout())
	for range 5 {
		b.Fail("u", "10.0.0.1", now)
	}
	if d := b.Wait("u", "10.0.0.1", now); d != time.Second {
		t.Fatalf("wait %v after 5 failures and no database, want 1s", d)
	}
	b.Succeed("u", "10.0.0.1")
	if d := b.Wait("u", "10.0.0.1", now); d != 0 {
		t.Fatalf("wait %v after a success, want 0", d)
	}
}

// Keys a database cannot store as text are stored hex-encoded.
func TestStoreText(t *testing.T) {
	for in, want := range map[string]string{"org-1": "org-1", "10.0.0.1": "10.0.0.1", "é": "é", "a\x00": "~6100", "\xff": "~ff"} {
		if got := storeText(in); got != want {
			t.Errorf("storeText(%q) = %q, want %q", in, got, want)
		}
	}
}
