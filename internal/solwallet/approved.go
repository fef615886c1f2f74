package solwallet

import (
	"context"

	"github.com/custos-dev/custos/internal/evmwallet"
)

// Serves reports whether network is a Solana network, whose approved
// requests CarryOut carries out (heldreq.Family).
func (s *Service) Serves(network string) bool { return IsNetwork(network) }

// CarryOut finishes an Executing request (heldreq.Family;
// docs/protocol/sol-transfers.md §6). A request an approval held is
// stored Pending with its unsigned transaction; approved, it moves to
// Executing in the unit of work of the final decision (internal/heldreq);
// then CarryOut (or the follower's resume after a crash) signs it — a
// transfer whose blockhash expired meanwhile with a fresh one, a
// Transaction whose caller-chosen blockhash expired ends Failed — stores
// it signed, sends it and follows it like any request. It does nothing
// for a request no longer Executing (denied, expired or aborted).
func (s *Service) CarryOut(ctx context.Context, r *evmwallet.Request) error {
	if r.Status != evmwallet.StatusExecuting {
		return nil
	}
	w, err := s.walletRows.Wallet(ctx, r.OrgID, r.WalletID)
	if err != nil {
		return err
	}
	return s.execute(ctx, r, w.KeyID)
}
