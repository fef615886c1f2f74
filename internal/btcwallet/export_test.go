package btcwallet

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/evmwallet"
)

// StepOnce runs one step of network's follower (the worker's round).
func StepOnce(ctx context.Context, s *Service, network string) error {
	f := &follower{node: s.nodes[network], wallets: map[string]evmwallet.WalletRef{}, addresses: map[string]string{},
		sent: map[string]time.Time{}}
	return s.step(ctx, f)
}
