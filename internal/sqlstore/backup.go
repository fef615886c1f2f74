package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// Backups are made with VACUUM INTO: SQLite writes a compact copy of the
// database as one consistent snapshot (a read transaction), including what
// is still only in the write-ahead log. On a running server it runs on the
// writer connection between two group commits, so the copy holds every
// write acknowledged before it started and none of a half-done commit;
// writes wait while it runs (see README, "Backups and upgrades").

// ErrCorrupt means a database failed SQLite's integrity or foreign-key
// check.
var ErrCorrupt = errors.New("database fails its integrity check")

// Backup writes a consistent copy of the open SQLite database to path,
// which must not exist or must be an empty file (create it first with the
// mode the copy should have: SQLite keeps an existing file's mode).
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect != "sqlite" {
		return fmt.Errorf("online backup is for SQLite; this database is %s: back it up with pg_dump", db.dialect)
	}
	// VACUUM INTO cannot run inside a transaction, so it runs on the
	// pool's one connection between the writer's transactions; it reads
	// but never changes the database, so cached statements stay valid.
	if _, err := db.w.DB.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}

// BackupFile copies the SQLite database at src, which no server has open
// (the caller holds the data directory's lock), to dst like Backup.
func BackupFile(ctx context.Context, src, dst string) error {
	db, err := openFile(src)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("back up %s to %s: %w", src, dst, err)
	}
	return nil
}

// CheckDatabase verifies that the SQLite file at path is a Custos database
// in good order: SQLite's integrity_check answers ok, foreign_key_check
// finds nothing, and it has a schema_migrations table with no migration
// this binary does not know. It returns the database's migrations. Errors
// are ErrNotCustos, ErrCorrupt (wrapped with what SQLite found) or a
// *NewerSchemaError. Run it on a file no server has open.
func CheckDatabase(ctx context.Context, path string) ([]Migration, error) {
	db, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ms, err := migrationStatus(ctx, db, path)
	if err != nil {
		return nil, corruption(path, err)
	}
	if len(Pending(ms)) == len(ms) {
		return nil, fmt.Errorf("%s: %w (no migration applied)", path, ErrNotCustos)
	}
	var problems []string
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		return nil, corruption(path, fmt.Errorf("integrity check of %s: %w", path, err))
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, corruption(path, fmt.Errorf("integrity check of %s: %w", path, err))
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, corruption(path, fmt.Errorf("integrity check of %s: %w", path, err))
	}
	fk, err := db.QueryContext(ctx, `SELECT "table", rowid, parent FROM pragma_foreign_key_check LIMIT 20`)
	if err != nil {
		return nil, corruption(path, fmt.Errorf("foreign key check of %s: %w", path, err))
	}
	for fk.Next() {
		var table, parent string
		var rowid any
		if err := fk.Scan(&table, &rowid, &parent); err != nil {
			fk.Close()
			return nil, fmt.Errorf("foreign key check of %s: %w", path, err)
		}
		problems = append(problems, fmt.Sprintf("row %v of %s refers to a missing %s row", rowid, table, parent))
	}
	fk.Close()
	if err := fk.Err(); err != nil {
		return nil, fmt.Errorf("foreign key check of %s: %w", path, err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %w: %s", path, ErrCorrupt, strings.Join(problems, "; "))
	}
	return ms, nil
}

// SQLite's primary result codes for a damaged file.
const (
	sqliteCorrupt = 11 // SQLITE_CORRUPT
	sqliteNotADB  = 26 // SQLITE_NOTADB
)

// corruption marks err with ErrCorrupt when SQLite gave up on the file as
// damaged; other errors pass through.
func corruption(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		if c := se.Code() & 0xff; c == sqliteCorrupt || c == sqliteNotADB {
			return fmt.Errorf("%s: %w: %w", path, ErrCorrupt, err)
		}
	}
	return err
}
