package sqlstore

import (
	"context"
	"fmt"

	"github.com/custos-dev/custos/internal/identity"
)

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs query on the readers and scans every row with scan.
func queryAll[T any](ctx context.Context, db *DB, what, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := db.rd(ctx).QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("select %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// queryPage runs query, which selects rows after the page token ordered by
// id, for one page: it appends the LIMIT and returns the rows and the token
// of the next page ("" on the last one).
func queryPage[T any](ctx context.Context, db *DB, what, query string, args []any, p identity.Page,
	scan func(scanner) (T, error), idOf func(T) string) ([]T, string, error) {
	limit := clampLimit(p.Limit)
	out, err := queryAll(ctx, db, what, query+` LIMIT ?`, append(args, limit+1), scan)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = idOf(out[limit-1])
	}
	return out, next, nil
}
