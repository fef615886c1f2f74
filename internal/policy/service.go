package policy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// maxActive bounds the active policies of an organisation.
const maxActive = 1000

// View renders p for the wire.
func (p *Policy) View() View {
	return View{ID: p.ID, Name: p.Name, ActivityKind: p.ActivityKind, Rule: p.Rule, Action: p.Action,
		Filters: p.Filters, Status: p.Status, DateCreated: stamp(p.Created), DateUpdated: stamp(p.Updated)}
}

// CreatePolicy serves POST /v2/policies.
func (s *Service) CreatePolicy(ctx context.Context, pr *principal.Principal, act store.Consumer, in *Body) (View, error) {
	p, err := in.Parse()
	if err != nil {
		return View{}, err
	}
	now := s.now()
	p.ID, p.OrgID, p.Status, p.Created, p.Updated = id.New("plc"), pr.OrgID, StatusActive, now, now
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		active, err := s.store.ActivePolicies(ctx, pr.OrgID)
		if err != nil {
			return err
		}
		if len(active) >= maxActive {
			return apierr.BadRequest("the organisation has %d active policies, the most it may have", maxActive)
		}
		return s.store.CreatePolicy(ctx, p)
	})
	if err != nil {
		return View{}, err
	}
	return p.View(), nil
}

// GetPolicy serves GET /v2/policies/{id}: the policy and its pending
// change request, if any.
func (s *Service) GetPolicy(ctx context.Context, pr *principal.Principal, policyID string) (View, error) {
	p, err := s.load(ctx, pr.OrgID, policyID)
	if err != nil {
		return View{}, err
	}
	return s.viewWithPending(ctx, p)
}

func (s *Service) viewWithPending(ctx context.Context, p *Policy) (View, error) {
	v := p.View()
	cr, err := s.store.PendingChangeRequest(ctx, p.OrgID, p.ID)
	if err != nil {
		return View{}, err
	}
	if cr != nil {
		v.PendingChangeRequest = cr.View()
	}
	return v, nil
}

func (s *Service) load(ctx context.Context, org, policyID string) (*Policy, error) {
	if !id.Valid("plc", policyID) {
		return nil, apierr.NotFound("policy %s not found", clip(policyID))
	}
	return s.store.Policy(ctx, org, policyID)
}

// PolicyList is the body of GET /v2/policies.
type PolicyList struct {
	Items         []View `json:"items"`
	NextPageToken string `json:"nextPageToken,omitempty"`
}

// ListPolicies serves GET /v2/policies.
func (s *Service) ListPolicies(ctx context.Context, pr *principal.Principal, status string, pg identity.Page) (PolicyList, error) {
	if status != "" && status != StatusActive && status != StatusArchived {
		return PolicyList{}, apierr.BadRequest("status must be Active or Archived")
	}
	ps, next, err := s.store.Policies(ctx, pr.OrgID, status, pg)
	if err != nil {
		return PolicyList{}, err
	}
	out := PolicyList{Items: make([]View, 0, len(ps)), NextPageToken: next}
	for _, p := range ps {
		v, err := s.viewWithPending(ctx, p)
		if err != nil {
			return PolicyList{}, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}

// Change is the answer of a governed change: the entity when it was made
// at once, or the change request (HTTP 202) that waits for approval.
type Change[T any] struct {
	Done    T
	Pending *ChangeRequestView
}

// UpdatePolicy serves PUT /v2/policies/{id}.
func (s *Service) UpdatePolicy(ctx context.Context, pr *principal.Principal, act store.Consumer, policyID string, in *Body) (Change[View], error) {
	p, err := in.Parse()
	if err != nil {
		return Change[View]{}, err
	}
	return s.modify(ctx, pr, act, policyID, func(cur *Policy) *Policy {
		p.ID, p.OrgID, p.Status, p.Created = cur.ID, cur.OrgID, cur.Status, cur.Created
		return p
	})
}

// ArchivePolicy serves DELETE /v2/policies/{id}.
func (s *Service) ArchivePolicy(ctx context.Context, pr *principal.Principal, act store.Consumer, policyID string) (Change[View], error) {
	return s.modify(ctx, pr, act, policyID, func(cur *Policy) *Policy {
		next := *cur
		next.Status = StatusArchived
		return &next
	})
}

// modify changes a policy to what change makes of it, at once or, when a
// Policies:Modify policy asks for approval, through a change request.
func (s *Service) modify(ctx context.Context, pr *principal.Principal, act store.Consumer, policyID string, change func(*Policy) *Policy) (Change[View], error) {
	cur, err := s.load(ctx, pr.OrgID, policyID)
	if err != nil {
		return Change[View]{}, err
	}
	if cur.Status == StatusArchived {
		return Change[View]{}, apierr.BadRequest("policy %s is archived", cur.ID)
	}
	next := change(cur)
	next.Updated = s.now()
	crID := id.New("cr")
	d, err := s.Evaluate(ctx, Activity{Kind: KindPoliciesModify, Principal: pr, PolicyID: cur.ID, RequestID: crID})
	if err != nil {
		return Change[View]{}, err
	}
	switch d.Outcome {
	case Deny:
		return Change[View]{}, apierr.Forbidden("the change of policy %s is %s", cur.ID, d.Reason)
	case Pending:
		body, err := json.Marshal(next.View())
		if err != nil {
			return Change[View]{}, err
		}
		cr := &ChangeRequest{ID: crID, OrgID: pr.OrgID, Kind: "Policy", OperationKind: "Update", EntityID: cur.ID,
			Status: ChangePending, Requester: Requester{UserID: pr.UserID, TokenID: pr.TokenID, AppID: pr.AppID},
			Body: body, ApprovalID: d.ApprovalID, Created: next.Updated}
		err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
			if prev, err := s.store.PendingChangeRequest(ctx, pr.OrgID, cur.ID); err != nil {
				return err
			} else if prev != nil {
				return apierr.Conflict("policy %s already has a pending change request %s", cur.ID, prev.ID)
			}
			if err := s.store.CreateChangeRequest(ctx, cr); err != nil {
				return err
			}
			return d.Commit(ctx, changeActivity(KindPoliciesModify, cr))
		})
		if err != nil {
			return Change[View]{}, err
		}
		return Change[View]{Pending: cr.View()}, nil
	}
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if d.Commit != nil {
			if err := d.Commit(ctx, changeActivity(KindPoliciesModify, &ChangeRequest{ID: crID, Kind: "Policy",
				OperationKind: "Update", EntityID: cur.ID, Status: ChangeApplied, Created: next.Updated})); err != nil {
				return err
			}
		}
		return s.store.UpdatePolicy(ctx, next)
	})
	if err != nil {
		return Change[View]{}, err
	}
	return Change[View]{Done: next.View()}, nil
}

// changeActivity is the activity of an approval on a change request.
func changeActivity(kind string, cr *ChangeRequest) map[string]any {
	return map[string]any{"kind": kind, "changeRequest": cr.View()}
}

// policyChanges carries out approved Policies:Modify change requests: the
// change is applied in the unit of work of the approving decision.
type policyChanges struct{ s *Service }

func (c policyChanges) Approved(ctx context.Context, org, crID string) error {
	return c.s.resolveChange(ctx, org, crID, func(cr *ChangeRequest) error {
		var v View
		if err := json.Unmarshal(cr.Body, &v); err != nil {
			return fmt.Errorf("change request %s body: %w", cr.ID, err)
		}
		cur, err := c.s.store.Policy(ctx, org, cr.EntityID)
		if err != nil {
			return err
		}
		next := &Policy{ID: cur.ID, OrgID: org, Name: v.Name, ActivityKind: v.ActivityKind, Status: v.Status,
			Rule: v.Rule, Action: v.Action, Filters: v.Filters, Created: cur.Created, Updated: c.s.now()}
		if err := next.Rule.prepare(); err != nil {
			return err
		}
		cr.Status = ChangeApplied
		return c.s.store.UpdatePolicy(ctx, next)
	})
}

func (c policyChanges) Rejected(ctx context.Context, org, crID, _ string) error {
	return c.s.resolveChange(ctx, org, crID, func(cr *ChangeRequest) error {
		cr.Status = ChangeRejected
		return nil
	})
}

func (policyChanges) Execute(context.Context, string, string) error { return nil }
func (policyChanges) Resume(context.Context) error                  { return nil }

func (c policyChanges) Activity(ctx context.Context, org, crID string) (json.RawMessage, error) {
	cr, err := c.s.store.ChangeRequest(ctx, org, crID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(changeActivity(KindPoliciesModify, cr))
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
