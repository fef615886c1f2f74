package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// A unit of work on PostgreSQL begins its transaction lazily. Until one of
// its statements needs an answer (a read, a write whose result its caller
// inspects, a savepoint), the writes that only expect a number of affected
// rows (Tx.expect) wait in the unit; if none does, they are sent at the
// end in one pipeline, which PostgreSQL runs as one implicit transaction:
// one round trip instead of BEGIN, each statement and COMMIT apart. The
// signing unit (consume the user action, insert the signature request) is
// such a unit (docs/replicas.md, "What it costs").
//
// A deferred write that changes another number of rows than expected fails
// inside the pipeline (custos_expect_rows, migration 0020, raises SQLSTATE
// CUS01), so PostgreSQL rolls the whole pipeline back, and the unit fails
// with the error its statement names.

// sqlstateUnexpectedRows is raised by custos_expect_rows.
const sqlstateUnexpectedRows = "CUS01"

// deferred is a write held back until its unit ends or begins.
type deferred struct {
	query string // in the dialect
	args  []any
	// want is the number of rows the write must change; below zero, a
	// plain write that answers only with its own error (a lone ephemeral
	// insert sent with a group, pggroup.go).
	want int64
	// mismatch returns the error a unit fails with when the write changed
	// another number of rows; q reads committed data, or the unit's
	// transaction when it has one.
	mismatch func(q querier) error
}

// expect runs query (in the dialect), which must change want rows, else
// the unit fails with mismatch's error. In a lazy unit that has not begun
// it is held back (above); otherwise it runs at once.
func (t *Tx) expect(query string, want int64, mismatch func(q querier) error, args ...any) error {
	if t.lazy && t.tx == nil {
		if t.db.w.strict && badText(args) {
			return errBadText
		}
		t.held = append(t.held, deferred{query: query, args: args, want: want, mismatch: mismatch})
		return nil
	}
	res, err := t.ExecContext(context.Background(), query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != want {
		var q querier = t.db.r
		if t.tx != nil {
			q = t
		}
		return t.mismatchErr(mismatch(q))
	}
	return nil
}

// mismatchErr keeps a mismatch's error as a lazy unit's answer, so that a
// later statement cannot turn it into another (e.g. a read finding no row).
// A write of the SQLite writer shares its Tx with its batch: there the
// error is only returned.
func (t *Tx) mismatchErr(err error) error {
	if t.lazy && t.broken == nil {
		t.broken = err
	}
	return err
}

// begin starts the transaction of a lazy unit and runs the writes held
// back so far, in order. An error is kept in t.broken: a read cannot
// return it, and the unit must fail with it rather than with what the
// read made of it.
func (t *Tx) begin() error {
	if !t.lazy || t.tx != nil {
		return t.broken
	}
	if t.broken != nil {
		return t.broken
	}
	sqlTx, err := t.db.w.DB.BeginTx(context.Background(), nil)
	if err != nil {
		t.broken = fmt.Errorf("begin: %w", err)
		return t.broken
	}
	t.tx = sqlTx
	held := t.held
	t.held = nil
	for _, d := range held {
		if err := t.expect(d.query, d.want, d.mismatch, d.args...); err != nil {
			return t.mismatchErr(err)
		}
	}
	return nil
}

// sendHeld sends held as one pipeline on a connection of p, run by
// PostgreSQL as one implicit transaction: all of it commits or none. A
// write that changed another number of rows than expected answers with its
// mismatch error; a plain write (want < 0) with its own error.
func (db *DB) sendHeld(ctx context.Context, p *pool, held []deferred) error {
	conn, err := p.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connection: %w", err)
	}
	failed := -1
	err = conn.Raw(func(dc any) error {
		var first error
		failed, first = runPipeline(ctx, dc.(*stdlib.Conn).Conn(), held)
		return first
	})
	// Given back before the reason is read: that read takes a connection
	// of the same pool, which concurrent units may have drained.
	conn.Close()
	if failed >= 0 && pgCode(err, sqlstateUnexpectedRows) {
		// Rolled back: the reason reads the committed state.
		return held[failed].mismatch(db.r)
	}
	if err != nil && failed >= 0 {
		return err // a plain write's own error (e.g. a unique violation)
	}
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	return nil
}

// runPipeline sends held in one batch (one Sync: one implicit
// transaction) and returns the first error, with the index of the write
// that failed with it when it is that write's own (a constraint, or
// custos_expect_rows), else -1.
func runPipeline(ctx context.Context, pc *pgx.Conn, held []deferred) (failed int, first error) {
	failed = -1
	b := &pgx.Batch{}
	for _, d := range held {
		if d.want < 0 {
			b.Queue(d.query, d.args...)
			continue
		}
		b.Queue(expectRows(d.query, len(d.args)), append(d.args[:len(d.args):len(d.args)], d.want)...)
	}
	br := pc.SendBatch(ctx, b)
	for i := range held {
		if _, err := br.Exec(); err != nil && first == nil {
			first = err
			if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code != sqlstateInFailedTx {
				failed = i
			}
		}
	}
	if err := br.Close(); err != nil && first == nil {
		first = err
	}
	return failed, first
}

// sqlstateInFailedTx answers the statements after a failed one in a
// pipeline's transaction.
const sqlstateInFailedTx = "25P02"

// expectRows wraps a write of n arguments so that it fails unless it
// changes as many rows as its last argument says.
func expectRows(query string, n int) string {
	return `WITH d AS (` + query + ` RETURNING 1) SELECT custos_expect_rows(count(*), $` + strconv.Itoa(n+1) + `) FROM d`
}
