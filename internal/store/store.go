// Package store holds what every capability's Store shares: the unit of
// work. The SQL behind it lives in sqlstore.
package store

import "context"

// Unit runs several store calls as one atomic unit of work.
type Unit interface {
	// Tx runs fn as one unit of work: the store calls fn makes with the
	// ctx it is given commit together, or none does, and Tx returns once
	// they are committed (or with the error that rolled them back). Reads
	// made with that ctx see the unit's own writes. A Tx inside fn (with
	// fn's ctx) joins the unit as a nested step that rolls back alone when
	// it fails.
	//
	// fn holds the database's writer while it runs: it must do no slow
	// work (no signing, key generation or other crypto, no network calls,
	// no waiting) and must make every store call with the ctx it is given
	// (a call with another context waits for the writer fn holds, for
	// ever). Compute first, then open the unit and write. fn may run
	// after its caller's context is cancelled, and must not keep that ctx.
	Tx(ctx context.Context, fn func(ctx context.Context) error) error
}
