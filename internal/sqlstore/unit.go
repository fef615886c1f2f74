package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/custos-dev/custos/internal/store"
)

var _ store.Unit = (*DB)(nil)

// A unit of work (store.Unit) is one op of a group commit: its function
// runs on the writer goroutine inside the op's savepoint, so it commits
// with its batch or rolls back alone, and its caller is answered once the
// batch commits. The unit travels in the ctx its function gets; every
// store method given that ctx writes and reads on the unit's transaction
// instead of queueing for the writer (which is busy running the unit) or
// waiting for the one SQLite connection (which the unit holds).
//
// On PostgreSQL a unit is one transaction of its own on the pool
// (postgres.go); the store methods do not change.

// unit is a running unit of work.
type unit struct {
	tx *Tx
	// loud is set by any write that may change cached reads; a unit
	// without one leaves the read cache alone, like writeQuiet.
	loud bool
	// depth counts the open nested savepoints.
	depth int
	// settle holds what to do once the unit's fate is known: called with
	// true after its batch commits, false when it is rolled back.
	settle []func(committed bool)
}

type unitKey struct{}

// unitFrom returns the unit of work running in ctx, or nil.
func unitFrom(ctx context.Context) *unit {
	u, _ := ctx.Value(unitKey{}).(*unit)
	return u
}

// Tx runs fn as one unit of work (see store.Unit).
func (db *DB) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if u := unitFrom(ctx); u != nil {
		return u.nested(ctx, fn)
	}
	u := &unit{}
	// A unit admitted to a batch runs to its end, as every write does.
	inner := context.WithValue(context.WithoutCancel(ctx), unitKey{}, u)
	return db.submit(ctx, writeOp{quiet: true, unit: u, fn: func(tx *Tx) error {
		u.tx = tx
		return fn(inner)
	}})
}

// onSettle registers f to learn whether the unit committed.
func (u *unit) onSettle(f func(committed bool)) { u.settle = append(u.settle, f) }

// finish tells the registered functions the unit's fate.
func (u *unit) finish(committed bool) {
	for _, f := range u.settle {
		f(committed)
	}
	u.settle = nil
}

// run runs a store write inside the unit: a single statement as it is
// (SQLite undoes a failed statement by itself), anything longer in a
// nested savepoint so that a failure the caller handles leaves nothing.
func (u *unit) run(op writeOp) error {
	if !op.quiet {
		u.loud = true
	}
	// PostgreSQL ends a transaction at its first failed statement, so
	// there a single statement gets a savepoint too, unless it cannot
	// fail with an error its caller would handle.
	if op.single && (u.tx.db.dialect != "postgres" || op.nofail) {
		return op.fn(u.tx)
	}
	return u.savepoint(func() error { return op.fn(u.tx) })
}

// nested runs a unit of work opened inside u as a nested step.
func (u *unit) nested(ctx context.Context, fn func(context.Context) error) error {
	outer := u.settle
	u.settle = nil
	err := u.savepoint(func() error { return fn(ctx) })
	if err != nil {
		// The nested step is rolled back whatever becomes of u.
		u.finish(false)
	}
	u.settle = append(outer, u.settle...)
	return err
}

// savepoint runs fn inside a nested savepoint of the unit's transaction.
func (u *unit) savepoint(fn func() error) error {
	u.depth++
	name := "u" + strconv.Itoa(u.depth)
	defer func() { u.depth-- }()
	if _, err := u.tx.ExecContext(context.Background(), `SAVEPOINT `+name); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := u.tx.ExecContext(context.Background(), `ROLLBACK TO `+name); rerr != nil {
			return fmt.Errorf("rollback to savepoint: %w (after %w)", rerr, err)
		}
		_, _ = u.tx.ExecContext(context.Background(), `RELEASE `+name)
		return err
	}
	if _, err := u.tx.ExecContext(context.Background(), `RELEASE `+name); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// querier runs reads: the reader pool, or a unit's transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// rd returns where the reads of ctx run: inside its unit of work, if any,
// so that they see the unit's writes.
func (db *DB) rd(ctx context.Context) querier {
	if u := unitFrom(ctx); u != nil {
		return u.tx
	}
	return db.r
}

// uncached is the read cache of a unit of work: off, since a unit reads
// its own uncommitted writes, which must neither be served from nor kept
// in the cache.
var uncached = newReadCache(false)

// cacheFor returns the read cache for reads made with ctx.
func (db *DB) cacheFor(ctx context.Context) view {
	if unitFrom(ctx) != nil {
		return view{c: uncached}
	}
	return db.cache.view()
}
