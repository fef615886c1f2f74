package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err says the database could not be reached
// or dropped the connection (a server down, restarting or unreachable),
// as opposed to refusing a statement: the request may succeed if retried
// later, so the API answers 503 (httpapi's writeError). It goes by the
// errors' types and SQLSTATE classes, never their text. A cancelled or
// expired ctx of the caller is not an outage.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF):
		// pgx's error when the server closed the connection under a
		// statement (a crash or an immediate shutdown).
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01–57P03: the server is
		// shutting down, crashed, or cannot accept connections yet.
		return len(pe.Code) == 5 && (pe.Code[:2] == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03")
	}
	// pgx marks errors raised before a statement reached the server.
	return pgconn.SafeToRetry(err)
}
