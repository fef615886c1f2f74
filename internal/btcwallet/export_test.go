package btcwallet

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/btcsuite/btcd/chaincfg"

	"github.com/custos-dev/custos/internal/evmwallet"
)

// StepOnce runs one step of network's follower (the worker's round).
func StepOnce(ctx context.Context, s *Service, network string) error {
	f := &follower{node: s.nodes[network], wallets: map[string]evmwallet.WalletRef{}, addresses: map[string]string{},
		sent: map[string]time.Time{}}
	return s.step(ctx, f)
}

// SetResumeAfter sets how old an Executing request must be before the
// worker takes it over (tests: at once).
func SetResumeAfter(s *Service, d time.Duration) { s.resumeAfter = d }

// ScriptOf is the hex output script of a wallet address of BitcoinRegtest.
func ScriptOf(address string) (string, error) {
	s, _, err := walletScript(&chaincfg.RegressionNetParams, address)
	return hex.EncodeToString(s), err
}
