package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("boom"), false},
		{"no rows", fmt.Errorf("select: %w", sql.ErrNoRows), false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"cancelled caller", fmt.Errorf("q: %w", context.Canceled), false},
		{"dial refused", fmt.Errorf("select: %w", refused), true},
		{"bad conn", fmt.Errorf("exec: %w", driver.ErrBadConn), true},
		{"conn done", sql.ErrConnDone, true},
		{"cut mid-statement", fmt.Errorf("insert: %w", io.ErrUnexpectedEOF), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"starting up", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "57P03"}), true},
		{"connection exception", &pgconn.PgError{Code: "08006"}, true},
	} {
		if got := Unavailable(c.err); got != c.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
