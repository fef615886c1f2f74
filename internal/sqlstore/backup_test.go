package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/identity"
)

// A database at 0002 reports 0001-0002 applied and the rest pending;
// MigrateSQLite applies exactly the pending ones, and a second run finds
// nothing to do.
func TestMigrationStatusAndMigrate(t *testing.T) {
	sqliteOnly(t, "the SQLite file, its migrations and backups")
	ctx := context.Background()
	path, old := oldDB(t, "0001_foundation.sql", "0002_keys_wallets.sql")
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, 1000), (2, 2000)`,
		`INSERT INTO orgs VALUES ('or-1', 'o', 0)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()
	known, err := KnownMigrations()
	if err != nil || len(known) < 3 {
		t.Fatalf("known migrations: %v %v", known, err)
	}
	status, err := MigrationStatus(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	pending := Pending(status)
	if len(status) != len(known) || len(pending) != len(known)-2 || pending[0].Version != 3 ||
		!status[0].Applied() || status[1].AppliedAt != time.UnixMilli(2000).UTC() {
		t.Fatalf("status %+v", status)
	}
	// Listing changed nothing.
	if again, err := MigrationStatus(ctx, path); err != nil || len(Pending(again)) != len(pending) {
		t.Fatalf("status after listing: %+v %v", again, err)
	}
	applied, err := MigrateSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(pending) || applied[0].Name != pending[0].Name {
		t.Fatalf("applied %+v, pending were %+v", applied, pending)
	}
	after, err := MigrationStatus(ctx, path)
	if err != nil || len(Pending(after)) != 0 {
		t.Fatalf("after migrate: %+v %v", after, err)
	}
	if again, err := MigrateSQLite(ctx, path); err != nil || len(again) != 0 {
		t.Fatalf("second migrate: %+v %v", again, err)
	}
	db, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if orgs, err := db.Orgs(ctx); err != nil || len(orgs) != 1 {
		t.Fatalf("orgs after migrate: %v %v", orgs, err)
	}
}

func TestMigrationStatusRefusesStrangers(t *testing.T) {
	sqliteOnly(t, "the SQLite file, its migrations and backups")
	ctx := context.Background()
	dir := t.TempDir()

	newer := filepath.Join(dir, "newer.db")
	db, err := OpenSQLite(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	exec(t, newer, `INSERT INTO schema_migrations VALUES (9999, 1)`)
	var ne *NewerSchemaError
	if _, err := MigrationStatus(ctx, newer); !errors.As(err, &ne) || ne.Version != 9999 {
		t.Fatalf("newer schema: %v", err)
	}
	if _, err := MigrateSQLite(ctx, newer); !errors.As(err, &ne) {
		t.Fatalf("migrate of a newer schema: %v", err)
	}

	other := filepath.Join(dir, "other.db")
	exec(t, other, `CREATE TABLE notes (x)`)
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("this is no database, just some text that is long enough"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{other, junk} {
		if _, err := MigrationStatus(ctx, p); !errors.Is(err, ErrNotCustos) {
			t.Fatalf("%s: %v", p, err)
		}
		if _, err := CheckDatabase(ctx, p); !errors.Is(err, ErrNotCustos) {
			t.Fatalf("check %s: %v", p, err)
		}
	}
	if _, err := MigrationStatus(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("status of a missing file")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Fatal("status created the missing file")
	}
}

// A backup taken on the open database holds what is still only in the
// write-ahead log (a copy of the database file would not), and passes the
// checks a restore makes.
func TestBackupOfOpenDatabase(t *testing.T) {
	sqliteOnly(t, "the SQLite file, its migrations and backups")
	ctx := context.Background()
	dir := t.TempDir()
	db, err := OpenSQLite(ctx, filepath.Join(dir, "custos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "backup.db")
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := db.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode: %v %v", st, err)
	}
	ms, err := CheckDatabase(ctx, out)
	if err != nil || len(Pending(ms)) != 0 {
		t.Fatalf("check backup: %+v %v", ms, err)
	}
	copied, err := OpenSQLite(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	if orgs, err := copied.Orgs(ctx); err != nil || len(orgs) != 1 || orgs[0].ID != "or-1" {
		t.Fatalf("orgs in the backup: %v %v", orgs, err)
	}
	// The server's writes go on after a backup.
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-2", Name: "p", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func TestCheckDatabaseFindsDamage(t *testing.T) {
	sqliteOnly(t, "the SQLite file, its migrations and backups")
	ctx := context.Background()
	dir := t.TempDir()

	orphan := filepath.Join(dir, "orphan.db")
	db, err := OpenSQLite(ctx, orphan)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	exec(t, orphan, `INSERT INTO users (id, org_id, username, name, kind, is_active, is_registered, created_at)
		VALUES ('us-1', 'or-missing', 'u', 'u', 'EndUser', 1, 1, 0)`)
	if _, err := CheckDatabase(ctx, orphan); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("foreign key violation: %v", err)
	}

	broken := filepath.Join(dir, "broken.db")
	db, err = OpenSQLite(ctx, broken)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := db.CreateOrg(ctx, &identity.Org{ID: "or-" + itoa(int64(i)), Name: "some organisation name", Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	raw, err := os.ReadFile(broken)
	if err != nil || len(raw) < 8*4096 {
		t.Fatalf("database of %d bytes: %v", len(raw), err)
	}
	for i := 4096 + 100; i < len(raw)-4096; i += 4096 {
		copy(raw[i:], "garbage garbage garbage garbage garbage")
	}
	if err := os.WriteFile(broken, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckDatabase(ctx, broken); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged pages: %v", err)
	}
}

// exec runs q on the SQLite file at path outside the store (no foreign keys).
func exec(t *testing.T, path, q string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
