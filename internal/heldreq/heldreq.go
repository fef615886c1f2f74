// Package heldreq carries out, or drops, the transfers (xfr-…) and
// transactions (tx-…) that a Wallets:Sign approval held, for every chain
// family that moves funds (docs/protocol/evm-transfers.md §4a,
// docs/protocol/btc-transfers.md §6, docs/protocol/sol-transfers.md §6).
// The requests of every family share one table (evmwallet.Request); what
// the approval changes there — the move from Pending to Executing or
// Rejected, the rejection's event, the activity an approval shows — is the
// same for all of them and is done here, once. Building, signing and
// sending an approved request is its family's (Family.CarryOut).
package heldreq

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/policy"
)

// Family carries out the approved requests of the networks it serves;
// *evmwallet.Service, *btcwallet.Service and *solwallet.Service are
// families.
type Family interface {
	// Serves reports whether the family's code serves network.
	Serves(network string) bool
	// CarryOut finishes an Executing request: it builds the transaction
	// of an approved request that has none yet, then signs, stores and
	// sends it; it does nothing for a request no longer Executing. Of
	// several servers carrying one request out at once, one builds it.
	CarryOut(ctx context.Context, r *evmwallet.Request) error
}

// Store is what the runner needs of storage; *sqlstore.DB is one.
type Store interface {
	EVMRequest(ctx context.Context, org, id string) (*evmwallet.Request, error)
	// ResolveEVMRequest moves a Pending request to status (Executing or
	// Rejected); it reports whether the request was Pending.
	ResolveEVMRequest(ctx context.Context, org, id, status, reason string, at time.Time) (bool, error)
}

// Runner returns the policy.Runner of held transfers and transactions:
// the approving (or rejecting) decision's unit of work moves the request
// from Pending, conditionally, so that one of racing decisions does it;
// after that commit, Execute hands the request to the family serving its
// network. A server that dies in between leaves it Executing, and the
// family's follower carries it out.
func Runner(st Store, events event.Emitter, families ...Family) policy.Runner {
	if events == nil {
		events = event.Nop{}
	}
	return runner{store: st, events: events, families: families,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
}

type runner struct {
	store    Store
	events   event.Emitter
	families []Family
	now      func() time.Time
}

func (r runner) Approved(ctx context.Context, org, reqID string) error {
	return r.resolve(ctx, org, reqID, evmwallet.StatusExecuting, "")
}

func (r runner) Rejected(ctx context.Context, org, reqID, reason string) error {
	return r.resolve(ctx, org, reqID, evmwallet.StatusRejected, reason)
}

// Execute carries out an approved request; it does nothing for one that
// is no longer Executing.
func (r runner) Execute(ctx context.Context, org, reqID string) error {
	req, err := r.store.EVMRequest(ctx, org, reqID)
	if err != nil {
		return err
	}
	if req.Status != evmwallet.StatusExecuting {
		return nil
	}
	for _, f := range r.families {
		if f.Serves(req.Network) {
			return f.CarryOut(ctx, req)
		}
	}
	return fmt.Errorf("heldreq: no family serves network %s (request %s)", req.Network, req.ID)
}

// Resume does nothing: each network's follower, which holds that
// network's lease, finishes the Executing requests a crash left, approved
// ones included.
func (runner) Resume(context.Context) error { return nil }

func (r runner) Activity(ctx context.Context, org, reqID string) (json.RawMessage, error) {
	req, err := r.store.EVMRequest(ctx, org, reqID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(evmwallet.Activity(req))
}

// resolve moves a Pending request to status (Executing or Rejected) in the
// unit of work of ctx; a rejection records its event.
func (r runner) resolve(ctx context.Context, org, reqID, status, reason string) error {
	req, err := r.store.EVMRequest(ctx, org, reqID)
	if err != nil {
		return err
	}
	at := r.now()
	ok, err := r.store.ResolveEVMRequest(ctx, org, reqID, status, reason, at)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("request %s is %s, not Pending", reqID, req.Status)
	}
	if status != evmwallet.StatusRejected {
		// Its wallet.*.requested event was recorded when it was stored;
		// the next is broadcasted (or failed).
		return nil
	}
	req.Status, req.Reason, req.PolicyResolved = status, reason, at
	kind, data := evmwallet.EventOf(req)
	return r.events.Emit(ctx, req.OrgID, kind, data)
}
