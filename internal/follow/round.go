package follow

import (
	"context"
	"time"
)

// Store is what the start of a round needs of storage: the follower's
// lease and the network's cursor (the next block to read).
type Store interface {
	TakeLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	EVMCursor(ctx context.Context, network string) (next int64, ok bool, err error)
}

// Round is the start of one step of a chain family's follower, the same
// for every family: take the network's lease, look at the open requests
// (Resume), read the head, load the wallets (after the head, so that every
// wallet a block up to the head can pay is known) and the cursor.
type Round[O any] struct {
	Store         Store
	Lease         string // the lease row's name, e.g. "btc-follower/" + network
	Holder        string
	LeaseFor      time.Duration
	Network       string
	Confirmations int64
	Resume        func(ctx context.Context) (O, error)
	Head          func(ctx context.Context) (int64, error)
	LoadWallets   func(ctx context.Context) error
}

// Start runs the start of the round. ok is false when the round has
// nothing more to do (the lease is another server's, or the chain is not
// yet Confirmations deep); otherwise blocks from next to target may be
// read (a network without a cursor starts at target; next may exceed
// target).
func (r Round[O]) Start(ctx context.Context) (open O, next, target int64, ok bool, err error) {
	now := time.Now()
	held, err := r.Store.TakeLease(ctx, r.Lease, r.Holder, now, now.Add(r.LeaseFor))
	if err != nil || !held {
		return open, 0, 0, false, err
	}
	if open, err = r.Resume(ctx); err != nil {
		return open, 0, 0, false, err
	}
	head, err := r.Head(ctx)
	if err != nil {
		return open, 0, 0, false, err
	}
	target = head - r.Confirmations + 1
	if target < 0 {
		return open, 0, 0, false, nil
	}
	if err := r.LoadWallets(ctx); err != nil {
		return open, 0, 0, false, err
	}
	next, known, err := r.Store.EVMCursor(ctx, r.Network)
	if err != nil {
		return open, 0, 0, false, err
	}
	if !known {
		next = target
	}
	return open, next, target, true, nil
}
