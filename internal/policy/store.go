package policy

import (
	"context"
	"encoding/json"
	"time"

	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/store"
)

// Store is what the policy engine needs of storage. Queries are scoped by
// org; a missing object is an apierr NotFound.
type Store interface {
	store.Unit

	CreatePolicy(ctx context.Context, p *Policy) error
	Policy(ctx context.Context, org, id string) (*Policy, error)
	Policies(ctx context.Context, org, status string, pg identity.Page) ([]*Policy, string, error)
	// UpdatePolicy writes name, kind, status, body and dates of p.
	UpdatePolicy(ctx context.Context, p *Policy) error
	// ActivePolicies returns the active policies of org, from a cache
	// that every policy write invalidates: on the signing path it costs
	// no database round trip. The result is shared: read it only.
	ActivePolicies(ctx context.Context, org string) ([]*Policy, error)

	// CreateApproval inserts a (Pending, without decisions).
	CreateApproval(ctx context.Context, a *Approval) error
	// Approval returns approval id of org with its decisions; lock holds
	// its row until the unit of work of ctx ends (FOR UPDATE), so that
	// decisions on one approval are made one after the other.
	Approval(ctx context.Context, org, id string, lock bool) (*Approval, error)
	Approvals(ctx context.Context, org string, f ApprovalFilter, pg identity.Page) ([]*Approval, string, error)
	AddDecision(ctx context.Context, approvalID string, d UserDecision) error
	// UpdateApproval writes status and dates of a.
	UpdateApproval(ctx context.Context, a *Approval) error
	// ExpiredApprovals lists up to limit Pending approvals (any org) that
	// expired before now.
	ExpiredApprovals(ctx context.Context, now time.Time, limit int) ([]*Approval, error)

	// RecordEvaluations stores the evaluations of one activity.
	RecordEvaluations(ctx context.Context, org, targetID string, evs []Evaluation, at time.Time) error
	// RecordWalletActivity and WalletActivity keep what velocity rules
	// count: usd < 0 is an activity of unknown value.
	RecordWalletActivity(ctx context.Context, org, walletID, targetID string, usd float64, at time.Time) error
	WalletActivity(ctx context.Context, org, walletID string, since time.Time) (count int, usd float64, unknown bool, err error)

	CreateChangeRequest(ctx context.Context, c *ChangeRequest) error
	ChangeRequest(ctx context.Context, org, id string) (*ChangeRequest, error)
	// PendingChangeRequest returns the Pending change request of entity,
	// or nil.
	PendingChangeRequest(ctx context.Context, org, entityID string) (*ChangeRequest, error)
	// UpdateChangeRequest writes status and dateResolved of c.
	UpdateChangeRequest(ctx context.Context, c *ChangeRequest) error
}

// ApprovalFilter narrows GET /v2/policy-approvals.
type ApprovalFilter struct {
	Status      string
	InitiatorID string
	ApproverID  string
}

// ChangeRequest is a governed change waiting for approval
// (docs/protocol/policies.md §3).
type ChangeRequest struct {
	ID            string
	OrgID         string
	Kind          string // Policy, Permission, Assignment
	OperationKind string // Create, Update, Delete
	EntityID      string
	Status        string // Pending, Applied, Failed, Rejected
	Requester     Requester
	Body          json.RawMessage
	ApprovalID    string
	Created       time.Time
	Resolved      time.Time
}

// Change request statuses.
const (
	ChangePending  = "Pending"
	ChangeApplied  = "Applied"
	ChangeFailed   = "Failed"
	ChangeRejected = "Rejected"
)

// Requester is who asked for a change.
type Requester struct {
	UserID  string `json:"userId"`
	TokenID string `json:"tokenId,omitempty"`
	AppID   string `json:"appId,omitempty"`
}

// ChangeRequestView is a change request on the wire.
type ChangeRequestView struct {
	ID            string          `json:"id"`
	Requester     Requester       `json:"requester"`
	Kind          string          `json:"kind"`
	OperationKind string          `json:"operationKind"`
	Status        string          `json:"status"`
	EntityID      string          `json:"entityId"`
	DateCreated   string          `json:"dateCreated"`
	DateResolved  string          `json:"dateResolved,omitempty"`
	ApprovalID    string          `json:"approvalId,omitempty"`
	Body          json.RawMessage `json:"body"`
}

// View renders c for the wire.
func (c *ChangeRequest) View() *ChangeRequestView {
	return &ChangeRequestView{ID: c.ID, Requester: c.Requester, Kind: c.Kind, OperationKind: c.OperationKind,
		Status: c.Status, EntityID: c.EntityID, DateCreated: stamp(c.Created), DateResolved: stamp(c.Resolved),
		ApprovalID: c.ApprovalID, Body: c.Body}
}
