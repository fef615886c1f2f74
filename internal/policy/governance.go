package policy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// Governed is a change that Permissions:Assign, Permissions:Modify or
// Policies:Modify policies may hold for approval (docs/protocol/policies.md
// §3).
type Governed struct {
	ActivityKind  string // KindPermissionsAssign, KindPermissionsModify, KindPoliciesModify
	Kind          string // the change request kind: Policy, Permission, Assignment
	OperationKind string // Create, Update, Delete
	EntityID      string
	// PermissionID and PolicyID are what the permissionId and policyId
	// filters match.
	PermissionID string
	PolicyID     string
	// Body is the would-be entity, what the change request shows and
	// what is applied on approval.
	Body any
}

// PendingError is the outcome of a governed change held for approval:
// the HTTP layer answers 202 with the change request (the TS SDK raises
// PolicyPendingError on it).
type PendingError struct {
	Request *ChangeRequestView
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("change request %s waits for approval %s", e.Request.ID, e.Request.ApprovalID)
}

// Govern evaluates change c by p. Allowed, apply runs in one unit of work
// with the consumption of act (and the evaluation record) and Govern
// returns nil; blocked, a 403; held, the change request and its approval
// are stored with the consumption of act and Govern returns a
// *PendingError. The held change is applied on approval by the function
// registered for c.ActivityKind (RegisterChanges).
func (s *Service) Govern(ctx context.Context, p *principal.Principal, act store.Consumer, c Governed, apply func(ctx context.Context) error) error {
	crID := id.New("cr")
	d, err := s.Evaluate(ctx, Activity{Kind: c.ActivityKind, Principal: p, PermissionID: c.PermissionID,
		PolicyID: c.PolicyID, RequestID: crID})
	if err != nil {
		return err
	}
	body, err := json.Marshal(c.Body)
	if err != nil {
		return fmt.Errorf("policy: marshal change: %w", err)
	}
	cr := &ChangeRequest{ID: crID, OrgID: p.OrgID, Kind: c.Kind, OperationKind: c.OperationKind, EntityID: c.EntityID,
		Status: ChangePending, Requester: Requester{UserID: p.UserID, TokenID: p.TokenID, AppID: p.AppID},
		Body: body, ApprovalID: d.ApprovalID, Created: s.now()}
	switch d.Outcome {
	case Deny:
		return apierr.Forbidden("%s %s %s is %s", c.Kind, c.EntityID, "change", d.Reason)
	case Pending:
		err := store.Run(ctx, s.store, act, func(ctx context.Context) error {
			if prev, err := s.store.PendingChangeRequest(ctx, p.OrgID, c.EntityID); err != nil {
				return err
			} else if prev != nil {
				return apierr.Conflict("%s %s already has a pending change request %s", c.Kind, c.EntityID, prev.ID)
			}
			if err := s.store.CreateChangeRequest(ctx, cr); err != nil {
				return err
			}
			return d.Commit(ctx, changeActivity(c.ActivityKind, cr))
		})
		if err != nil {
			return err
		}
		return &PendingError{Request: cr.View()}
	}
	return store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if d.Commit != nil {
			cr.Status, cr.Resolved = ChangeApplied, cr.Created
			if err := d.Commit(ctx, changeActivity(c.ActivityKind, cr)); err != nil {
				return err
			}
		}
		return apply(ctx)
	})
}

// PendingChange returns the pending change request of an entity, or nil.
func (s *Service) PendingChange(ctx context.Context, org, entityID string) (*ChangeRequestView, error) {
	cr, err := s.store.PendingChangeRequest(ctx, org, entityID)
	if err != nil || cr == nil {
		return nil, err
	}
	return cr.View(), nil
}

// RegisterChanges makes apply carry out the approved change requests of
// activityKind, in the unit of work of the approving decision.
func (s *Service) RegisterChanges(activityKind string, apply func(ctx context.Context, cr *ChangeRequest) error) {
	s.Register(activityKind, changeRunner{s: s, kind: activityKind, apply: apply})
}

// changeRunner carries out approved change requests: the change is applied
// in the unit of work of the approving decision, so nothing is left to
// execute afterwards.
type changeRunner struct {
	s     *Service
	kind  string
	apply func(ctx context.Context, cr *ChangeRequest) error
}

func (c changeRunner) Approved(ctx context.Context, org, crID string) error {
	return c.s.resolveChange(ctx, org, crID, func(cr *ChangeRequest) error {
		cr.Status = ChangeApplied
		return c.apply(ctx, cr)
	})
}

func (c changeRunner) Rejected(ctx context.Context, org, crID, _ string) error {
	return c.s.resolveChange(ctx, org, crID, func(cr *ChangeRequest) error {
		cr.Status = ChangeRejected
		return nil
	})
}

func (changeRunner) Execute(context.Context, string, string) error { return nil }
func (changeRunner) Resume(context.Context) error                  { return nil }

func (c changeRunner) Activity(ctx context.Context, org, crID string) (json.RawMessage, error) {
	cr, err := c.s.store.ChangeRequest(ctx, org, crID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(changeActivity(c.kind, cr))
}

// resolveChange runs apply on the Pending change request crID and stores
// its new status.
func (s *Service) resolveChange(ctx context.Context, org, crID string, apply func(*ChangeRequest) error) error {
	cr, err := s.store.ChangeRequest(ctx, org, crID)
	if err != nil {
		return err
	}
	if cr.Status != ChangePending {
		return nil
	}
	if err := apply(cr); err != nil {
		return err
	}
	cr.Resolved = s.now()
	return s.store.UpdateChangeRequest(ctx, cr)
}

// changeActivity is the activity of an approval on a change request.
func changeActivity(kind string, cr *ChangeRequest) map[string]any {
	return map[string]any{"kind": kind, "changeRequest": cr.View()}
}
