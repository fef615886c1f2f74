package auth

import (
	"context"
	"sync"
	"time"
)

// Pending is a checked user action whose consumption is still to be
// committed. A route that opts in hands it to its handler, whose service
// consumes it (Consume) inside the unit of work that stores what the
// action authorised: the action is spent exactly when the change is
// stored, in one write. Whatever the handler does, the route settles the
// action before any response leaves (see httpapi).
type Pending struct {
	Action    *UserAction
	TokenHash string
	At        time.Time

	svc   *Service
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

// Consume spends the action as a step of the unit of work of ctx
// (store.Unit): it counts as consumed once the unit commits, and is open
// again if the unit rolls back. Without a unit it is consumed at once. An
// action already consumed, or refused, answers as before.
func (p *Pending) Consume(ctx context.Context) error { return p.svc.Settle(ctx, p) }

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
		p.Action.ConsumedAt = p.At
	}
}

// outcome reports whether p was consumed, and the refusal if any.
func (p *Pending) outcome() (done bool, refused error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state == pendingDone, p.err
}
