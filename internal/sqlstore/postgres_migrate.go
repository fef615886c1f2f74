package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/stdlib"
)

// Migrations are numbered per dialect (migrations/<dialect>/NNNN_name.sql)
// and a version means the same schema on both: a change is added to both
// directories under the same number. See migrations/README.md.

// migrateLockKey is the PostgreSQL advisory lock that serialises migrators.
const migrateLockKey int64 = 0x637573746f730001 // "custos" 0001

// migratePostgres applies the pending PostgreSQL migrations in one
// transaction that first takes migrateLockKey: of several processes
// starting together, one migrates and the others wait for it, then find
// nothing left to do. The lock is a transaction lock, so it is released
// however the transaction ends.
func (db *DB) migratePostgres(ctx context.Context) error {
	known, err := KnownMigrationsFor("postgres")
	if err != nil {
		return err
	}
	tx, err := db.w.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	at, _, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	for _, m := range known {
		if _, ok := at[m.Version]; ok {
			continue
		}
		body, err := migrations.ReadFile("migrations/postgres/" + m.Name)
		if err != nil {
			return err
		}
		for _, stmt := range strings.Split(string(body), ";\n") {
			if strings.TrimSpace(stripComments(stmt)) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			m.Version, now()); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// KnownMigrationsFor returns the migrations this binary embeds for dialect
// ("sqlite" or "postgres"), in order.
func KnownMigrationsFor(dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+dialect)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	out := make([]Migration, 0, len(entries))
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad name", e.Name())
		}
		out = append(out, Migration{Version: v, Name: e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// appliedVersions reads schema_migrations: when each version was applied
// (unix ms), and the newest version.
func appliedVersions(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[int]int64, int, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	at := map[int]int64{}
	newest := 0
	for rows.Next() {
		var v int
		var ms int64
		if err := rows.Scan(&v, &ms); err != nil {
			return nil, 0, fmt.Errorf("read schema_migrations: %w", err)
		}
		at[v] = max(ms, 1)
		newest = max(newest, v)
	}
	return at, newest, rows.Err()
}

// openPostgresPlain opens url without migrating (for status and listing).
func openPostgresPlain(ctx context.Context, url string) (*sql.DB, error) {
	cc, _, err := parsePostgres(url)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cc)
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", cc.Host, err)
	}
	return db, nil
}

// MigrationStatusPostgres returns every PostgreSQL migration this binary
// knows with the time the database at url got it (zero while pending). It
// changes nothing. A database with migrations this binary does not know
// gives a *NewerSchemaError; one with tables but no schema_migrations gives
// ErrNotCustos.
func MigrationStatusPostgres(ctx context.Context, url string) ([]Migration, error) {
	db, err := openPostgresPlain(ctx, url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	known, err := KnownMigrationsFor("postgres")
	if err != nil {
		return nil, err
	}
	var hasMigrations bool
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL,
		(SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema())`).Scan(&hasMigrations, &tables); err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	if !hasMigrations {
		if tables > 0 {
			return nil, fmt.Errorf("postgres database: %w (no schema_migrations table)", ErrNotCustos)
		}
		return known, nil
	}
	at, newest, err := appliedVersions(ctx, db)
	if err != nil {
		return nil, err
	}
	return markApplied(known, at, newest)
}

// MigratePostgres applies the pending migrations to the PostgreSQL
// database at url, exactly as a server start does (under the same lock, so
// running servers may stay up), and returns the ones it applied.
func MigratePostgres(ctx context.Context, url string) ([]Migration, error) {
	return migrateBy(ctx, "the PostgreSQL database",
		func(ctx context.Context) ([]Migration, error) { return MigrationStatusPostgres(ctx, url) },
		func(ctx context.Context) (*DB, error) { return OpenPostgres(ctx, url) })
}
