package auth

import (
	"context"
	"sync"
	"time"
)

// Pending is a checked user action whose consumption is still to be
// committed. A route that opts in lets the consumption ride on the first
// database write of its handler, in the same transaction: the action is
// consumed exactly when the change it authorised is stored, and the
// request costs one write less. Whatever the handler does, the route
// settles the action before any response leaves (see httpapi).
type Pending struct {
	Action    *UserAction
	TokenHash string
	At        time.Time

	mu    sync.Mutex
	state pendingState
	err   error
}

type pendingState int

const (
	pendingOpen    pendingState = iota // not consumed yet
	pendingClaimed                     // a write carries the consumption
	pendingDone                        // consumed, committed
	pendingRefused                     // the database refused it (used, or credential inactive)
)

type pendingKey struct{}

// WithPending returns ctx carrying p for the store's next write.
func WithPending(ctx context.Context, p *Pending) context.Context {
	return context.WithValue(ctx, pendingKey{}, p)
}

// PendingFrom returns the pending action of ctx, if any.
func PendingFrom(ctx context.Context) *Pending {
	p, _ := ctx.Value(pendingKey{}).(*Pending)
	return p
}

// Claim reports whether the caller (a store write) now carries the
// consumption; only one write gets it.
func (p *Pending) Claim() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != pendingOpen {
		return false
	}
	p.state = pendingClaimed
	return true
}

// Settle records the outcome of a claimed consumption once its write is
// committed or rolled back: err is nil when consumed, the refusal when the
// database refused it, and rolledBack reopens it.
func (p *Pending) Settle(err error, rolledBack bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case rolledBack:
		p.state = pendingOpen
	case err != nil:
		p.state, p.err = pendingRefused, err
	default:
		p.state = pendingDone
	}
}

// outcome reports whether p was consumed, and the refusal if any.
func (p *Pending) outcome() (done bool, refused error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state == pendingDone, p.err
}
