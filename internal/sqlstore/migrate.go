package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Migration is one embedded schema migration and, for a given database,
// when it was applied.
type Migration struct {
	Version int
	// Name is the migration's file name, e.g. 0003_protocol_state.sql.
	Name string
	// AppliedAt is when the database got it; zero while it is pending.
	AppliedAt time.Time
}

// Applied reports whether the database has the migration.
func (m Migration) Applied() bool { return !m.AppliedAt.IsZero() }

// ErrNotCustos means a file is not a Custos database: not SQLite at all, or
// SQLite without the schema_migrations table Custos keeps.
var ErrNotCustos = errors.New("not a Custos database")

// NewerSchemaError means a database has migrations this binary does not
// know: it was made or upgraded by a newer Custos.
type NewerSchemaError struct {
	Version int // the newest version the database has
	Latest  int // the newest version this binary knows
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("the database is at schema version %d, newer than this custos knows (%d): use a newer custos", e.Version, e.Latest)
}

// KnownMigrations returns the SQLite migrations this binary embeds, in order.
func KnownMigrations() ([]Migration, error) { return KnownMigrationsFor("sqlite") }

// sqliteMagic opens every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// openFile opens the existing SQLite file at path on one connection in
// exclusive locking mode, as the server does (so a WAL left by a crash is
// recovered without a shared-memory file). It never creates the file; a
// file that is not SQLite gives ErrNotCustos. An empty file is allowed (a
// data directory whose database was created but never migrated).
func openFile(path string) (*sql.DB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	f.Close()
	if n > 0 && (err != nil || !bytes.Equal(head, sqliteMagic)) {
		return nil, fmt.Errorf("%s: %w (not an SQLite file)", path, ErrNotCustos)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+
		"?mode=rw&_pragma=locking_mode(EXCLUSIVE)&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// MigrationStatus returns every migration this binary knows with the time
// the SQLite database at path got it (zero while pending). It changes
// nothing, and the caller must keep any server off the file (the data
// directory's lock). A database with migrations this binary does not know
// gives a *NewerSchemaError; an SQLite file with tables but no
// schema_migrations gives ErrNotCustos.
func MigrationStatus(ctx context.Context, path string) ([]Migration, error) {
	db, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return migrationStatus(ctx, db, path)
}

func migrationStatus(ctx context.Context, db *sql.DB, path string) ([]Migration, error) {
	known, err := KnownMigrations()
	if err != nil {
		return nil, err
	}
	var tables, hasMigrations int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(name = 'schema_migrations'), 0)
		FROM sqlite_schema WHERE type = 'table'`).Scan(&tables, &hasMigrations); err != nil {
		return nil, fmt.Errorf("read schema of %s: %w", path, err)
	}
	if hasMigrations == 0 {
		if tables > 0 {
			return nil, fmt.Errorf("%s: %w (no schema_migrations table)", path, ErrNotCustos)
		}
		return known, nil // an empty database: everything is pending
	}
	rows, err := db.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations of %s: %w", path, err)
	}
	defer rows.Close()
	at := map[int]int64{}
	newest := 0
	for rows.Next() {
		var v int
		var ms int64
		if err := rows.Scan(&v, &ms); err != nil {
			return nil, fmt.Errorf("read schema_migrations of %s: %w", path, err)
		}
		// Some migration tests record a time of 0; an applied
		// migration still needs a non-zero time here.
		at[v] = max(ms, 1)
		newest = max(newest, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations of %s: %w", path, err)
	}
	return markApplied(known, at, newest)
}

// markApplied sets AppliedAt on the known migrations that at (version to
// unix milliseconds) lists, and refuses a schema newer than this binary
// knows (newest is the highest version applied).
func markApplied(known []Migration, at map[int]int64, newest int) ([]Migration, error) {
	latest := 0
	for i, m := range known {
		if ms, ok := at[m.Version]; ok {
			known[i].AppliedAt = time.UnixMilli(ms).UTC()
		}
		latest = m.Version
	}
	if newest > latest {
		return nil, &NewerSchemaError{Version: newest, Latest: latest}
	}
	return known, nil
}

// Pending returns the migrations of ms that are not applied.
func Pending(ms []Migration) []Migration {
	var out []Migration
	for _, m := range ms {
		if !m.Applied() {
			out = append(out, m)
		}
	}
	return out
}

// MigrateSQLite applies the pending migrations to the SQLite database at
// path, exactly as a server start does, and returns the ones it applied. The
// caller keeps any server off the file (the data directory's lock).
func MigrateSQLite(ctx context.Context, path string) ([]Migration, error) {
	return migrateBy(ctx, path,
		func(ctx context.Context) ([]Migration, error) { return MigrationStatus(ctx, path) },
		func(ctx context.Context) (*DB, error) { return OpenSQLite(ctx, path) })
}

// migrateBy applies what status reports pending by opening the database
// (which migrates it, as a server start does) and checks that nothing is
// left pending.
func migrateBy(ctx context.Context, where string, status func(context.Context) ([]Migration, error),
	open func(context.Context) (*DB, error)) ([]Migration, error) {
	before, err := status(ctx)
	if err != nil {
		return nil, err
	}
	pending := Pending(before)
	if len(pending) == 0 {
		return nil, nil
	}
	db, err := open(ctx)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("close %s: %w", where, err)
	}
	after, err := status(ctx)
	if err != nil {
		return nil, err
	}
	if left := Pending(after); len(left) > 0 {
		return nil, fmt.Errorf("migration %s is still pending after migrating", left[0].Name)
	}
	return pending, nil
}
