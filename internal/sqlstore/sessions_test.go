package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/identity"
)

// A logout of all sessions is one atomic bump: an update written from a
// read made before it (a rename racing the logout) cannot undo it, or the
// logged-out tokens would be accepted again.
func TestEndSessionsSurvivesStaleUpdate(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	u := &identity.User{ID: "us-1", OrgID: "or-1", Username: "a@example.com", Name: "a", Kind: identity.KindEmployee,
		IsActive: true, Created: time.Now()}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	stale, err := db.User(ctx, "or-1", "us-1")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := db.EndSessions(ctx, "or-1", "us-1"); err != nil {
			t.Fatal(err)
		}
	}
	stale.Name = "renamed"
	if err := db.UpdateUser(ctx, stale); err != nil {
		t.Fatal(err)
	}
	got, err := db.User(ctx, "or-1", "us-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.SessionGen != stale.SessionGen+2 || got.Name != "renamed" {
		t.Fatalf("session generation %d, name %q; want %d, renamed", got.SessionGen, got.Name, stale.SessionGen+2)
	}
	if err := db.EndSessions(ctx, "or-1", "us-nope"); err == nil {
		t.Fatal("ended the sessions of a user that does not exist")
	}
}
