package evmwallet

import (
	"context"
	"time"
)

// SetResumeAfter sets how old an Executing request must be before the
// worker takes it over (tests: at once).
func SetResumeAfter(s *Service, d time.Duration) { s.resumeAfter = d }

// StepOnce runs one step of network's follower (the worker's round).
func StepOnce(ctx context.Context, s *Service, network string) error {
	f := &follower{node: s.nodes[network], wallets: map[string]WalletRef{}, sent: map[string]time.Time{}}
	return s.step(ctx, f)
}
