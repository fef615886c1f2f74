package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/custos-dev/custos/internal/sqlstore"
)

// MigrateResult is what Migrate found and did.
type MigrateResult struct {
	// Status lists every migration this binary knows, as the database
	// had them before Migrate ran.
	Status []sqlstore.Migration
	// Pending are the migrations that were missing: applied unless the
	// run was a dry run.
	Pending []sqlstore.Migration
	Applied bool
}

// Migrate applies the pending migrations to the SQLite database at dbPath
// and returns; with dryRun it only lists them. It holds the lock of the
// database's directory meanwhile, so it refuses while a server runs there
// (ErrDataDirInUse: a server applies migrations itself when it starts).
func Migrate(ctx context.Context, dbPath string, dryRun bool) (*MigrateResult, error) {
	if _, err := os.Stat(dbPath); err != nil {
		return nil, fmt.Errorf("no Custos database at %s (custos init creates one): %w", dbPath, err)
	}
	lock, err := lockDataDir(filepath.Dir(dbPath))
	if err != nil {
		return nil, fmt.Errorf("migrate refused (a running server migrates at start; stop it to migrate here): %w", err)
	}
	defer lock.Close()
	status, err := sqlstore.MigrationStatus(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	res := &MigrateResult{Status: status, Pending: sqlstore.Pending(status)}
	if dryRun || len(res.Pending) == 0 {
		return res, nil
	}
	applied, err := sqlstore.MigrateSQLite(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	res.Pending, res.Applied = applied, true
	return res, nil
}

// MigratePostgres applies the pending migrations to the PostgreSQL
// database at url and returns; with dryRun it only lists them. Servers may
// keep running: migrators take the same advisory lock, so one applies a
// migration and the others wait.
func MigratePostgres(ctx context.Context, url string, dryRun bool) (*MigrateResult, error) {
	status, err := sqlstore.MigrationStatusPostgres(ctx, url)
	if err != nil {
		return nil, err
	}
	res := &MigrateResult{Status: status, Pending: sqlstore.Pending(status)}
	if dryRun || len(res.Pending) == 0 {
		return res, nil
	}
	applied, err := sqlstore.MigratePostgres(ctx, url)
	if err != nil {
		return nil, err
	}
	res.Pending, res.Applied = applied, true
	return res, nil
}
