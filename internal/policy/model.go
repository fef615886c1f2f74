package policy

import (
	"encoding/json"
	"time"
)

// Activity kinds a policy may govern besides KindWalletsSign
// (docs/protocol/policies.md §1).
const (
	KindPermissionsAssign = "Permissions:Assign"
	KindPermissionsModify = "Permissions:Modify"
	KindPoliciesModify    = "Policies:Modify"
)

// Rule kinds.
const (
	RuleAlwaysTrigger      = "AlwaysTrigger"
	RuleRecipientWhitelist = "TransactionRecipientWhitelist"
	RuleAmountLimit        = "TransactionAmountLimit"
	RuleAmountVelocity     = "TransactionAmountVelocity"
	RuleCountVelocity      = "TransactionCountVelocity"
)

// Action kinds.
const (
	ActionRequestApproval = "RequestApproval"
	ActionBlock           = "Block"
	ActionNoAction        = "NoAction"
)

// Policy statuses.
const (
	StatusActive   = "Active"
	StatusArchived = "Archived"
)

// Policy is a rule of an organisation: when an activity of ActivityKind
// matching Filters triggers Rule, Action happens.
type Policy struct {
	ID           string
	OrgID        string
	Name         string
	ActivityKind string
	Status       string
	Rule         Rule
	Action       Action
	Filters      *Filters
	Created      time.Time
	Updated      time.Time
}

// Rule is a policy rule; Configuration is kept as received (validated) and
// its parsed form in the unexported fields.
type Rule struct {
	Kind          string          `json:"kind"`
	Configuration json.RawMessage `json:"configuration,omitempty"`

	addresses map[string]bool // RecipientWhitelist, canonical forms
	limit     float64         // AmountLimit, AmountVelocity, CountVelocity
	timeframe time.Duration   // velocity rules
}

// Action is what a triggered policy does.
type Action struct {
	Kind              string  `json:"kind"`
	ApprovalGroups    []Group `json:"approvalGroups,omitempty"`
	AutoRejectTimeout *int    `json:"autoRejectTimeout,omitempty"`
}

// Group is an approval group: Quorum of its approvers must approve.
type Group struct {
	Name                      *string   `json:"name,omitempty"`
	Quorum                    int       `json:"quorum"`
	Approvers                 Approvers `json:"approvers"`
	InitiatorCanApprove       *bool     `json:"initiatorCanApprove,omitempty"`
	ServiceAccountsCanApprove *bool     `json:"serviceAccountsCanApprove,omitempty"`
}

// Approvers names who may approve; no userId means any user of the org.
type Approvers struct {
	UserID *InList `json:"userId,omitempty"`
}

// InList is an {in: [...]} filter.
type InList struct {
	In []string `json:"in"`
}

// TagFilter is the walletTags filter.
type TagFilter struct {
	HasAny []string `json:"hasAny,omitempty"`
	HasAll []string `json:"hasAll,omitempty"`
}

// Filters narrow a policy to some activities; the keys are AND-ed.
type Filters struct {
	WalletID     *InList    `json:"walletId,omitempty"`
	WalletTags   *TagFilter `json:"walletTags,omitempty"`
	PermissionID *InList    `json:"permissionId,omitempty"`
	PolicyID     *InList    `json:"policyId,omitempty"`
}

// stored is what the policies table keeps in its body column.
type stored struct {
	Rule    Rule     `json:"rule"`
	Action  Action   `json:"action"`
	Filters *Filters `json:"filters,omitempty"`
}

// MarshalBody returns the JSON kept for p's rule, action and filters.
func (p *Policy) MarshalBody() ([]byte, error) {
	return json.Marshal(stored{Rule: p.Rule, Action: p.Action, Filters: p.Filters})
}

// UnmarshalBody sets p's rule, action and filters from stored JSON and
// prepares the rule for evaluation.
func (p *Policy) UnmarshalBody(b []byte) error {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p.Rule, p.Action, p.Filters = s.Rule, s.Action, s.Filters
	return p.Rule.prepare()
}

// matches reports whether the filters select activity a (no filters:
// every activity of the kind).
func (f *Filters) matches(a *Activity) bool {
	if f == nil {
		return true
	}
	if f.WalletID != nil && !contains(f.WalletID.In, a.WalletID) {
		return false
	}
	if t := f.WalletTags; t != nil {
		if len(t.HasAny) > 0 && !anyIn(t.HasAny, a.WalletTags) {
			return false
		}
		for _, tag := range t.HasAll {
			if !contains(a.WalletTags, tag) {
				return false
			}
		}
	}
	if f.PermissionID != nil && !contains(f.PermissionID.In, a.PermissionID) {
		return false
	}
	if f.PolicyID != nil && !contains(f.PolicyID.In, a.PolicyID) {
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func anyIn(want, have []string) bool {
	for _, w := range want {
		if contains(have, w) {
			return true
		}
	}
	return false
}

// View is a policy on the wire (PolicyBody + id, status and dates).
type View struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ActivityKind         string             `json:"activityKind"`
	Rule                 Rule               `json:"rule"`
	Action               Action             `json:"action"`
	Filters              *Filters           `json:"filters,omitempty"`
	Status               string             `json:"status"`
	DateCreated          string             `json:"dateCreated,omitempty"`
	DateUpdated          string             `json:"dateUpdated,omitempty"`
	PendingChangeRequest *ChangeRequestView `json:"pendingChangeRequest,omitempty"`
}
