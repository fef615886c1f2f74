package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/identity"
)

func benchDB(b *testing.B) (*DB, *identity.User, *identity.Token) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Now()
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: now}); err != nil {
		b.Fatal(err)
	}
	u := &identity.User{ID: "us-1", OrgID: "or-1", Username: "u", Name: "u", Kind: identity.KindEmployee, IsActive: true, Created: now}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	t := &identity.Token{ID: "to-1", OrgID: "or-1", Kind: "ServiceAccount", UserID: "us-1", Name: "t", Hash: "h", IsActive: true, ExpiresAt: now.Add(time.Hour), Created: now}
	if err := db.CreateToken(ctx, t); err != nil {
		b.Fatal(err)
	}
	return db, u, t
}

// BenchmarkTokenSession measures the one read that authenticates a
// long-lived token.
func BenchmarkTokenSession(b *testing.B) {
	db, _, _ := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := db.TokenSession(ctx, "or-1", "us-1", "to-1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateChallenge measures one single-row commit.
func BenchmarkCreateChallenge(b *testing.B) {
	db, _, _ := benchDB(b)
	db.live.perIdentity, db.live.maxBytes = 1<<30, 1<<60 // the caps are not what is measured
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		c := &auth.Challenge{ID: string(rune(i)) + time.Now().String(), OrgID: "or-1", Purpose: "action", UserID: "us-1",
			Challenge: "c", PayloadHash: "ab", CanonicalHash: "ab", Allowed: []string{"cr-1"}, ExpiresAt: time.Now().Add(time.Minute), Created: time.Now()}
		if err := db.CreateChallenge(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
