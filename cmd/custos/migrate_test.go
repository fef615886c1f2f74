package main

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/app"
)

// sessionGen reports whether users has the column migration 0005 adds.
func sessionGen(t *testing.T, path string) bool {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info('users') WHERE name = 'session_gen'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// custos migrate --dry-run lists what a database made before 0005 lacks
// and changes nothing; custos migrate applies it and exits; a server then
// starts on the database. Migrate refuses while a server runs, and a
// PostgreSQL URL is answered with when it comes.
func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := run(ctx, []string{"init", "--data", dir}, &syncBuf{}, &syncBuf{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "custos.db")
	// Take the database back to before 0005.
	old, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE users DROP COLUMN session_gen`, `DELETE FROM schema_migrations WHERE version = 5`} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	out := &syncBuf{}
	if err := run(ctx, []string{"migrate", "--data", dir, "--dry-run"}, out, &syncBuf{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0005_session_generation.sql") || !strings.Contains(out.String(), "dry run") {
		t.Fatalf("dry run output: %q", out.String())
	}
	if sessionGen(t, path) {
		t.Fatal("the dry run applied the migration")
	}

	out.b.Reset()
	if err := run(ctx, []string{"migrate", "--db", path}, out, &syncBuf{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "applied 1 migrations") || !sessionGen(t, path) {
		t.Fatalf("migrate output: %q", out.String())
	}
	out.b.Reset()
	if err := run(ctx, []string{"migrate", "--data", dir}, out, &syncBuf{}); err != nil || !strings.Contains(out.String(), "nothing to migrate") {
		t.Fatalf("second migrate: %v %q", err, out.String())
	}

	_, _, stop := startServe(t, "--data", dir)
	defer stop()
	if err := run(ctx, []string{"migrate", "--data", dir}, &syncBuf{}, &syncBuf{}); !errors.Is(err, app.ErrDataDirInUse) {
		t.Fatalf("migrate while a server runs: %v", err)
	}
	if err := run(ctx, []string{"migrate", "--data", t.TempDir()}, &syncBuf{}, &syncBuf{}); err == nil {
		t.Fatal("migrate of a directory without a database")
	}
}
