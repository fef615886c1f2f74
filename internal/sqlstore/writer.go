package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The writer runs every write of the process on the one writer connection,
// grouping the writes that are waiting into one transaction (group commit):
// at concurrency a commit and its WAL page writes are shared by many
// requests instead of paid by each. Each write runs inside its own
// savepoint, so one failing write rolls back alone; a write is acknowledged
// only after its batch commits. A unit of work (unit.go) is one such
// write.

// maxBatch bounds how many writes share one commit.
const maxBatch = 256

// Tx is the transaction a write runs in. Statements are prepared once per
// query and reused.
type Tx struct {
	// tx is nil for a single statement on PostgreSQL, which runs on the
	// pool in autocommit (see postgres.go).
	tx *sql.Tx
	db *DB
	// missing lists queries first seen in this transaction; they are
	// prepared on the writer pool once the connection is free again.
	missing []string
	// bound holds the statements already bound to this transaction, so a
	// query a batch runs many times (its savepoints, its inserts) is bound
	// once; database/sql closes them when the transaction ends.
	bound map[string]*sql.Stmt
	// async runs a single statement on PostgreSQL's asynchronous-commit
	// pool (writeOp.ephemeral).
	async bool
	// lazy marks a unit of work on PostgreSQL, which begins its
	// transaction only when a statement needs it (pipeline.go); held are
	// the writes waiting until then, broken the error the unit must fail
	// with.
	lazy   bool
	held   []deferred
	broken error
}

// stmt returns the cached statement for query bound to this transaction.
// The pool cannot prepare while the transaction holds its only connection,
// so a new query is prepared on the transaction this once.
func (t *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := t.begin(); err != nil {
		return nil, err
	}
	if t.tx == nil {
		if t.async {
			return t.db.async.stmt(ctx, query)
		}
		return t.db.w.stmt(ctx, query)
	}
	if s, ok := t.bound[query]; ok {
		return s, nil
	}
	var s *sql.Stmt
	if ps, ok := t.db.w.stmts.Load(query); ok {
		s = t.tx.StmtContext(ctx, ps.(*sql.Stmt))
	} else {
		var err error
		if s, err = t.tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		t.missing = append(t.missing, query)
	}
	if t.bound == nil {
		t.bound = make(map[string]*sql.Stmt, 8)
	}
	t.bound[query] = s
	return s, nil
}

// ExecContext runs one statement; query is already in the dialect (db.q).
// A write admitted to a batch runs to its end whatever becomes of its
// caller, so statements run without the caller's context (which would also
// cost the driver a watcher goroutine per statement).
func (t *Tx) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	ctx := context.Background()
	if t.db.w.strict && badText(args) {
		return nil, errBadText
	}
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryRowContext runs one statement returning a row, like ExecContext.
func (t *Tx) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	ctx := context.Background()
	if t.db.w.strict && badText(args) {
		query, args = noRows, nil
	}
	s, err := t.stmt(ctx, query)
	if err != nil && t.broken != nil {
		// The unit fails with t.broken whatever the read makes of this.
		return t.db.w.DB.QueryRowContext(ctx, noRows)
	}
	if err != nil && t.tx == nil {
		return t.db.w.DB.QueryRowContext(ctx, query, args...)
	}
	if err != nil {
		return t.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// QueryContext runs one statement returning rows, like ExecContext.
func (t *Tx) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx := context.Background()
	if t.db.w.strict && badText(args) {
		query, args = noRows, nil
	}
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

type writeOp struct {
	ctx context.Context
	fn  func(*Tx) error
	// quiet marks a write that touches only protocol tables, which no
	// cached read depends on.
	quiet bool
	// single marks a write of exactly one statement: SQLite undoes a
	// failed statement by itself, so it needs no savepoint.
	single bool
	// nofail marks a single statement that cannot fail with an error a
	// caller handles (no constraint it may violate): inside a unit of
	// work on PostgreSQL, where a failed statement ends the transaction,
	// it runs without the savepoint that lets every other write fail alone.
	nofail bool
	// ephemeral marks a single protocol write whose loss in a database
	// crash only makes a client start again: an issued challenge or user
	// action, not yet used. On PostgreSQL it commits without waiting for
	// its WAL to reach the disk; the synchronous commit of whatever later
	// uses it (taking the challenge, consuming the action) flushes it too
	// (docs/replicas.md, "What it costs").
	ephemeral bool
	// grouped is, on PostgreSQL, an ephemeral write sent with a group
	// (pggroup.go) instead of fn.
	grouped []deferred
	// unit is the unit of work the write runs, if it is one.
	unit *unit
	done chan error
}

// WriteStats reports how many group commits ran and how many writes they
// carried (their ratio is the mean batch size).
func (db *DB) WriteStats() (commits, writes uint64) {
	return db.batches.Load(), db.batchedOps.Load()
}

// startWriter starts the writer goroutine; stopWriter ends it.
func (db *DB) startWriter() {
	db.ops = make(chan writeOp, maxBatch)
	db.writerDone = make(chan struct{})
	// The loop gets the channel itself: Close may clear db.ops before the
	// goroutine first runs.
	go db.writeLoop(db.ops)
}

func (db *DB) stopWriter() {
	db.opsMu.Lock()
	ops := db.ops
	db.ops = nil
	db.opsMu.Unlock()
	if ops == nil {
		return
	}
	close(ops)
	<-db.writerDone
}

// errClosed is returned for writes submitted after Close.
var errClosed = errors.New("database is closed")

// write runs fn in the next group commit and returns its error, or the
// commit's. fn must use only the Tx it is given. Cached reads are
// invalidated once it commits.
func (db *DB) write(ctx context.Context, fn func(*Tx) error) error {
	return db.submit(ctx, writeOp{fn: fn})
}

// writeQuiet is write for protocol tables only (challenges, user actions,
// signature requests, nonces): it leaves cached reads alone.
func (db *DB) writeQuiet(ctx context.Context, fn func(*Tx) error) error {
	return db.submit(ctx, writeOp{fn: fn, quiet: true})
}

// submit queues op and waits for its outcome. Inside a unit of work it
// runs op in the unit at once.
func (db *DB) submit(ctx context.Context, op writeOp) error {
	if u := unitFrom(ctx); u != nil {
		return u.run(op)
	}
	if db.dialect == "postgres" {
		return db.runDirect(ctx, op)
	}
	op.ctx, op.done = ctx, make(chan error, 1)
	db.opsMu.RLock()
	if db.ops == nil {
		db.opsMu.RUnlock()
		return errClosed
	}
	select {
	case db.ops <- op:
		db.opsMu.RUnlock()
	case <-ctx.Done():
		db.opsMu.RUnlock()
		return ctx.Err()
	}
	return <-op.done
}

func (db *DB) writeLoop(ops chan writeOp) {
	defer close(db.writerDone)
	batch := make([]writeOp, 0, maxBatch)
	for op := range ops {
		batch = append(batch[:0], op)
		batch = drain(ops, batch)
		if want, delay := db.batchTarget(); len(batch) < want && db.busy.Load() {
			// Under load, give concurrent requests a moment to join the
			// commit: fewer, larger commits cost far less CPU per write.
			batch = drainWait(ops, batch, want, delay)
		}
		db.busy.Store(len(batch) > 1)
		db.commitBatch(batch)
		db.batches.Add(1)
		db.batchedOps.Add(uint64(len(batch)))
	}
}

// commitDelay is how long a busy writer waits for more writes, and
// commitWant the batch size that ends the wait early. With many requests
// in flight (heavyLoad or more), every one of which is about to write, the
// writer waits longer (heavyDelay) for a batch of half of them (at most
// maxWant): the CPU is the bottleneck then, and waiting costs no
// throughput. Below that, a long wait would only add latency.
const (
	commitDelay = 150 * time.Microsecond
	commitWant  = 8
	heavyLoad   = 16
	heavyDelay  = 400 * time.Microsecond
	maxWant     = 32
)

// SetLoad tells the writer how to learn the number of requests in flight.
func (db *DB) SetLoad(inflight func() int) { db.load.Store(&inflight) }

// batchTarget returns the batch size a busy writer waits for, and how long.
func (db *DB) batchTarget() (int, time.Duration) {
	if f := db.load.Load(); f != nil {
		if n := (*f)(); n >= heavyLoad {
			return min(n/2, maxWant), heavyDelay
		}
	}
	return commitWant, commitDelay
}

// drain appends the writes already waiting in ops to batch.
func drain(ops chan writeOp, batch []writeOp) []writeOp {
	for len(batch) < maxBatch {
		select {
		case more, ok := <-ops:
			if !ok {
				return batch
			}
			batch = append(batch, more)
		default:
			return batch
		}
	}
	return batch
}

// drainWait appends writes from ops to batch until it holds want or delay has
// passed.
func drainWait(ops chan writeOp, batch []writeOp, want int, delay time.Duration) []writeOp {
	t := time.NewTimer(delay)
	defer t.Stop()
	for len(batch) < want {
		select {
		case more, ok := <-ops:
			if !ok {
				return batch
			}
			batch = append(batch, more)
		case <-t.C:
			return drain(ops, batch)
		}
	}
	return drain(ops, batch)
}

// commitBatch runs the ops of one batch in one transaction.
func (db *DB) commitBatch(batch []writeOp) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	// undo tells a unit of work that it was rolled back.
	undo := func(i int) {
		if u := batch[i].unit; u != nil {
			u.finish(false)
		}
	}
	fail := func(err error) {
		for i, op := range batch {
			undo(i)
			op.done <- err
		}
	}
	sqlTx, err := db.w.DB.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	tx := &Tx{tx: sqlTx, db: db}
	single := len(batch) == 1
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if single || op.single {
			errs[i] = db.runOp(op, tx)
			if errs[i] != nil && !single && !txAlive(errs[i]) {
				_ = sqlTx.Rollback()
				fail(fmt.Errorf("write aborted the transaction: %w", errs[i]))
				return
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
			errs[i] = fmt.Errorf("savepoint: %w", err)
			continue
		}
		if errs[i] = db.runOp(op, tx); errs[i] != nil {
			undo(i)
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
				_ = sqlTx.Rollback()
				fail(fmt.Errorf("rollback to savepoint: %w", err))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE w`); err != nil {
			_ = sqlTx.Rollback()
			fail(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	loud := false
	for _, op := range batch {
		loud = loud || !op.quiet || (op.unit != nil && op.unit.loud)
	}
	if single && errs[0] != nil {
		_ = sqlTx.Rollback()
		undo(0)
		batch[0].done <- errs[0]
		for _, q := range tx.missing {
			_, _ = db.w.stmt(ctx, q)
		}
		return
	}
	err = sqlTx.Commit()
	if loud {
		db.cache.invalidate()
	}
	if err != nil {
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	for i, op := range batch {
		if op.unit != nil {
			op.unit.finish(errs[i] == nil)
		}
		op.done <- errs[i]
	}
	for _, q := range tx.missing {
		_, _ = db.w.stmt(ctx, q)
	}
}

// txAlive reports whether a transaction goes on after err from one
// statement. SQLite rolls a whole transaction back only on errors such as
// I/O failure, a full disk, no memory or a busy lock; a constraint failure
// undoes just the statement, and errors that are not SQLite's (no row, a
// refusal by the write itself) touch nothing.
func txAlive(err error) bool {
	var se interface{ Code() int }
	if !errors.As(err, &se) {
		return true
	}
	const sqliteConstraint = 19
	return se.Code()&0xff == sqliteConstraint
}

// runOp runs one write, turning a panic into an error so that the writer
// goroutine survives a bug in one write.
func (db *DB) runOp(op writeOp, tx *Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("write panicked: %v", v)
		}
	}()
	return op.fn(tx)
}
