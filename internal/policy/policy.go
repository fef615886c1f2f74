// Package policy is the policy engine (docs/protocol/policies.md): policies
// that decide on activities, the approvals they ask for, and the change
// requests that hold governed changes. Every signature request passes
// through an Evaluator before it is signed; Service is the engine,
// AllowAll the evaluator of tests that need none.
package policy

import (
	"context"
	"encoding/json"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/principal"
)

// Activity kinds (PolicyBody.activityKind).
const (
	// KindWalletsSign covers transfers, transactions and signature requests.
	KindWalletsSign = "Wallets:Sign"
)

// Activity is what an evaluator decides on: who asks for what, with which
// key or wallet.
type Activity struct {
	Kind      string
	Principal *principal.Principal
	KeyID     string
	// WalletID and WalletTags are set for wallet requests (policy filters
	// walletId and walletTags).
	WalletID   string
	WalletTags []string
	Network    string
	// RequestKind is the signature kind (Hash, Transaction, Psbt, …).
	RequestKind string
	// Body is the request body as received.
	Body json.RawMessage
	// Key is the signing key (what a PSBT's change and a Solana
	// transfer's source are recognised by).
	Key chain.Key
	// Outflows, when set, gives the payments of the request (transfers
	// and transactions of EVM wallets, whose bodies are not signature
	// requests); otherwise they are decoded from Body by RequestKind.
	Outflows func() ([]chain.Outflow, error)
	// RequestID is the id the request will be stored under (what an
	// approval holds and evaluations are recorded against).
	RequestID string
	// PermissionID and PolicyID are the targets of Permissions:* and
	// Policies:Modify activities (filters permissionId and policyId).
	PermissionID string
	PolicyID     string
}

// Outcome is what an evaluator decided.
type Outcome int

const (
	// Allow lets the request run at once.
	Allow Outcome = iota
	// Pending holds it until the approval ApprovalID is decided.
	Pending
	// Deny rejects it (action Block).
	Deny
)

// Decision is the result of an evaluation.
type Decision struct {
	Outcome    Outcome
	ApprovalID string // set when Outcome is Pending
	Reason     string // shown as the request's reason when denied
	// PolicyID names the policy that triggered, if any.
	PolicyID string
	// Commit, when not nil, records the evaluation (evaluations, the
	// approval of a Pending outcome, events): the caller runs it in the
	// unit of work that stores the request, with the request as the
	// activity the approval shows (e.g. {"kind":"Wallets:Sign",
	// "signatureRequest":{…}}).
	Commit func(ctx context.Context, activity any) error
}

// Evaluator decides on activities.
type Evaluator interface {
	Evaluate(ctx context.Context, a Activity) (Decision, error)
}

// AllowAll allows every activity.
type AllowAll struct{}

var _ Evaluator = AllowAll{}

// Evaluate returns Allow.
func (AllowAll) Evaluate(context.Context, Activity) (Decision, error) {
	return Decision{Outcome: Allow}, nil
}
