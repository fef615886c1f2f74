package sqlstore

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/id"
)

func newChallenge(user, token, purpose string, exp time.Time) *auth.Challenge {
	return &auth.Challenge{ID: id.New("ch"), SecretHash: "h", OrgID: "or-1", Purpose: purpose, UserID: user, TokenID: token,
		Challenge: "c", Method: "POST", Path: "/wallets", PayloadHash: "p", CanonicalHash: "c", Allowed: []string{"cr-1"},
		ExpiresAt: exp, Created: time.Now()}
}

func wantTooMany(t *testing.T, err error) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Status != http.StatusTooManyRequests {
		t.Fatalf("got %v, want a 429", err)
	}
}

func TestOutstandingChallengeCaps(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	exp := time.Now().Add(time.Hour)
	var first []*auth.Challenge
	for i := range maxOutstandingPerIdentity {
		c := newChallenge("us-1", "to-1", auth.PurposeAction, exp)
		if err := db.CreateChallenge(ctx, c); err != nil {
			t.Fatalf("challenge %d: %v", i, err)
		}
		first = append(first, c)
	}
	wantTooMany(t, db.CreateChallenge(ctx, newChallenge("us-1", "to-1", auth.PurposeAction, exp)))
	wantTooMany(t, db.CreateChallenge(ctx, newChallenge("us-1", "to-1", auth.PurposeCredential, exp)))
	// Another identity has its own budget.
	if err := db.CreateChallenge(ctx, newChallenge("us-1", "to-2", auth.PurposeAction, exp)); err != nil {
		t.Fatal(err)
	}
	// A used challenge no longer counts: taken, or completed into an action.
	if _, err := db.TakeChallenge(ctx, first[0].ID, "h", auth.PurposeAction, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateChallenge(ctx, newChallenge("us-1", "to-1", auth.PurposeAction, exp)); err != nil {
		t.Fatalf("after a take: %v", err)
	}
	a := &auth.UserAction{ID: "ua-" + first[1].ID[3:], TokenHash: "t", OrgID: "or-1", UserID: "us-1", TokenID: "to-1",
		CredUUID: "cr-1", Method: "POST", Path: "/wallets", PayloadHash: "p", ExpiresAt: exp, Created: time.Now()}
	if err := db.CreateActionFor(ctx, first[1].ID, a); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateChallenge(ctx, newChallenge("us-1", "to-1", auth.PurposeAction, exp)); err != nil {
		t.Fatalf("after an action: %v", err)
	}
	wantTooMany(t, db.CreateChallenge(ctx, newChallenge("us-1", "to-1", auth.PurposeAction, exp)))
	// A failed take (wrong secret) does not free a place.
	if _, err := db.TakeChallenge(ctx, first[2].ID, "wrong", auth.PurposeAction, time.Now()); err == nil {
		t.Fatal("took a challenge with the wrong secret")
	}
	wantTooMany(t, db.CreateChallenge(ctx, newChallenge("us-1", "to-1", auth.PurposeAction, exp)))
	// Expired challenges no longer count.
	db.live.expire(exp)
	if err := db.CreateChallenge(ctx, newChallenge("us-1", "to-1", auth.PurposeAction, exp.Add(time.Hour))); err != nil {
		t.Fatalf("after expiry: %v", err)
	}

	// Login challenges of one user have a smaller budget of their own;
	// past it the oldest is evicted, deleted, and can no longer be used.
	var logins []*auth.Challenge
	for i := range maxOutstandingLogins + 2 {
		c := newChallenge("us-2", "", auth.PurposeLogin, exp)
		if err := db.CreateChallenge(ctx, c); err != nil {
			t.Fatalf("login challenge %d: %v", i, err)
		}
		logins = append(logins, c)
	}
	for i, c := range logins {
		_, err := db.LiveChallenge(ctx, c.ID, "h", auth.PurposeLogin, time.Now())
		if evicted := i < 2; evicted != (err != nil) {
			t.Fatalf("login challenge %d: evicted %v, lookup error %v", i, evicted, err)
		}
	}
	var rows int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM challenges WHERE user_id = 'us-2'`).Scan(&rows); err != nil || rows != maxOutstandingLogins {
		t.Fatalf("%d login challenge rows stored (%v), want %d", rows, err, maxOutstandingLogins)
	}
	if err := db.CreateChallenge(ctx, newChallenge("us-2", "", auth.PurposeAction, exp)); err != nil {
		t.Fatal(err)
	}

	// And all of them together are capped in bytes.
	n, bytes := db.live.count()
	if n != maxOutstandingLogins+2 || bytes <= 0 {
		t.Fatalf("counted %d challenges, %d bytes", n, bytes)
	}
	db.live.maxBytes = bytes + challengeSize(newChallenge("us-3", "", auth.PurposeAction, exp))
	if err := db.CreateChallenge(ctx, newChallenge("us-3", "", auth.PurposeAction, exp)); err != nil {
		t.Fatal(err)
	}
	wantTooMany(t, db.CreateChallenge(ctx, newChallenge("us-4", "", auth.PurposeAction, exp)))
}

// Challenges issued already expired never pile up in the count.
func TestOutstandingForgetsExpired(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	for i := range 3 * maxOutstandingPerIdentity {
		if err := db.CreateChallenge(ctx, newChallenge("us-1", "", auth.PurposeAction, time.Now().Add(-time.Second))); err != nil {
			t.Fatalf("challenge %d: %v", i, err)
		}
	}
	if n, _ := db.live.count(); n > 1 {
		t.Fatalf("%d expired challenges still counted", n)
	}
}

// PruneProtocol deletes challenges and unconsumed user actions as soon as
// they expire (the prune loop runs it every 30 s) and empties the caches of
// expired entries; consumed actions (the audit log) stay.
func TestPruneProtocolAtExpiry(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	now := time.Now()
	expired := newChallenge("us-1", "", auth.PurposeAction, now.Add(-time.Second))
	live := newChallenge("us-1", "", auth.PurposeAction, now.Add(time.Hour))
	for _, c := range []*auth.Challenge{expired, live} {
		if err := db.CreateChallenge(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	action := func(exp time.Time) *auth.UserAction {
		return &auth.UserAction{ID: id.New("ua"), TokenHash: "t", OrgID: "or-1", UserID: "us-1", CredUUID: "cr-1",
			Method: "POST", Path: "/wallets", PayloadHash: "p", ExpiresAt: exp, Created: now}
	}
	unused, used, fresh := action(now.Add(-time.Second)), action(now.Add(-time.Second)), action(now.Add(time.Hour))
	for _, a := range []*auth.UserAction{unused, used, fresh} {
		if err := db.CreateActionFor(ctx, "ch-"+a.ID[3:], a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.r.ExecContext(ctx, db.q(`UPDATE user_actions SET consumed_at = ? WHERE id = ?`), ms(now), used.ID); err != nil {
		t.Fatal(err)
	}
	// (A second ahead: ids made in the current millisecond sort after its floor.)
	n, err := db.PruneProtocol(ctx, time.Now().Add(time.Second), now.Add(-time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("pruned %d rows: %v", n, err)
	}
	rows := func(table, id string) int {
		var k int
		if err := db.r.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM `+table+` WHERE id = ?`), id).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	if rows("challenges", expired.ID) != 0 || rows("challenges", live.ID) != 1 ||
		rows("user_actions", unused.ID) != 0 || rows("user_actions", used.ID) != 1 || rows("user_actions", fresh.ID) != 1 {
		t.Fatal("prune removed the wrong rows")
	}
	if _, ok := db.challenges.m[expired.ID]; ok {
		t.Fatal("expired challenge still cached")
	}
	if _, ok := db.actions.m[unused.ID]; ok {
		t.Fatal("expired user action still cached")
	}
	if _, ok := db.challenges.m[live.ID]; !ok {
		t.Fatal("live challenge dropped from the cache")
	}
}
