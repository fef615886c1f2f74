package solwallet

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/policy"
)

// Approvals returns what carries out the Solana transfers and transactions
// an approval held (policy.Runner; docs/protocol/sol-transfers.md §6), and
// hands the requests of other networks (the same xfr-/tx- ids) to other.
// A held request is stored Pending with its unsigned transaction.
// Approved, it moves to Executing in the unit of work of the final
// decision; then (Execute, or the follower's resume after a crash) it is
// signed — with a fresh blockhash if its own expired meanwhile — stored
// signed, sent and followed like any request. Denied or expired, it ends
// Rejected and nothing is sent.
func (s *Service) Approvals(other policy.Runner) policy.Runner { return runner{s: s, other: other} }

type runner struct {
	s     *Service
	other policy.Runner
}

// request loads request id of org; mine reports whether it is a Solana one.
func (r runner) request(ctx context.Context, org, id string) (req *evmwallet.Request, mine bool, err error) {
	req, err = r.s.store.EVMRequest(ctx, org, id)
	if err != nil {
		return nil, false, err
	}
	return req, IsNetwork(req.Network), nil
}

func (r runner) Approved(ctx context.Context, org, id string) error {
	req, mine, err := r.request(ctx, org, id)
	if err != nil || !mine {
		if err == nil {
			err = r.other.Approved(ctx, org, id)
		}
		return err
	}
	return r.s.resolve(ctx, req, evmwallet.StatusExecuting, "")
}

func (r runner) Rejected(ctx context.Context, org, id, reason string) error {
	req, mine, err := r.request(ctx, org, id)
	if err != nil || !mine {
		if err == nil {
			err = r.other.Rejected(ctx, org, id, reason)
		}
		return err
	}
	return r.s.resolve(ctx, req, evmwallet.StatusRejected, reason)
}

// Execute carries out an approved request; it does nothing for one that
// is no longer Executing.
func (r runner) Execute(ctx context.Context, org, id string) error {
	req, mine, err := r.request(ctx, org, id)
	if err != nil || !mine {
		if err == nil {
			err = r.other.Execute(ctx, org, id)
		}
		return err
	}
	if req.Status != evmwallet.StatusExecuting {
		return nil
	}
	w, err := r.s.walletRows.Wallet(ctx, req.OrgID, req.WalletID)
	if err != nil {
		return err
	}
	return r.s.execute(ctx, req, w.KeyID)
}

// Resume is other's: each Solana network's follower finishes the
// Executing requests a crash left (resume in follower.go).
func (r runner) Resume(ctx context.Context) error { return r.other.Resume(ctx) }

func (r runner) Activity(ctx context.Context, org, id string) (json.RawMessage, error) {
	req, mine, err := r.request(ctx, org, id)
	if err != nil || !mine {
		if err == nil {
			return r.other.Activity(ctx, org, id)
		}
		return nil, err
	}
	return json.Marshal(evmwallet.Activity(req))
}

// resolve moves a Pending request to status (Executing or Rejected) in the
// unit of work of ctx; a rejection records its event.
func (s *Service) resolve(ctx context.Context, req *evmwallet.Request, status, reason string) error {
	at := s.now()
	ok, err := s.store.ResolveEVMRequest(ctx, req.OrgID, req.ID, status, reason, at)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("solana request %s is %s, not Pending", req.ID, req.Status)
	}
	if status != evmwallet.StatusRejected {
		return nil // its requested event was recorded when it was stored
	}
	req.Status, req.Reason, req.PolicyResolved = status, reason, at
	return s.emit(ctx, req)
}
