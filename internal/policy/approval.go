package policy

import (
	"encoding/json"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/wire"
)

// Approval statuses.
const (
	ApprovalPending  = "Pending"
	ApprovalApproved = "Approved"
	ApprovalDenied   = "Denied"
	ApprovalExpired  = "Expired"
)

// Decision values.
const (
	Approved = "Approved"
	Denied   = "Denied"
)

// Approval holds an activity until its approval groups reach their quorums
// (docs/protocol/policies.md §2).
type Approval struct {
	ID           string
	OrgID        string
	InitiatorID  string
	ActivityKind string
	// TargetID is what the approval holds: a signature request or a
	// change request.
	TargetID    string
	Activity    json.RawMessage
	Status      string
	Groups      []ApprovalGroup
	Evaluations []Evaluation
	Decisions   []UserDecision
	Expires     time.Time
	Created     time.Time
	Updated     time.Time
	Resolved    time.Time
}

// ApprovalGroup is a group of a triggered policy, as the approval keeps it.
type ApprovalGroup struct {
	PolicyID string `json:"policyId"`
	Group
}

// Evaluation is the outcome of one policy on one activity.
type Evaluation struct {
	ID        string          `json:"-"`
	PolicyID  string          `json:"policyId"`
	Triggered bool            `json:"triggered"`
	Reason    string          `json:"reason"`
	Context   json.RawMessage `json:"context,omitempty"`
}

// UserDecision is one user's decision on an approval.
type UserDecision struct {
	UserID string
	// ServiceAccount is set when the user is a service account (it
	// counts only in groups that let service accounts approve).
	ServiceAccount bool
	Value          string
	Reason         *string
	Date           time.Time
}

// member reports whether the caller p belongs to group g of an approval
// initiated by initiator: listed (or any user when none is), not the
// initiator unless initiatorCanApprove, not a service account unless
// serviceAccountsCanApprove.
func (g *ApprovalGroup) member(p *principal.Principal, initiator string) bool {
	if u := g.Approvers.UserID; u != nil && !contains(u.In, p.UserID) {
		return false
	}
	if p.UserID == initiator && (g.InitiatorCanApprove == nil || !*g.InitiatorCanApprove) {
		return false
	}
	if p.IsServiceAccount && (g.ServiceAccountsCanApprove == nil || !*g.ServiceAccountsCanApprove) {
		return false
	}
	return true
}

// decide applies p's decision value to a (Pending) approval and returns
// the approval's new status: the rules of docs/protocol/policies.md §2.
func (a *Approval) decide(p *principal.Principal, value string) (string, error) {
	if a.Status != ApprovalPending {
		return "", apierr.BadRequest("approval %s is %s: it takes no more decisions", a.ID, a.Status)
	}
	for _, d := range a.Decisions {
		if d.UserID == p.UserID {
			return "", apierr.BadRequest("user %s has already decided on approval %s", p.UserID, a.ID)
		}
	}
	eligible := false
	for i := range a.Groups {
		if a.Groups[i].member(p, a.InitiatorID) {
			eligible = true
		}
	}
	switch {
	case value == Denied && p.UserID == a.InitiatorID:
		// The initiator may always withdraw (deny) its own request.
	case !eligible:
		reason := "is not an approver of"
		if p.UserID == a.InitiatorID {
			reason = "initiated, and the policy does not let the initiator approve,"
		} else if p.IsServiceAccount {
			reason = "is a service account, and the policy does not let service accounts approve,"
		}
		return "", apierr.Forbidden("%s %s approval %s", p.Describe(), reason, a.ID)
	}
	if value == Denied {
		return ApprovalDenied, nil
	}
	// Every group must reach its quorum, counting each approving user in
	// every group they belong to (with this decision included).
	for i := range a.Groups {
		g := &a.Groups[i]
		n := 0
		if g.member(p, a.InitiatorID) {
			n++
		}
		for _, d := range a.Decisions {
			if d.Value == Approved && g.member(&principal.Principal{UserID: d.UserID, IsServiceAccount: d.ServiceAccount}, a.InitiatorID) {
				n++
			}
		}
		if n < g.Quorum {
			return ApprovalPending, nil
		}
	}
	return ApprovalApproved, nil
}

// ApprovalView is an approval on the wire.
type ApprovalView struct {
	ID                string          `json:"id"`
	InitiatorID       string          `json:"initiatorId"`
	Activity          json.RawMessage `json:"activity"`
	Status            string          `json:"status"`
	ExpirationDate    string          `json:"expirationDate,omitempty"`
	DateCreated       string          `json:"dateCreated"`
	DateUpdated       string          `json:"dateUpdated"`
	DateResolved      string          `json:"dateResolved,omitempty"`
	PolicyEvaluations []Evaluation    `json:"policyEvaluations"`
	Decisions         []DecisionView  `json:"decisions"`
}

// DecisionView is a decision on the wire.
type DecisionView struct {
	UserID string  `json:"userId"`
	Date   string  `json:"date"`
	Reason *string `json:"reason"`
	Value  string  `json:"value"`
}

// View renders a for the wire.
func (a *Approval) View() ApprovalView {
	v := ApprovalView{ID: a.ID, InitiatorID: a.InitiatorID, Activity: a.Activity, Status: a.Status,
		ExpirationDate: stamp(a.Expires), DateCreated: stamp(a.Created), DateUpdated: stamp(a.Updated),
		DateResolved: stamp(a.Resolved), PolicyEvaluations: a.Evaluations, Decisions: make([]DecisionView, 0, len(a.Decisions))}
	if v.PolicyEvaluations == nil {
		v.PolicyEvaluations = []Evaluation{}
	}
	for _, d := range a.Decisions {
		v.Decisions = append(v.Decisions, DecisionView{UserID: d.UserID, Date: stamp(d.Date), Reason: d.Reason, Value: d.Value})
	}
	return v
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return wire.Time(t)
}
