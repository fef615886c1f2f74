package sqlstore

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
)

func user(id, name string) *identity.User {
	return &identity.User{ID: id, OrgID: "or-1", Username: name, Name: name, Kind: identity.KindEmployee, Created: time.Now()}
}

// hasUser reports whether user id is stored.
func hasUser(t *testing.T, db *DB, id string) bool {
	t.Helper()
	_, err := db.User(context.Background(), "or-1", id)
	var ae *apierr.Error
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// A unit of work commits all its writes or none: a failing second write
// leaves nothing of the first, and reads inside the unit see its writes.
func TestUnitCommitsAllOrNothing(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	if err := db.CreateUser(ctx, user("us-taken", "taken")); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(ctx context.Context) error {
		if err := db.CreateUser(ctx, user("us-first", "first")); err != nil {
			return err
		}
		if _, err := db.User(ctx, "or-1", "us-first"); err != nil {
			t.Errorf("the unit does not see its own write: %v", err)
		}
		return db.CreateUser(ctx, user("us-second", "taken"))
	})
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		t.Fatalf("unit: %v, want the 409 of its second write", err)
	}
	if hasUser(t, db, "us-first") {
		t.Fatal("the first write of a failed unit was committed")
	}
	if err := db.Tx(ctx, func(ctx context.Context) error {
		if err := db.CreateUser(ctx, user("us-a", "a")); err != nil {
			return err
		}
		return db.CreateUser(ctx, user("us-b", "b"))
	}); err != nil {
		t.Fatal(err)
	}
	if !hasUser(t, db, "us-a") || !hasUser(t, db, "us-b") {
		t.Fatal("a committed unit lost a write")
	}
}

// A unit that fails inside a group commit rolls back alone: the writes and
// units sharing its commit are stored. The writer is held by a first unit
// until the others are queued, so that they share one batch.
func TestUnitFailsAloneInABatch(t *testing.T) {
	sqliteOnly(t, "units sharing one group commit")
	db := testDB(t)
	ctx := context.Background()
	if err := db.CreateUser(ctx, user("us-taken", "taken")); err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.Tx(ctx, func(ctx context.Context) error {
			close(held)
			<-hold
			return db.CreateUser(ctx, user("us-hold", "hold"))
		})
	}()
	<-held
	failing, single, good := make(chan error, 1), make(chan error, 1), make(chan error, 1)
	go func() {
		failing <- db.Tx(ctx, func(ctx context.Context) error {
			if err := db.CreateUser(ctx, user("us-f1", "f1")); err != nil {
				return err
			}
			return db.CreateUser(ctx, user("us-f2", "taken"))
		})
	}()
	go func() { single <- db.CreateUser(ctx, user("us-s", "s")) }()
	go func() {
		good <- db.Tx(ctx, func(ctx context.Context) error {
			if err := db.CreateUser(ctx, user("us-g1", "g1")); err != nil {
				return err
			}
			return db.CreateUser(ctx, user("us-g2", "g2"))
		})
	}()
	// Wait (bounded) until the three are queued behind the held unit.
	for i := 0; len(db.ops) < 3; i++ {
		if i == 10000 {
			t.Fatal("the writes were never queued")
		}
		time.Sleep(time.Millisecond)
	}
	commits, writes := db.WriteStats()
	close(hold)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-failing; err == nil {
		t.Fatal("the failing unit succeeded")
	}
	if err := <-single; err != nil {
		t.Fatal(err)
	}
	if err := <-good; err != nil {
		t.Fatal(err)
	}
	// The writer counts a batch just after answering it: wait (bounded)
	// for the count of the four writes.
	c, w := db.WriteStats()
	for i := 0; w-writes < 4 && i < 10000; i++ {
		time.Sleep(time.Millisecond)
		c, w = db.WriteStats()
	}
	if c-commits != 2 || w-writes != 4 {
		t.Fatalf("%d commits of %d writes; want the held unit, then one batch of 3", c-commits, w-writes)
	}
	if hasUser(t, db, "us-f1") {
		t.Fatal("the first write of the failed unit was committed")
	}
	for _, id := range []string{"us-hold", "us-s", "us-g1", "us-g2"} {
		if !hasUser(t, db, id) {
			t.Fatalf("%s, of a write sharing the failed unit's commit, is missing", id)
		}
	}
}

// A nested unit that fails rolls back alone when the outer one handles
// its error.
func TestNestedUnitRollsBackAlone(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.Tx(ctx, func(ctx context.Context) error {
		if err := db.CreateUser(ctx, user("us-outer", "outer")); err != nil {
			return err
		}
		err := db.Tx(ctx, func(ctx context.Context) error {
			if err := db.CreateUser(ctx, user("us-inner", "inner")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("nested unit: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hasUser(t, db, "us-outer") || hasUser(t, db, "us-inner") {
		t.Fatal("want the outer unit's write only")
	}
}
