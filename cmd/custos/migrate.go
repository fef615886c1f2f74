package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/sqlstore"
)

// migrateCmd serves `custos migrate [--data DIR | --db PATH] [--dry-run]`.
func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, dir, err := opsFlags("migrate", stderr)
	if err != nil {
		return err
	}
	dbFlag := fs.String("db", app.Getenv("CUSTOS_DB"), "PostgreSQL URL postgres://… or SQLite database file; default DIR/custos.db (CUSTOS_DB)")
	dryRun := fs.Bool("dry-run", false, "list the pending migrations without applying them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errors.New("usage: custos migrate [--data DIR | --db URL | --db FILE] [--dry-run]")
	}
	path := filepath.Join(*dir, "custos.db")
	var res *app.MigrateResult
	switch {
	case app.IsPostgresURL(*dbFlag):
		path = "the PostgreSQL database"
		res, err = app.MigratePostgres(ctx, *dbFlag, *dryRun)
	default:
		if *dbFlag != "" {
			if path, err = sqlitePath(*dbFlag); err != nil {
				return err
			}
		}
		res, err = app.Migrate(ctx, path, *dryRun)
	}
	if err != nil {
		return err
	}
	applied := len(res.Status) - len(sqlstore.Pending(res.Status))
	fmt.Fprintf(stdout, "custos: %s has %d of the %d migrations this custos knows\n", path, applied, len(res.Status))
	switch {
	case len(res.Pending) == 0:
		fmt.Fprintln(stdout, "custos: nothing to migrate")
	case *dryRun:
		fmt.Fprintf(stdout, "custos: %d pending (dry run, nothing applied):\n", len(res.Pending))
		for _, m := range res.Pending {
			fmt.Fprintf(stdout, "  %s\n", m.Name)
		}
	default:
		fmt.Fprintf(stdout, "custos: applied %d migrations:\n", len(res.Pending))
		for _, m := range res.Pending {
			fmt.Fprintf(stdout, "  %s\n", m.Name)
		}
	}
	return nil
}

// errPostgresBackup answers custos backup and restore given a PostgreSQL
// database: its backups are PostgreSQL's own.
var errPostgresBackup = errors.New("backup and restore are for SQLite, and CUSTOS_DB names a PostgreSQL database: " +
	"back it up with pg_dump and put it back with pg_restore (README, PostgreSQL)")

// sqlitePath returns the SQLite file named by --db: a path, or a file: URI
// without parameters.
func sqlitePath(v string) (string, error) {
	switch {
	case strings.Contains(v, "://"), strings.Contains(v, "?"):
		return "", fmt.Errorf("--db %q: give the path of an SQLite database file", v)
	}
	return strings.TrimPrefix(v, "file:"), nil
}
