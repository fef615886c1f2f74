package sqlstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/custos-dev/custos/internal/pgtest"
)

// openTestDB opens an empty, migrated database for t: SQLite in a temp
// dir, or, with CUSTOS_TEST_DIALECT=postgres, a fresh PostgreSQL database
// on the CUSTOS_TEST_POSTGRES server (dropped when t ends).
func openTestDB(t *testing.T) *DB {
	t.Helper()
	var db *DB
	var err error
	if pgtest.Selected(t) {
		db, err = OpenPostgres(context.Background(), pgtest.NewDatabase(t))
	} else {
		db, err = OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sqliteOnly skips t when the suite runs on PostgreSQL: it asserts facts
// of the SQLite file or of its group-commit writer.
func sqliteOnly(t *testing.T, what string) {
	t.Helper()
	if pgtest.Selected(t) {
		t.Skip("SQLite only: " + what)
	}
}
