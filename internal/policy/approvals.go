package policy

import (
	"context"
	"errors"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
)

// maxReason bounds a decision's reason.
const maxReason = 1000

// DecisionInput is the body of POST /v2/policy-approvals/{id}/decisions.
type DecisionInput struct {
	Value  string  `json:"value"`
	Reason *string `json:"reason"`
}

// ApprovalList is the body of GET /v2/policy-approvals.
type ApprovalList struct {
	Items         []ApprovalView `json:"items"`
	NextPageToken string         `json:"nextPageToken,omitempty"`
}

// GetApproval serves GET /v2/policy-approvals/{id}.
func (s *Service) GetApproval(ctx context.Context, pr *principal.Principal, approvalID string) (ApprovalView, error) {
	if !id.Valid("ap", approvalID) {
		return ApprovalView{}, apierr.NotFound("approval %s not found", clip(approvalID))
	}
	a, err := s.store.Approval(ctx, pr.OrgID, approvalID, false)
	if err != nil {
		return ApprovalView{}, err
	}
	return s.view(ctx, a), nil
}

// ListApprovals serves GET /v2/policy-approvals.
func (s *Service) ListApprovals(ctx context.Context, pr *principal.Principal, f ApprovalFilter, pg identity.Page) (ApprovalList, error) {
	switch f.Status {
	case "", ApprovalPending, ApprovalApproved, ApprovalDenied, ApprovalExpired:
	default:
		return ApprovalList{}, apierr.BadRequest("status must be Pending, Approved, Denied or Expired")
	}
	if len(f.InitiatorID) > 100 || len(f.ApproverID) > 100 {
		return ApprovalList{}, apierr.BadRequest("initiatorId and approverId must be user ids")
	}
	as, next, err := s.store.Approvals(ctx, pr.OrgID, f, pg)
	if err != nil {
		return ApprovalList{}, err
	}
	out := ApprovalList{Items: make([]ApprovalView, 0, len(as)), NextPageToken: next}
	for _, a := range as {
		out.Items = append(out.Items, s.view(ctx, a))
	}
	return out, nil
}

// view renders a with the current state of its activity (the snapshot
// taken when it was created if that cannot be read).
func (s *Service) view(ctx context.Context, a *Approval) ApprovalView {
	if r, err := s.runner(a.ActivityKind); err == nil {
		if act, err := r.Activity(ctx, a.OrgID, a.TargetID); err == nil {
			a.Activity = act
		}
	}
	return a.View()
}

// Decide serves POST /v2/policy-approvals/{id}/decisions: p's decision is
// stored with the consumption of act, and when it resolves the approval,
// with the approval's new status and the activity's (Runner.Approved or
// Rejected), all in one unit of work; the approval's row is locked first,
// so that concurrent decisions on one approval are counted one after the
// other. An approved activity is then carried out (Runner.Execute); if
// that is cut short, Resume finishes it.
func (s *Service) Decide(ctx context.Context, p *principal.Principal, act store.Consumer, approvalID string, in *DecisionInput) (ApprovalView, error) {
	if err := validate.Word("value", in.Value); err != nil {
		return ApprovalView{}, err
	}
	if in.Value != Approved && in.Value != Denied {
		return ApprovalView{}, apierr.BadRequest("value must be Approved or Denied")
	}
	if in.Reason != nil {
		if err := validate.Text("reason", *in.Reason, maxReason); err != nil {
			return ApprovalView{}, err
		}
	}
	if !id.Valid("ap", approvalID) {
		return ApprovalView{}, apierr.NotFound("approval %s not found", clip(approvalID))
	}
	var a *Approval
	err := store.Run(ctx, s.store, act, func(ctx context.Context) error {
		var err error
		if a, err = s.store.Approval(ctx, p.OrgID, approvalID, true); err != nil {
			return err
		}
		now := s.now()
		if a.Status == ApprovalPending && !a.Expires.IsZero() && !now.Before(a.Expires) {
			return apierr.BadRequest("approval %s has expired", a.ID)
		}
		status, err := a.decide(p, in.Value)
		if err != nil {
			return err
		}
		d := UserDecision{UserID: p.UserID, ServiceAccount: p.IsServiceAccount, Value: in.Value, Reason: in.Reason, Date: now}
		if err := s.store.AddDecision(ctx, a.ID, d); err != nil {
			return err
		}
		a.Decisions = append(a.Decisions, d)
		reason := "denied by " + p.UserID
		if in.Reason != nil && *in.Reason != "" {
			reason += ": " + *in.Reason
		}
		return s.resolve(ctx, a, status, reason, now)
	})
	if err != nil {
		return ApprovalView{}, err
	}
	if a.Status == ApprovalApproved {
		if s.afterApproved != nil {
			s.afterApproved()
		}
		s.execute(ctx, a)
	}
	return s.view(ctx, a), nil
}

// resolve sets a's status (in the unit of work of ctx); a status other
// than Pending resolves the approval and its activity.
func (s *Service) resolve(ctx context.Context, a *Approval, status, reason string, now time.Time) error {
	a.Status, a.Updated = status, now
	if status != ApprovalPending {
		a.Resolved = now
		r, err := s.runner(a.ActivityKind)
		if err != nil {
			return err
		}
		if status == ApprovalApproved {
			err = r.Approved(ctx, a.OrgID, a.TargetID)
		} else {
			err = r.Rejected(ctx, a.OrgID, a.TargetID, reason)
		}
		if err != nil {
			return err
		}
	}
	if err := s.store.UpdateApproval(ctx, a); err != nil {
		return err
	}
	if status == ApprovalPending {
		return nil
	}
	return s.events.Emit(ctx, a.OrgID, "policy.approval.resolved", map[string]any{"approval": a.View()})
}

// execute carries out an approved activity; a failure is left to Resume.
func (s *Service) execute(ctx context.Context, a *Approval) {
	r, err := s.runner(a.ActivityKind)
	if err == nil {
		err = r.Execute(context.WithoutCancel(ctx), a.OrgID, a.TargetID)
	}
	if err != nil {
		s.logger.Warn("approved activity not carried out yet; it will be resumed", "approval", a.ID, "error", err.Error())
	}
}

// Sweep expires the approvals whose autoRejectTimeout passed (their
// activities end Rejected) and carries out the approved activities a crash
// left undone. The background worker calls it; it is safe on several
// replicas at once (each expiry locks its approval; Runner.Execute does
// nothing for an activity already carried out).
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now()
	expired, err := s.store.ExpiredApprovals(ctx, now, 100)
	if err != nil {
		return err
	}
	for _, e := range expired {
		err := s.store.Tx(ctx, func(ctx context.Context) error {
			a, err := s.store.Approval(ctx, e.OrgID, e.ID, true)
			if err != nil || a.Status != ApprovalPending {
				return err
			}
			return s.resolve(ctx, a, ApprovalExpired, "approval expired", now)
		})
		if err != nil {
			return err
		}
	}
	s.mu.RLock()
	runners := make([]Runner, 0, len(s.runners))
	for _, r := range s.runners {
		runners = append(runners, r)
	}
	s.mu.RUnlock()
	var errs []error
	for _, r := range runners {
		errs = append(errs, r.Resume(ctx))
	}
	return errors.Join(errs...)
}
