package policy

import (
	"context"
	"encoding/json"
	"errors"
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
	err = s.Govern(ctx, pr, act, Governed{ActivityKind: KindPoliciesModify, Kind: "Policy", OperationKind: "Update",
		EntityID: cur.ID, PolicyID: cur.ID, Body: next.View()}, func(ctx context.Context) error {
		return s.store.UpdatePolicy(ctx, next)
	})
	var pending *PendingError
	if errors.As(err, &pending) {
		return Change[View]{Pending: pending.Request}, nil
	}
	if err != nil {
		return Change[View]{}, err
	}
	return Change[View]{Done: next.View()}, nil
}

// applyPolicyChange applies an approved Policies:Modify change request.
func (s *Service) applyPolicyChange(ctx context.Context, cr *ChangeRequest) error {
	var v View
	if err := json.Unmarshal(cr.Body, &v); err != nil {
		return fmt.Errorf("change request %s body: %w", cr.ID, err)
	}
	cur, err := s.store.Policy(ctx, cr.OrgID, cr.EntityID)
	if err != nil {
		return err
	}
	next := &Policy{ID: cur.ID, OrgID: cur.OrgID, Name: v.Name, ActivityKind: v.ActivityKind, Status: v.Status,
		Rule: v.Rule, Action: v.Action, Filters: v.Filters, Created: cur.Created, Updated: s.now()}
	if err := next.Rule.prepare(); err != nil {
		return err
	}
	return s.store.UpdatePolicy(ctx, next)
}
