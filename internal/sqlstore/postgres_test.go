package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/pgtest"
)

// Servers starting together on one empty PostgreSQL database all open
// it: one migrates under the advisory lock, the others wait and then find
// every migration applied, each recorded once.
func TestPostgresMigratorsWait(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := OpenPostgres(context.Background(), url)
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
	}
	status, err := MigrationStatusPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	if p := Pending(status); len(p) != 0 || len(status) < 5 {
		t.Fatalf("%d migrations known, %d pending after the start", len(status), len(p))
	}
}

// The migration status of a PostgreSQL database: all pending when empty,
// none after MigratePostgres; a newer schema and a foreign database are
// refused.
func TestMigrationStatusPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	status, err := MigrationStatusPostgres(ctx, url)
	if err != nil || len(Pending(status)) != len(status) || len(status) == 0 {
		t.Fatalf("empty database: %v, %d of %d pending", err, len(Pending(status)), len(status))
	}
	applied, err := MigratePostgres(ctx, url)
	if err != nil || len(applied) != len(status) {
		t.Fatalf("migrate: %v, applied %d", err, len(applied))
	}
	if again, err := MigratePostgres(ctx, url); err != nil || len(again) != 0 {
		t.Fatalf("second migrate: %v, applied %d", err, len(again))
	}
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 1)`); err != nil {
		t.Fatal(err)
	}
	var ne *NewerSchemaError
	if _, err := MigrationStatusPostgres(ctx, url); !errors.As(err, &ne) || ne.Version != 9999 {
		t.Fatalf("newer schema: %v", err)
	}
	other := pgtest.NewDatabase(t)
	rawOther, err := sql.Open("pgx", other)
	if err != nil {
		t.Fatal(err)
	}
	defer rawOther.Close()
	if _, err := rawOther.ExecContext(ctx, `CREATE TABLE stranger (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := MigrationStatusPostgres(ctx, other); !errors.Is(err, ErrNotCustos) {
		t.Fatalf("foreign database: %v", err)
	}
}

func apiStatus(err error) int {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// Text PostgreSQL cannot hold (NUL, invalid UTF-8), e.g. from a path
// parameter, finds nothing on both dialects instead of failing, and is
// refused as bad input where PostgreSQL would have to store it.
func TestUnstorableTextFindsNothing(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	for _, bad := range []string{"\xff", "us-\x00"} {
		if _, err := db.User(ctx, "or-1", bad); apiStatus(err) != http.StatusNotFound {
			t.Fatalf("user %q: %v", bad, err)
		}
		if _, _, err := db.Users(ctx, "or-1", "", false, identity.Page{Token: bad}); err != nil {
			t.Fatalf("users after %q: %v", bad, err)
		}
		if _, err := db.TakeChallenge(ctx, bad, "h", "login", time.Now()); apiStatus(err) != http.StatusBadRequest {
			t.Fatalf("take challenge %q: %v", bad, err)
		}
		if err := db.Tx(ctx, func(ctx context.Context) error {
			_, err := db.User(ctx, "or-1", bad)
			return err
		}); apiStatus(err) != http.StatusNotFound {
			t.Fatalf("user %q in a unit: %v", bad, err)
		}
	}
	err := db.CreateUser(ctx, user("us-nul", "a\x00b"))
	if pgtest.Selected(t) && apiStatus(err) != http.StatusBadRequest {
		t.Fatalf("a NUL in a username on PostgreSQL: %v", err)
	}
}

// Constraint violations are told apart by the drivers' codes.
func TestConstraintCodes(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	if err := db.CreateUser(ctx, user("us-1", "one")); err != nil {
		t.Fatal(err)
	}
	err := db.CreateUser(ctx, user("us-2", "one"))
	if apiStatus(err) != http.StatusConflict {
		t.Fatalf("duplicate username: %v", err)
	}
	_, err = db.exec(ctx, `INSERT INTO users (id, org_id, username, name, kind, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		"us-1", "or-1", "other", "o", "CustomerEmployee", 1)
	if !isUnique(err) || isForeignKey(err) {
		t.Fatalf("duplicate id: unique %v, foreign key %v: %v", isUnique(err), isForeignKey(err), err)
	}
	err = db.CreateCredential(ctx, &credential.Credential{UUID: "cr-1", OrgID: "or-1", UserID: "us-missing", CredID: "c",
		Kind: credential.KindKey, Name: "k", PublicKey: "p", IsActive: true, DateCreated: time.Now()}, "")
	if !isForeignKey(err) || isUnique(err) {
		t.Fatalf("credential of a missing user: unique %v, foreign key %v: %v", isUnique(err), isForeignKey(err), err)
	}
	if isUnique(errors.New("UNIQUE constraint failed: users.id")) {
		t.Fatal("a message that reads like a violation is not one")
	}
}

// A unit that handles the failure of one of its writes and goes on
// commits the rest (PostgreSQL ends a transaction at a failed statement
// unless the write had its savepoint).
func TestUnitGoesOnAfterAHandledFailure(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	if err := db.CreateUser(ctx, user("us-taken", "taken")); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(ctx context.Context) error {
		if err := db.CreateUser(ctx, user("us-dup", "taken")); apiStatus(err) != http.StatusConflict {
			return fmt.Errorf("duplicate: %w", err)
		}
		return db.CreateUser(ctx, user("us-next", "next"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hasUser(t, db, "us-next") || hasUser(t, db, "us-dup") {
		t.Fatal("want the write after the handled failure only")
	}
}

// Ids page in byte order on both dialects: on PostgreSQL the text columns
// are COLLATE "C", whatever the database's collation (pgtest makes an ICU
// en-US one, under which "us-a" sorts before "us-B").
func TestIDsPageInByteOrder(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	for _, id := range []string{"us-a", "us-B"} {
		if err := db.CreateUser(ctx, user(id, id)); err != nil {
			t.Fatal(err)
		}
	}
	us, _, err := db.Users(ctx, "or-1", "", false, identity.Page{})
	if err != nil || len(us) != 2 || us[0].ID != "us-B" || us[1].ID != "us-a" {
		t.Fatalf("users: %v %v", us, err)
	}
}

// A second signature request with a used externalId is
// ErrDuplicateExternalID; inside a unit it fails the unit with that error
// (on PostgreSQL only when the unit ends: its writes are sent together,
// pipeline.go), and none of the unit's writes is kept.
func TestDuplicateExternalIDInUnit(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	k := &keys.Key{ID: "key-1", OrgID: "or-1", Scheme: "ECDSA", Curve: "secp256k1", Status: "Active", Custodial: true,
		Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	if err := db.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	sig := func(id, ext string) *keys.SignatureRequest {
		return &keys.SignatureRequest{ID: id, OrgID: "or-1", KeyID: "key-1", Body: []byte(`{}`), Status: "Signed",
			ExternalID: ext, Requested: time.Now()}
	}
	if err := db.CreateSignatureRequest(ctx, sig("sig-1", "ext")); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSignatureRequest(ctx, sig("sig-2", "ext")); !errors.Is(err, keys.ErrDuplicateExternalID) {
		t.Fatalf("duplicate externalId: %v", err)
	}
	err := db.Tx(ctx, func(ctx context.Context) error {
		if err := db.CreateSignatureRequest(ctx, sig("sig-3", "")); err != nil {
			return err
		}
		err := db.CreateSignatureRequest(ctx, sig("sig-4", "ext"))
		if err != nil && !errors.Is(err, keys.ErrDuplicateExternalID) {
			return fmt.Errorf("duplicate externalId: %w", err)
		}
		return err
	})
	if !errors.Is(err, keys.ErrDuplicateExternalID) {
		t.Fatalf("unit with a duplicate externalId: %v", err)
	}
	for _, id := range []string{"sig-3", "sig-4"} {
		if _, err := db.SignatureRequest(ctx, "or-1", id); err == nil {
			t.Errorf("%s was kept from a failed unit", id)
		}
	}
}

// WithoutLocalCaches turns every process-local cache off (replicas will
// need it); by default they are on, as for the single server.
func TestWithoutLocalCaches(t *testing.T) {
	url := pgtest.NewDatabase(t)
	for _, tc := range []struct {
		opts []Option
		want bool
	}{{nil, true}, {[]Option{WithoutLocalCaches()}, false}} {
		db, err := OpenPostgres(context.Background(), url, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		on := []bool{db.cache.enabled, db.challenges.enabled, db.actions.enabled}
		db.Close()
		for i, v := range on {
			if v != tc.want {
				t.Fatalf("options %d: cache %d enabled %v, want %v", len(tc.opts), i, v, tc.want)
			}
		}
	}
}
