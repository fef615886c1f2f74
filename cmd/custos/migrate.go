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
	dbFlag := fs.String("db", app.Getenv("CUSTOS_DB"), "SQLite database file; default DIR/custos.db (CUSTOS_DB)")
	dryRun := fs.Bool("dry-run", false, "list the pending migrations without applying them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errors.New("usage: custos migrate [--data DIR | --db FILE] [--dry-run]")
	}
	path := filepath.Join(*dir, "custos.db")
	if *dbFlag != "" {
		path, err = sqlitePath(*dbFlag)
		if err != nil {
			return err
		}
	}
	res, err := app.Migrate(ctx, path, *dryRun)
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

// errPostgresLater answers a PostgreSQL URL given to --db.
var errPostgresLater = errors.New("PostgreSQL comes with the --db flag in a later version of custos; this version runs on SQLite only (--data DIR or --db FILE)")

// sqlitePath returns the SQLite file named by --db: a path, or a file: URI
// without parameters.
func sqlitePath(v string) (string, error) {
	lower := strings.ToLower(v)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return "", errPostgresLater
	case strings.Contains(v, "://"), strings.Contains(v, "?"):
		return "", fmt.Errorf("--db %q: give the path of an SQLite database file", v)
	}
	return strings.TrimPrefix(v, "file:"), nil
}
