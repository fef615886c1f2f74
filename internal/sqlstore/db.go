// Package sqlstore holds all SQL of Custos. One DB serves every capability's
// narrow Store interface; queries are written once with ? placeholders and
// run on SQLite (default) and PostgreSQL.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-dev/custos/internal/auth"
	_ "modernc.org/sqlite" // pure-Go SQLite driver "sqlite"
)

//go:embed migrations
var migrations embed.FS

// DB is the database: writes go through the group-commit writer on w;
// reads run on r (on SQLite the same single connection).
type DB struct {
	w, r    *pool
	dialect string
	// groups gather PostgreSQL writes into shared commits (pggroup.go):
	// [0] on the synchronous pool, [1] on the asynchronous one.
	groups [2]*group

	opsMu      sync.RWMutex // guards ops and open against Close
	ops        chan writeOp
	open       bool // PostgreSQL: writes are accepted (postgres.go)
	writerDone chan struct{}
	cache      *readCache
	challenges *issuedCache[auth.Challenge]
	actions    *issuedCache[auth.UserAction]
	live       *outstanding // challenges issued and neither used nor expired
	replicaID  string       // PostgreSQL: this process among the replicas (replicas.go)
	async      *pool        // PostgreSQL: connections that commit asynchronously (writeOp.ephemeral)
	batches    atomic.Uint64
	batchedOps atomic.Uint64
	busy       atomic.Bool // the last commit carried more than one write
	load       atomic.Pointer[func() int]
}

// OpenSQLite opens (creating if needed) the SQLite database at path and
// applies pending migrations. One connection in exclusive locking mode does
// everything: the process owns the file (the data directory is locked too),
// so no file locks or shared-memory index are taken per transaction and
// the page cache survives between transactions. Writes go through the group
// commit writer; the reads on every request's path are served from the read
// cache, so reads rarely wait for it.
//
// A commit is durable against a crash of the process at once, and against
// a power loss or an operating-system crash once the next checkpoint syncs
// the log (synchronous=NORMAL); FullSync syncs every commit instead.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*DB, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	sync := "NORMAL"
	if o.fullSync {
		sync = "FULL"
	}
	dsn := "file:" + filepath.ToSlash(path) +
		"?_pragma=locking_mode(EXCLUSIVE)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(" + sync + ")&_pragma=wal_autocheckpoint(500)&_pragma=journal_size_limit(67108864)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	p := &pool{DB: w}
	db := &DB{w: p, r: p, dialect: "sqlite", cache: newReadCache(true),
		challenges: newChallengeCache(true), actions: newActionCache(true), live: newOutstanding()}
	if err := db.migrate(ctx); err != nil {
		db.w.Close()
		return nil, err
	}
	db.startWriter()
	return db, nil
}

// ownerOnly makes the database file and its -wal and -shm companions mode
// 0600: an existing file is narrowed, a missing database file is created
// empty with that mode first (SQLite creates -wal and -shm with the mode
// of the database file).
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restrict %s to its owner: %w", p, err)
		}
	}
	return nil
}

// Close finishes the pending writes and closes the pools.
func (db *DB) Close() error {
	db.opsMu.Lock()
	db.open = false
	db.opsMu.Unlock()
	db.stopWriter()
	for _, g := range db.groups {
		if g != nil {
			g.stop()
		}
	}
	var err error
	if db.async != nil {
		err = db.async.Close()
	}
	if db.r == db.w {
		return errors.Join(err, db.w.Close())
	}
	return errors.Join(err, db.r.Close(), db.w.Close())
}

// Ping reports whether the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// q rewrites ? placeholders for the dialect ($1, $2 … on PostgreSQL).
func (db *DB) q(query string) string {
	if db.dialect != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (db *DB) migrate(ctx context.Context) error {
	if db.dialect == "postgres" {
		return db.migratePostgres(ctx)
	}
	if _, err := db.w.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	dir := "migrations/" + db.dialect
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: bad name", e.Name())
		}
		var n int
		if err := db.w.DB.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&n); err != nil {
			return fmt.Errorf("check migration %d: %w", v, err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return err
		}
		if err := db.migrateTx(ctx, func(tx *sql.Tx) error {
			for _, stmt := range strings.Split(string(body), ";\n") {
				if strings.TrimSpace(stripComments(stmt)) == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %s: %w", e.Name(), err)
				}
			}
			_, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, now())
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// migrateTx runs fn in a plain transaction (before the writer starts).
func (db *DB) migrateTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// tx runs fn as one atomic write (in the next group commit).
func (db *DB) tx(ctx context.Context, fn func(*Tx) error) error {
	return db.write(ctx, fn)
}

// exec runs one write statement.
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := db.submit(ctx, writeOp{single: true, fn: func(tx *Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, db.q(query), args...)
		return err
	}})
	return res, err
}

// execEphemeral is execQuiet for an issued challenge or user action
// (writeOp.ephemeral).
func (db *DB) execEphemeral(ctx context.Context, query string, args ...any) error {
	op := writeOp{single: true, quiet: true, ephemeral: true, fn: func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, db.q(query), args...)
		return err
	}}
	if db.dialect == "postgres" && unitFrom(ctx) == nil {
		// Alone (not in a unit of work), it joins a group (pggroup.go).
		if badText(args) {
			return errBadText
		}
		op.grouped = []deferred{{query: db.q(query), args: args, want: -1}}
	}
	return db.submit(ctx, op)
}

// execQuiet is exec for protocol tables (see writeQuiet).
func (db *DB) execQuiet(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := db.submit(ctx, writeOp{single: true, quiet: true, fn: func(tx *Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, db.q(query), args...)
		return err
	}})
	return res, err
}

// writeRow runs one write statement on protocol tables that returns a row
// (RETURNING) and scans it with scan.
func (db *DB) writeRow(ctx context.Context, query string, args []any, scan func(*sql.Row) error) error {
	return db.submit(ctx, writeOp{single: true, quiet: true, fn: func(tx *Tx) error {
		return scan(tx.QueryRowContext(ctx, db.q(query), args...))
	}})
}

func now() int64 { return time.Now().UnixMilli() }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
