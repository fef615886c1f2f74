package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/id"
)

// Runner carries out, or drops, the activities of one kind that an
// approval held (keys for Wallets:Sign, the change requests for the
// *:Modify and Permissions:Assign kinds).
type Runner interface {
	// Approved runs in the unit of work of the decision that approved
	// the approval: it marks the activity to be carried out, so that the
	// decision and that state commit together.
	Approved(ctx context.Context, org, targetID string) error
	// Rejected runs in the unit of work that denied or expired the
	// approval: the activity ends Rejected with reason.
	Rejected(ctx context.Context, org, targetID, reason string) error
	// Execute carries out an approved activity once it is committed; it
	// does nothing for an activity already carried out. Errors are
	// retried by Resume.
	Execute(ctx context.Context, org, targetID string) error
	// Resume carries out the approved activities a crash left undone.
	Resume(ctx context.Context) error
	// Activity renders the current state of the activity for approval
	// views.
	Activity(ctx context.Context, org, targetID string) (json.RawMessage, error)
}

// Service is the policy engine: policies, their evaluation (Evaluator),
// approvals and change requests.
type Service struct {
	store  Store
	events event.Emitter
	prices Prices
	logger *slog.Logger
	now    func() time.Time

	mu      sync.RWMutex
	runners map[string]Runner

	// afterApproved, when set, runs after a decision that approved an
	// approval committed and before its activity is carried out (crash
	// tests kill the process there).
	afterApproved func()
}

// SetAfterApproved sets a function run between the commit of an approving
// decision and the execution of its activity; for crash tests only.
func (s *Service) SetAfterApproved(f func()) { s.afterApproved = f }

var _ Evaluator = (*Service)(nil)

// NewService returns the engine. events may be nil (event.Nop), prices nil
// (no prices: amount rules fail closed).
func NewService(st Store, events event.Emitter, prices Prices, logger *slog.Logger) *Service {
	if events == nil {
		events = event.Nop{}
	}
	if prices == nil {
		prices = StaticPrices{}
	}
	if logger == nil {
		logger = slog.Default()
	}
	s := &Service{store: st, events: events, prices: prices, logger: logger, now: nowMS, runners: map[string]Runner{}}
	s.RegisterChanges(KindPoliciesModify, s.applyPolicyChange)
	return s
}

func nowMS() time.Time { return time.Now().Truncate(time.Millisecond) }

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Register makes r carry out the approved activities of kind.
func (s *Service) Register(kind string, r Runner) {
	s.mu.Lock()
	s.runners[kind] = r
	s.mu.Unlock()
}

func (s *Service) runner(kind string) (Runner, error) {
	s.mu.RLock()
	r := s.runners[kind]
	s.mu.RUnlock()
	if r == nil {
		return nil, fmt.Errorf("policy: no runner for activity kind %s", kind)
	}
	return r, nil
}

// Evaluate decides on a: with no active policy of the org matching it,
// Allow at no cost beyond the cached policy list; otherwise the outcome of
// the matching policies (Block beats RequestApproval beats NoAction), and
// a Commit that records it.
func (s *Service) Evaluate(ctx context.Context, a Activity) (Decision, error) {
	pols, err := s.store.ActivePolicies(ctx, a.Principal.OrgID)
	if err != nil || len(pols) == 0 {
		return Decision{Outcome: Allow}, err
	}
	var matched []*Policy
	for _, p := range pols {
		if p.ActivityKind == a.Kind && p.Filters.matches(&a) {
			matched = append(matched, p)
		}
	}
	if len(matched) == 0 {
		return Decision{Outcome: Allow}, nil
	}
	now := s.now()
	facts := &facts{a: &a, prices: s.prices}
	evs := make([]Evaluation, 0, len(matched))
	var triggered []*Policy
	velocity := false
	for _, p := range matched {
		if p.Rule.Kind == RuleAmountVelocity || p.Rule.Kind == RuleCountVelocity {
			velocity = true
		}
		hit, reason, rctx, err := s.check(ctx, p, facts, now)
		if err != nil {
			return Decision{}, err
		}
		evs = append(evs, Evaluation{ID: id.New("plce"), PolicyID: p.ID, Triggered: hit, Reason: reason, Context: rctx})
		if hit {
			triggered = append(triggered, p)
		}
	}
	d := Decision{Outcome: Allow}
	var ap *Approval
	for _, p := range triggered {
		switch p.Action.Kind {
		case ActionBlock:
			if d.Outcome != Deny {
				d = Decision{Outcome: Deny, PolicyID: p.ID, Reason: "blocked by policy " + p.ID}
			}
		case ActionRequestApproval:
			if d.Outcome == Deny {
				continue
			}
			if ap == nil {
				ap = &Approval{ID: id.New("ap"), OrgID: a.Principal.OrgID, InitiatorID: a.Principal.UserID,
					ActivityKind: a.Kind, TargetID: a.RequestID, Status: ApprovalPending, Created: now, Updated: now}
				d = Decision{Outcome: Pending, ApprovalID: ap.ID, PolicyID: p.ID}
			}
			for _, g := range p.Action.ApprovalGroups {
				ap.Groups = append(ap.Groups, ApprovalGroup{PolicyID: p.ID, Group: g})
			}
			if t := p.Action.AutoRejectTimeout; t != nil {
				exp := now.Add(time.Duration(*t) * time.Minute)
				if ap.Expires.IsZero() || exp.Before(ap.Expires) {
					ap.Expires = exp
				}
			}
		}
	}
	if d.Outcome == Deny {
		ap = nil
	}
	org, walletID, target := a.Principal.OrgID, a.WalletID, a.RequestID
	usd := facts.usdOrUnknown()
	d.Commit = func(ctx context.Context, activity any) error {
		act, err := json.Marshal(activity)
		if err != nil {
			return fmt.Errorf("policy: marshal activity: %w", err)
		}
		if err := s.store.RecordEvaluations(ctx, org, target, evs, now); err != nil {
			return err
		}
		if velocity && walletID != "" && d.Outcome != Deny {
			if err := s.store.RecordWalletActivity(ctx, org, walletID, target, usd, now); err != nil {
				return err
			}
		}
		for i, e := range evs {
			if e.Triggered {
				if err := s.events.Emit(ctx, org, "policy.triggered", map[string]any{"policyEvaluation": map[string]any{
					"id": e.ID, "triggered": true, "reason": e.Reason, "date": stamp(now), "policy": matched[i].View(),
					"activity": json.RawMessage(act), "context": e.Context}}); err != nil {
					return err
				}
			}
		}
		if ap == nil {
			return nil
		}
		ap.Activity, ap.Evaluations = act, evs
		if err := s.store.CreateApproval(ctx, ap); err != nil {
			return err
		}
		return s.events.Emit(ctx, org, "policy.approval.pending", map[string]any{"approval": ap.View()})
	}
	return d, nil
}

// check evaluates p's rule on the activity: whether it triggers, why, and
// what it saw.
func (s *Service) check(ctx context.Context, p *Policy, f *facts, now time.Time) (bool, string, json.RawMessage, error) {
	switch p.Rule.Kind {
	case RuleAlwaysTrigger:
		return true, "the rule always triggers", nil, nil
	case RuleRecipientWhitelist:
		to, err := f.recipients()
		if err != nil {
			return true, "recipient unknown: " + err.Error(), nil, nil
		}
		rctx := ctxJSON(map[string]any{"recipients": to})
		for _, r := range to {
			if !p.Rule.addresses[canonicalAddress(r)] {
				return true, "recipient " + r + " is not whitelisted", rctx, nil
			}
		}
		if len(to) == 0 {
			return false, "the request pays no one but the wallet", rctx, nil
		}
		return false, "every recipient is whitelisted", rctx, nil
	case RuleAmountLimit:
		usd, err := f.usd()
		if err != nil {
			return true, "amount unknown: " + err.Error(), nil, nil
		}
		rctx := ctxJSON(map[string]any{"amount": usd, "currency": "USD"})
		if usd > p.Rule.limit {
			return true, fmt.Sprintf("amount %.2f USD is over the limit %g USD", usd, p.Rule.limit), rctx, nil
		}
		return false, fmt.Sprintf("amount %.2f USD is within the limit %g USD", usd, p.Rule.limit), rctx, nil
	case RuleAmountVelocity, RuleCountVelocity:
		if f.a.WalletID == "" {
			return true, "not a wallet request: velocity cannot be counted", nil, nil
		}
		n, total, unknown, err := s.store.WalletActivity(ctx, f.a.Principal.OrgID, f.a.WalletID, now.Add(-p.Rule.timeframe))
		if err != nil {
			return false, "", nil, err
		}
		if p.Rule.Kind == RuleCountVelocity {
			rctx := ctxJSON(map[string]any{"count": n + 1})
			if float64(n+1) > p.Rule.limit {
				return true, fmt.Sprintf("%d wallet activities within the timeframe, over the limit %g", n+1, p.Rule.limit), rctx, nil
			}
			return false, fmt.Sprintf("%d wallet activities within the timeframe", n+1), rctx, nil
		}
		usd, err := f.usd()
		if err != nil {
			return true, "amount unknown: " + err.Error(), nil, nil
		}
		if unknown {
			return true, "an earlier activity within the timeframe has an unknown amount", nil, nil
		}
		total += usd
		rctx := ctxJSON(map[string]any{"amount": total, "currency": "USD"})
		if total > p.Rule.limit {
			return true, fmt.Sprintf("%.2f USD within the timeframe, over the limit %g USD", total, p.Rule.limit), rctx, nil
		}
		return false, fmt.Sprintf("%.2f USD within the timeframe", total), rctx, nil
	}
	return true, "rule " + p.Rule.Kind + " cannot be evaluated", nil, nil
}

func ctxJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// canonicalAddress is the form addresses are compared in: EVM and bech32
// addresses case-insensitively (any checksum casing), others as written.
func canonicalAddress(a string) string {
	a = strings.TrimSpace(a)
	if len(a) == 42 && (strings.HasPrefix(a, "0x") || strings.HasPrefix(a, "0X")) {
		return "0x" + strings.ToLower(a[2:])
	}
	// Bech32 addresses (segwit) are case-insensitive; base58 ones
	// (Solana, legacy Bitcoin) are not.
	if l := strings.ToLower(a); strings.HasPrefix(l, "bc1") || strings.HasPrefix(l, "tb1") ||
		strings.HasPrefix(l, "bcrt1") || strings.HasPrefix(l, "ltc1") || strings.HasPrefix(l, "tltc1") {
		return l
	}
	return a
}
