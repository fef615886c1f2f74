package keys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/policy"
)

// SignActivity is the activity an approval on signature request r shows.
func SignActivity(r *SignatureRequest) map[string]any {
	return map[string]any{"kind": policy.KindWalletsSign, "signatureRequest": SignatureViewOf(r)}
}

// Approvals returns what carries out the Wallets:Sign signature requests
// an approval held (policy.Runner): approved, a request moves from Pending
// to Executing in the unit of work of the final decision, and is then
// signed once (docs/protocol/policies.md §2).
func (s *Service) Approvals() policy.Runner { return sigRunner{s} }

type sigRunner struct{ s *Service }

// resumeBatch bounds the requests one Resume signs.
const resumeBatch = 100

func (r sigRunner) Approved(ctx context.Context, org, sigID string) error {
	return r.transition(ctx, org, sigID, SigExecuting, "")
}

func (r sigRunner) Rejected(ctx context.Context, org, sigID, reason string) error {
	return r.transition(ctx, org, sigID, SigRejected, reason)
}

// transition moves a Pending request to status (in the unit of ctx).
func (r sigRunner) transition(ctx context.Context, org, sigID, status, reason string) error {
	req, err := r.s.store.SignatureRequest(ctx, org, sigID)
	if err != nil {
		return err
	}
	req.Status, req.Reason, req.PolicyResolved = status, reason, r.s.now()
	ok, err := r.s.store.FinishSignatureRequest(ctx, req, SigPending)
	if err == nil && !ok {
		err = fmt.Errorf("signature request %s is no longer Pending", sigID)
	}
	if err == nil && status == SigRejected {
		err = r.s.emit(ctx, org, outcomeEvent(req))
	}
	return err
}

// Execute signs an Executing request and stores the outcome if it is
// still Executing: of two executions racing (a decision and a resume
// after a restart), one result is stored.
func (r sigRunner) Execute(ctx context.Context, org, sigID string) error {
	req, err := r.s.store.SignatureRequest(ctx, org, sigID)
	if err != nil {
		return err
	}
	return r.s.signApproved(ctx, req)
}

func (s *Service) signApproved(ctx context.Context, req *SignatureRequest) error {
	if req.Status != SigExecuting {
		return nil
	}
	k, err := s.store.Key(ctx, req.OrgID, req.KeyID)
	if err != nil {
		return err
	}
	var env envelope
	if err := json.Unmarshal(req.Body, &env); err != nil {
		return fmt.Errorf("signature request %s body: %w", req.ID, err)
	}
	sign, err := signFunc(req.Network, k.Chain(), chain.Request{Kind: env.Kind, Body: req.Body})
	switch {
	case err != nil:
		req.Status, req.Reason = SigFailed, "the request can no longer be signed"
	case k.Status != StatusActive:
		req.Status, req.Reason = SigFailed, "the key was archived before the request was approved"
	default:
		var failure error
		if failure, err = s.execute(ctx, req, k, sign); err != nil {
			req.Status, req.Reason = SigFailed, "the request can no longer be signed"
		} else if failure != nil && errors.Is(failure, context.Canceled) {
			return failure
		}
	}
	// The outcome and its event commit together; of two executions
	// racing, only the one that stores its outcome records the event.
	return s.store.Tx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		ok, err := s.store.FinishSignatureRequest(ctx, req, SigExecuting)
		if err != nil || !ok {
			return err
		}
		return s.emit(ctx, req.OrgID, outcomeEvent(req))
	})
}

// Resume signs the approved requests a crash left Executing.
func (r sigRunner) Resume(ctx context.Context) error {
	reqs, err := r.s.store.ExecutingSignatureRequests(ctx, resumeBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, req := range reqs {
		errs = append(errs, r.s.signApproved(ctx, req))
	}
	return errors.Join(errs...)
}

func (r sigRunner) Activity(ctx context.Context, org, sigID string) (json.RawMessage, error) {
	req, err := r.s.store.SignatureRequest(ctx, org, sigID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(SignActivity(req))
}
