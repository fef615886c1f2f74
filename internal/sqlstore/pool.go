package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/custos-dev/custos/internal/apierr"
)

// pool is a connection pool that prepares each distinct query once and
// reuses the statement: SQL parsing was the largest cost of a request
// before. The queries are constants of this package, so the cache is small.
type pool struct {
	*sql.DB
	stmts sync.Map // query -> *sql.Stmt
	// strict is set on PostgreSQL, whose text refuses NUL and invalid
	// UTF-8 (see badText).
	strict bool
}

func (p *pool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := p.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := p.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// QueryRowContext runs a cached statement returning one row.
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if p.strict && badText(args) {
		return p.DB.QueryRowContext(ctx, noRows)
	}
	s, err := p.stmt(ctx, query)
	if err != nil {
		return p.DB.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// QueryContext runs a cached statement returning rows.
func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if p.strict && badText(args) {
		return p.DB.QueryContext(ctx, noRows)
	}
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// ExecContext runs a cached statement.
func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if p.strict && badText(args) {
		return nil, errBadText
	}
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// Close closes the cached statements and the pool.
func (p *pool) Close() error {
	p.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	return p.DB.Close()
}

// PostgreSQL text holds valid UTF-8 without NUL; SQLite's holds any
// bytes. A string argument outside that (a path parameter such as %ff or
// %00) equals no stored value, so on PostgreSQL a read with one finds no
// row, as it does on SQLite, instead of failing with SQLSTATE 22021; a
// write with one is refused as bad input (errBadText).

// noRows is a query that returns no row.
const noRows = `SELECT 1 WHERE false`

// errBadText refuses a write of text PostgreSQL cannot store.
var errBadText = apierr.BadRequest("Text must be valid UTF-8 without NUL characters.")

// badText reports whether a string argument is not valid PostgreSQL text.
func badText(args []any) bool {
	for _, a := range args {
		if s, ok := a.(string); ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)) {
			return true
		}
	}
	return false
}
