package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strconv"
	"time"

	"github.com/custos-dev/custos/internal/id"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL there is no group-commit writer: the server runs
// transactions side by side, so every write is its own transaction on a
// pool of connections. A single statement runs in autocommit (one round
// trip), a longer write and a unit of work (unit.go) in one transaction;
// the store methods are the same on both dialects. Reads run on the same
// pool and see committed data (READ COMMITTED); single use (a challenge
// taken, a user action consumed) rests on conditional UPDATEs, which
// PostgreSQL re-checks against the row a concurrent transaction committed.

// Option changes how a database is opened.
type Option func(*options)

type options struct {
	noLocalCaches bool
	fullSync      bool
	replicaID     string
}

// ReplicaID names this process among the replicas sharing a PostgreSQL
// database (replicas.go); a random id by default.
func ReplicaID(id string) Option { return func(o *options) { o.replicaID = id } }

// FullSync makes every SQLite commit sync the log to disk before it is
// acknowledged (synchronous=FULL), so that a power loss loses no
// acknowledged write. PostgreSQL does so by its own configuration.
func FullSync() Option { return func(o *options) { o.fullSync = true } }

// WithoutLocalCaches turns the process-local caches off: the read cache of
// sessions, grants, credentials and keys, and the caches of the challenges
// and user actions this process issued. They are correct across replicas
// (the shared generation, cache.go); tests turn them off to tell what a
// result owes to them.
func WithoutLocalCaches() Option { return func(o *options) { o.noLocalCaches = true } }

// OpenPostgres connects to the PostgreSQL database at url (a postgres://
// URL or DSN; pool_max_conns sets the pool size, default max(4, CPUs)) and
// applies the pending migrations under an advisory lock, so that of
// several processes starting together one migrates and the others wait.
func OpenPostgres(ctx context.Context, url string, opts ...Option) (*DB, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	cc, n, err := parsePostgres(url)
	if err != nil {
		return nil, err
	}
	sqlDB := stdlib.OpenDB(*cc)
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("postgres: connect to %s: %w", cc.Host, err)
	}
	p := &pool{DB: sqlDB, strict: true}
	acc := cc.Copy()
	acc.RuntimeParams["synchronous_commit"] = "off"
	asyncDB := stdlib.OpenDB(*acc)
	asyncDB.SetMaxOpenConns(n)
	asyncDB.SetMaxIdleConns(n)
	caches := !o.noLocalCaches
	db := &DB{w: p, r: p, dialect: "postgres", cache: newReadCache(caches),
		challenges: newChallengeCache(caches), actions: newActionCache(caches), live: newOutstanding()}
	db.cache.shared, db.replicaID = true, o.replicaID
	if db.replicaID == "" {
		db.replicaID = id.New("rp")
	}
	db.async = &pool{DB: asyncDB, strict: true}
	db.groups = [2]*group{newGroup(db, p), newGroup(db, db.async)}
	if err := db.migratePostgres(ctx); err != nil {
		for _, g := range db.groups {
			g.stop()
		}
		sqlDB.Close()
		asyncDB.Close()
		return nil, err
	}
	db.open = true
	return db, nil
}

// runDirect runs op as its own transaction (or, a single statement, in
// autocommit) and returns once it has committed. Like a write admitted to
// a group commit, it runs to its end whatever becomes of the caller's ctx.
func (db *DB) runDirect(ctx context.Context, op writeOp) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Close waits for the writes under way and refuses later ones.
	db.opsMu.RLock()
	defer db.opsMu.RUnlock()
	if !db.open {
		return errClosed
	}
	db.batches.Add(1)
	db.batchedOps.Add(1)
	loud := func() bool { return !op.quiet || (op.unit != nil && op.unit.loud) }
	defer func() {
		if loud() {
			db.cache.invalidate()
		}
	}()
	bg := context.WithoutCancel(ctx)
	if op.grouped != nil {
		// An ephemeral write joins the group of the asynchronous pool.
		return db.groups[1].run(op.grouped)
	}
	if op.single && op.unit == nil && op.quiet {
		return db.runOp(op, &Tx{db: db, async: op.ephemeral})
	}
	// A unit begins its transaction when it needs it (pipeline.go); any
	// other write of several statements begins at once.
	tx := &Tx{db: db, lazy: op.unit != nil}
	if !tx.lazy {
		sqlTx, err := db.w.DB.BeginTx(bg, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		tx.tx = sqlTx
	}
	defer func() {
		for _, q := range tx.missing {
			_, _ = db.w.stmt(bg, q)
		}
	}()
	err = db.runOp(op, tx)
	if err == nil && loud() {
		err = bumpGeneration(tx)
	}
	if tx.broken != nil {
		err = tx.broken
	}
	switch {
	case err != nil:
		if tx.tx != nil {
			_ = tx.tx.Rollback()
		}
	case tx.tx != nil:
		if err = tx.tx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	case len(tx.held) > 0:
		err = db.groups[0].run(tx.held)
	}
	if op.unit != nil {
		op.unit.finish(err == nil)
	}
	if err != nil {
		return err
	}
	if loud() {
		db.fence()
	}
	return nil
}

// bumpGeneration tells every replica that cached reads may have changed
// (cache.go): the last statement of a write that may change them, so that
// the slot's row lock is held only while the transaction commits.
func bumpGeneration(tx *Tx) error {
	_, err := tx.ExecContext(context.Background(), `UPDATE cache_generation SET n = n + 1 WHERE slot = $1`, rand.IntN(16))
	if err != nil {
		return fmt.Errorf("bump cache generation: %w", err)
	}
	return nil
}

// A dead database server must fail a statement within seconds, not hang
// it: writes run without the caller's ctx (runDirect) and reads with a
// request's, which may have no deadline. So connecting is bounded
// (connect_timeout in the URL, else pgConnectTimeout), and the socket
// itself finds a dead peer: keepalive probes while a reply is awaited
// (Idle+Interval*Count), and on Linux TCP_USER_TIMEOUT while data sent is
// unacknowledged (pgUserTimeout). A live server acknowledges and answers
// the probes, so a long write (a lock wait) still runs to its end. A
// statement on a broken connection fails at once; database/sql discards
// the connection and later statements dial afresh, which is how the
// server recovers when the database returns.
const (
	pgConnectTimeout = 5 * time.Second
	pgUserTimeout    = 10 * time.Second
)

var pgKeepAlive = net.KeepAliveConfig{Enable: true, Idle: 5 * time.Second, Interval: 2 * time.Second, Count: 3}

// parsePostgres parses a connection string, bounds connecting and dead
// sockets (above) and takes out pool_max_conns (the pool size; default
// max(4, CPUs)), which pgx would otherwise send to the server as a setting.
func parsePostgres(url string) (*pgx.ConnConfig, int, error) {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %w", err)
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = pgConnectTimeout
	}
	d := &net.Dialer{Timeout: cc.ConnectTimeout, KeepAliveConfig: pgKeepAlive, Control: pgSocketControl}
	cc.DialFunc = d.DialContext
	n := max(4, runtime.NumCPU())
	if v, ok := cc.RuntimeParams["pool_max_conns"]; ok {
		delete(cc.RuntimeParams, "pool_max_conns")
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return nil, 0, fmt.Errorf("postgres: pool_max_conns %q is not a positive number", v)
		}
	}
	return cc, n, nil
}

// forUpdate is the locking clause of a read that a write in the same
// transaction depends on: FOR UPDATE on PostgreSQL; nothing on SQLite,
// whose single writer runs one write at a time.
func (db *DB) forUpdate() string {
	if db.dialect == "postgres" {
		return ` FOR UPDATE`
	}
	return ""
}
