package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/identity"
)

func testDB(t *testing.T) *DB {
	t.Helper()
	db := openTestDB(t)
	if err := db.CreateOrg(context.Background(), &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return db
}

func countUsers(t *testing.T, db *DB) int {
	var n int
	if err := db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Concurrent writes share commits; a failing write (here a duplicate
// username) fails alone and the others commit.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("u%d", i)
			if i%8 == 0 {
				name = "dup"
			}
			errs[i] = db.CreateUser(ctx, &identity.User{ID: fmt.Sprintf("us-%d", i), OrgID: "or-1", Username: name,
				Name: name, Kind: identity.KindEmployee, IsActive: true, Created: time.Now()})
		}()
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	// Eight writes used "dup": exactly one of them wins.
	if failed != 7 || countUsers(t, db) != n-7 {
		t.Fatalf("%d writes failed, %d users stored; want 7 and %d", failed, countUsers(t, db), n-7)
	}
	commits, writes := db.WriteStats()
	if writes < n || commits == 0 {
		t.Fatalf("stats: %d commits, %d writes", commits, writes)
	}
}

// A multi-statement write that fails half-way leaves nothing behind, even
// when it shares its commit with others.
func TestGroupCommitRollsBackAPartialWrite(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	var wg sync.WaitGroup
	var partial error
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 7 {
				partial = db.tx(ctx, func(tx *Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, org_id, username, name, kind, created_at)
						VALUES ('us-partial', 'or-1', 'partial', 'p', 'CustomerEmployee', 1)`); err != nil {
						return err
					}
					return boom
				})
				return
			}
			if err := db.CreateUser(ctx, &identity.User{ID: fmt.Sprintf("us-%d", i), OrgID: "or-1",
				Username: fmt.Sprintf("u%d", i), Name: "n", Kind: identity.KindEmployee, Created: time.Now()}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if !errors.Is(partial, boom) {
		t.Fatalf("partial write: %v", partial)
	}
	if _, err := db.User(ctx, "or-1", "us-partial"); err == nil {
		t.Fatal("the failed write's first statement was committed")
	}
	if countUsers(t, db) != 15 {
		t.Fatalf("%d users, want 15", countUsers(t, db))
	}
}

// Writes after Close fail instead of hanging.
func TestWriteAfterClose(t *testing.T) {
	db := testDB(t)
	db.Close()
	if _, err := db.exec(context.Background(), `DELETE FROM nonces`); !errors.Is(err, errClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

// The writer waits for bigger batches only when many requests are in flight.
func TestBatchTargetFollowsLoad(t *testing.T) {
	sqliteOnly(t, "the group-commit writer's batch size")
	db := testDB(t)
	if want, delay := db.batchTarget(); want != commitWant || delay != commitDelay {
		t.Fatalf("no load source: %d %v", want, delay)
	}
	for _, tc := range []struct{ inflight, want int }{{4, commitWant}, {15, commitWant}, {16, 8}, {40, 20}, {500, maxWant}} {
		n := tc.inflight
		db.SetLoad(func() int { return n })
		want, delay := db.batchTarget()
		if want != tc.want || (n >= heavyLoad) != (delay == heavyDelay) {
			t.Errorf("%d in flight: batch %d after %v, want %d", n, want, delay, tc.want)
		}
	}
}

// Closing right after opening ends the writer even when its goroutine has
// not run yet (it used to read the channel field after Close cleared it).
func TestCloseRightAfterOpen(t *testing.T) {
	sqliteOnly(t, "the group-commit writer's goroutine")
	dir := t.TempDir()
	for i := range 30 {
		db, err := OpenSQLite(context.Background(), filepath.Join(dir, fmt.Sprintf("c%d.db", i)))
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- db.Close() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Close hung on open %d", i)
		}
	}
}
