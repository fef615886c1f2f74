package solwallet

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/policy"
)

// StepOnce runs one step of network's follower (the worker's round) with
// the state f of earlier steps (nil: a fresh follower).
func StepOnce(ctx context.Context, s *Service, network string, f *Follower) error {
	return s.step(ctx, f.of(s, network))
}

// Follower keeps a follower's state across StepOnce calls.
type Follower struct{ f *follower }

func (x *Follower) of(s *Service, network string) *follower {
	if x.f == nil {
		x.f = &follower{node: s.nodes[network], wallets: map[string]evmwallet.WalletRef{}, sent: map[string]time.Time{}}
	}
	return x.f
}

// SetResumeAfter sets how old an Executing request must be before the
// worker takes it over (tests: at once).
func SetResumeAfter(s *Service, d time.Duration) { s.resumeAfter = d }

// ForgetSends makes the follower send again at its next step.
func (x *Follower) ForgetSends() { clear(x.f.sent) }

// SetPolicy makes s evaluate its requests with p.
func SetPolicy(s *Service, p policy.Evaluator) { s.policy = p }

// WrapSigners replaces s's signers with wrap of them.
func WrapSigners(s *Service, wrap func(evmwallet.Signers) evmwallet.Signers) {
	s.signers = wrap(s.signers)
}
