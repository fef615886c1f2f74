package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/validate"
)

// Bounds of what a policy may hold (every caller-controlled size is
// bounded).
const (
	maxName       = 200
	maxGroups     = 10
	maxApprovers  = 100
	maxFilterIDs  = 1000
	maxAddresses  = 1000
	maxTimeframe  = 43200 // minutes
	maxAutoReject = 525600
)

// Body is PolicyBody, the request of POST and PUT /v2/policies.
type Body struct {
	Name         string          `json:"name"`
	ActivityKind string          `json:"activityKind"`
	Rule         json.RawMessage `json:"rule"`
	Action       json.RawMessage `json:"action"`
	Filters      json.RawMessage `json:"filters"`
}

// combos lists, per activity kind Custos governs, the rules, actions and
// filter keys it allows (docs/protocol/policies.md §1.1).
var combos = map[string]struct {
	rules, actions, filters []string
}{
	KindWalletsSign: {
		rules:   []string{RuleAlwaysTrigger, RuleRecipientWhitelist, RuleAmountLimit, RuleAmountVelocity, RuleCountVelocity},
		actions: []string{ActionRequestApproval, ActionBlock, ActionNoAction},
		filters: []string{"walletId", "walletTags"},
	},
	KindPermissionsAssign: {rules: []string{RuleAlwaysTrigger}, actions: []string{ActionRequestApproval, ActionBlock}, filters: []string{"permissionId"}},
	KindPermissionsModify: {rules: []string{RuleAlwaysTrigger}, actions: []string{ActionRequestApproval, ActionBlock}, filters: []string{"permissionId"}},
	KindPoliciesModify:    {rules: []string{RuleAlwaysTrigger}, actions: []string{ActionRequestApproval}, filters: []string{"policyId"}},
}

// needsIntegration names what Custos lacks for the kinds and rules of the
// Dfns policy engine it cannot evaluate.
var needsIntegration = map[string]string{
	"Wallets:IncomingTransaction":         "the Chainalysis screening integration",
	"Registry:Addresses:Modify":           "the address registry",
	"Registry:ContractSchemas:Modify":     "the contract schema registry",
	"ChainalysisTransactionPrescreening":  "the Chainalysis integration",
	"ChainalysisTransactionScreening":     "the Chainalysis integration",
	"GlobalLedgerTransactionPrescreening": "the Global Ledger integration",
	"TravelRuleTransactionPrescreening":   "the Travel Rule (Notabene) integration",
}

// Parse validates b against the allowed combinations and returns the
// policy it describes (without id, org, status or dates), or a 400 that
// says what is wrong.
func (b *Body) Parse() (*Policy, error) {
	if err := validate.Name("name", b.Name); err != nil {
		return nil, err
	}
	if err := validate.Word("activityKind", b.ActivityKind); err != nil {
		return nil, err
	}
	for field, raw := range map[string]json.RawMessage{"rule": b.Rule, "action": b.Action, "filters": b.Filters} {
		if err := checkStrings(field, raw); err != nil {
			return nil, err
		}
	}
	if what, ok := needsIntegration[b.ActivityKind]; ok {
		return nil, apierr.BadRequest("activityKind %s needs %s, which Custos does not have", b.ActivityKind, what)
	}
	c, ok := combos[b.ActivityKind]
	if !ok {
		return nil, apierr.BadRequest("activityKind %q is not one of Wallets:Sign, Permissions:Assign, Permissions:Modify, Policies:Modify", clip(b.ActivityKind))
	}
	p := &Policy{Name: b.Name, ActivityKind: b.ActivityKind}
	if err := strictDecode("rule", b.Rule, &p.Rule); err != nil {
		return nil, err
	}
	if what, ok := needsIntegration[p.Rule.Kind]; ok {
		return nil, apierr.BadRequest("rule %s needs %s, which Custos does not have", p.Rule.Kind, what)
	}
	if !contains(c.rules, p.Rule.Kind) {
		return nil, apierr.BadRequest("rule %q is not allowed with activityKind %s (allowed: %s)", clip(p.Rule.Kind), b.ActivityKind, strings.Join(c.rules, ", "))
	}
	if err := p.Rule.validate(); err != nil {
		return nil, err
	}
	if err := strictDecode("action", b.Action, &p.Action); err != nil {
		return nil, err
	}
	if !contains(c.actions, p.Action.Kind) {
		return nil, apierr.BadRequest("action %q is not allowed with activityKind %s (allowed: %s)", clip(p.Action.Kind), b.ActivityKind, strings.Join(c.actions, ", "))
	}
	if err := p.Action.validate(); err != nil {
		return nil, err
	}
	if len(b.Filters) > 0 && string(b.Filters) != "null" {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(b.Filters, &keys); err != nil {
			return nil, apierr.BadRequest("filters must be an object")
		}
		for k := range keys {
			if !contains(c.filters, k) {
				return nil, apierr.BadRequest("filter %q is not allowed with activityKind %s (allowed: %s)", clip(k), b.ActivityKind, strings.Join(c.filters, ", "))
			}
		}
		var f Filters
		if err := strictDecode("filters", b.Filters, &f); err != nil {
			return nil, err
		}
		if err := f.validate(); err != nil {
			return nil, err
		}
		p.Filters = &f
	}
	return p, nil
}

// strictDecode decodes raw into v refusing unknown fields, or returns a
// 400 naming field.
func strictDecode(field string, raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return apierr.BadRequest("%s is required", field)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return apierr.BadRequest("%s.%s has the wrong type", field, te.Field)
		}
		return apierr.BadRequest("%s is not valid: %s", field, clip(err.Error()))
	}
	return nil
}

// ruleConfig is every configuration field a rule may carry.
type ruleConfig struct {
	Addresses *[]string `json:"addresses"`
	Limit     *float64  `json:"limit"`
	Currency  *string   `json:"currency"`
	Timeframe *float64  `json:"timeframe"`
}

func (r *Rule) validate() error {
	var c ruleConfig
	has := len(r.Configuration) > 0 && string(r.Configuration) != "null"
	if has {
		if err := strictDecode("rule.configuration", r.Configuration, &c); err != nil {
			return err
		}
	}
	need := func(ok bool, field string) error {
		if !ok {
			return apierr.BadRequest("rule %s needs configuration.%s", r.Kind, field)
		}
		return nil
	}
	switch r.Kind {
	case RuleAlwaysTrigger:
		if c != (ruleConfig{}) {
			return apierr.BadRequest("rule AlwaysTrigger takes no configuration")
		}
	case RuleRecipientWhitelist:
		if err := need(c.Addresses != nil, "addresses"); err != nil {
			return err
		}
		if len(*c.Addresses) > maxAddresses {
			return apierr.BadRequest("rule.configuration.addresses holds at most %d addresses", maxAddresses)
		}
		for _, a := range *c.Addresses {
			if strings.TrimSpace(a) == "" || len(a) > 200 {
				return apierr.BadRequest("rule.configuration.addresses holds an empty or over-long address")
			}
		}
	case RuleAmountLimit, RuleAmountVelocity:
		if err := need(c.Limit != nil, "limit"); err != nil {
			return err
		}
		if err := need(c.Currency != nil, "currency"); err != nil {
			return err
		}
		if *c.Currency != "USD" {
			return apierr.BadRequest("rule.configuration.currency must be USD")
		}
	case RuleCountVelocity:
		if err := need(c.Limit != nil, "limit"); err != nil {
			return err
		}
	}
	if c.Limit != nil && *c.Limit < 0 {
		return apierr.BadRequest("rule.configuration.limit must not be negative")
	}
	if r.Kind == RuleAmountVelocity || r.Kind == RuleCountVelocity {
		if err := need(c.Timeframe != nil, "timeframe"); err != nil {
			return err
		}
		if tf := *c.Timeframe; tf != float64(int(tf)) || tf < 1 || tf > maxTimeframe {
			return apierr.BadRequest("rule.configuration.timeframe must be a whole number of minutes from 1 to %d", maxTimeframe)
		}
	} else if c.Timeframe != nil {
		return apierr.BadRequest("rule %s takes no timeframe", r.Kind)
	}
	return r.prepare()
}

// prepare fills the parsed form of a validated configuration.
func (r *Rule) prepare() error {
	if len(r.Configuration) == 0 {
		return nil
	}
	var c ruleConfig
	if err := json.Unmarshal(r.Configuration, &c); err != nil {
		return fmt.Errorf("policy rule configuration: %w", err)
	}
	if c.Addresses != nil {
		r.addresses = make(map[string]bool, len(*c.Addresses))
		for _, a := range *c.Addresses {
			r.addresses[canonicalAddress(a)] = true
		}
	}
	if c.Limit != nil {
		r.limit = *c.Limit
	}
	if c.Timeframe != nil {
		r.timeframe = time.Duration(*c.Timeframe) * time.Minute
	}
	return nil
}

func (a *Action) validate() error {
	if a.Kind != ActionRequestApproval {
		if a.ApprovalGroups != nil || a.AutoRejectTimeout != nil {
			return apierr.BadRequest("action %s takes no approvalGroups or autoRejectTimeout", a.Kind)
		}
		return nil
	}
	if len(a.ApprovalGroups) == 0 || len(a.ApprovalGroups) > maxGroups {
		return apierr.BadRequest("action.approvalGroups must hold 1 to %d groups", maxGroups)
	}
	for i, g := range a.ApprovalGroups {
		if g.Quorum < 1 {
			return apierr.BadRequest("action.approvalGroups[%d].quorum must be at least 1", i)
		}
		if g.Name != nil && len(*g.Name) > maxName {
			return apierr.BadRequest("action.approvalGroups[%d].name is longer than %d bytes", i, maxName)
		}
		if u := g.Approvers.UserID; u != nil {
			if len(u.In) == 0 || len(u.In) > maxApprovers {
				return apierr.BadRequest("action.approvalGroups[%d].approvers.userId.in must hold 1 to %d users", i, maxApprovers)
			}
			if g.Quorum > len(u.In) {
				return apierr.BadRequest("action.approvalGroups[%d].quorum %d is more than its %d approvers", i, g.Quorum, len(u.In))
			}
		}
	}
	if t := a.AutoRejectTimeout; t != nil && (*t < 1 || *t > maxAutoReject) {
		return apierr.BadRequest("action.autoRejectTimeout must be from 1 to %d minutes", maxAutoReject)
	}
	return nil
}

func (f *Filters) validate() error {
	for name, l := range map[string]*InList{"walletId": f.WalletID, "permissionId": f.PermissionID, "policyId": f.PolicyID} {
		if l != nil && (len(l.In) == 0 || len(l.In) > maxFilterIDs) {
			return apierr.BadRequest("filters.%s.in must hold 1 to %d ids", name, maxFilterIDs)
		}
	}
	if t := f.WalletTags; t != nil {
		if len(t.HasAny)+len(t.HasAll) == 0 || len(t.HasAny) > maxFilterIDs || len(t.HasAll) > maxFilterIDs {
			return apierr.BadRequest("filters.walletTags needs hasAny or hasAll (at most %d tags each)", maxFilterIDs)
		}
	}
	return nil
}

// clip shortens caller-supplied text quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// checkStrings checks every string of a rule, action or filters value
// (docs/security.md, input limits): group names as names, everything else
// (kinds, ids, tags, addresses) as printable words. The error names the
// field by its dotted path.
func checkStrings(field string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return apierr.BadRequest("%s is not valid JSON", field)
	}
	return walkStrings(field, v)
}

func walkStrings(field string, v any) error {
	switch x := v.(type) {
	case string:
		if field == "action.approvalGroups.name" || field == "filters.walletTags.hasAny" || field == "filters.walletTags.hasAll" {
			return validate.Text(field, x, validate.MaxName)
		}
		return validate.Printable(field, x, maxName)
	case []any:
		for _, e := range x {
			if err := walkStrings(field, e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if err := validate.Word(field+" key", k); err != nil {
				return err
			}
			if err := walkStrings(field+"."+k, e); err != nil {
				return err
			}
		}
	}
	return nil
}
