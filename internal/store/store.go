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

// Consumer is the user action that authorised a request (auth.Pending is
// one): the unit of work that makes the change it authorised spends it as
// its first step, so that the action is spent exactly when the change is
// stored. Services take it as a parameter; nil (internal callers:
// bootstrap, tests) means there is nothing to consume.
type Consumer interface {
	// Consume spends the action as a step of the unit of work of ctx. It
	// fails (and the unit with it) when the action was used meanwhile or
	// the credential that signed it is no longer active.
	Consume(ctx context.Context) error
}

// Run runs fn as one unit of work of u (Tx) whose first step consumes
// act, when not nil: the writes fn makes with its ctx commit together with
// the consumption, or none does. fn holds the writer as Tx's fn does:
// compute first, then call Run to write.
func Run(ctx context.Context, u Unit, act Consumer, fn func(ctx context.Context) error) error {
	return u.Tx(ctx, func(ctx context.Context) error {
		if act != nil {
			if err := act.Consume(ctx); err != nil {
				return err
			}
		}
		return fn(ctx)
	})
}
