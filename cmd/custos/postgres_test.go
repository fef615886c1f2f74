package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/pgtest"
	"github.com/custos-dev/custos/internal/sqlstore"
)

// custos migrate --db postgres://… lists the pending PostgreSQL
// migrations with --dry-run, applies them, then finds nothing to do.
func TestMigratePostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	out := &syncBuf{}
	if err := run(ctx, []string{"migrate", "--db", url, "--dry-run"}, out, &syncBuf{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0001_foundation.sql") || !strings.Contains(out.String(), "dry run") {
		t.Fatalf("dry run output: %q", out.String())
	}
	out.b.Reset()
	known, err := sqlstore.KnownMigrationsFor("postgres")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("applied %d migrations", len(known))
	if err := run(ctx, []string{"migrate", "--db", url}, out, &syncBuf{}); err != nil || !strings.Contains(out.String(), want) {
		t.Fatalf("migrate: %v %q", err, out.String())
	}
	out.b.Reset()
	if err := run(ctx, []string{"migrate", "--db", url}, out, &syncBuf{}); err != nil || !strings.Contains(out.String(), "nothing to migrate") {
		t.Fatalf("second migrate: %v %q", err, out.String())
	}
}

// custos backup and restore refuse a PostgreSQL database and point to
// pg_dump; serve refuses a --db that is not a PostgreSQL URL.
func TestPostgresBackupRefused(t *testing.T) {
	t.Setenv("CUSTOS_DB", "postgres://u@127.0.0.1:1/custos")
	ctx := context.Background()
	for _, cmd := range [][]string{{"backup", "--out", t.TempDir() + "/b.db"}, {"restore", "--in", "x.db"}} {
		err := run(ctx, append(cmd, "--data", t.TempDir()), &syncBuf{}, &syncBuf{})
		if !errors.Is(err, errPostgresBackup) || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("%s on PostgreSQL: %v", cmd[0], err)
		}
	}
	err := run(ctx, []string{"serve", "--data", t.TempDir(), "--db", "/tmp/x.db", "--addr", "127.0.0.1:0"}, &syncBuf{}, &syncBuf{})
	if err == nil || !strings.Contains(err.Error(), "postgres:// URL") {
		t.Fatalf("serve --db FILE: %v", err)
	}
}
