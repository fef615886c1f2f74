package solwallet

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
)

// Replace answers POST …/{transfers|transactions}/{id}/speed-up (cancel
// false) and …/cancel (cancel true) for Solana wallets: Solana has no
// replacement of a sent transaction (there is no nonce to reuse and no
// fee to raise in place), so a request of the wallet is a 400 and nothing
// is read from a node, signed or stored; an unknown request, or one of
// another wallet or organisation, is a 404 (docs/protocol/sol-transfers.md
// §4). A Solana transaction that does not land before its blockhash
// expires ends Failed, and the caller asks again.
func (s *Service) Replace(ctx context.Context, p *principal.Principal, walletID, reqID string, transfer, cancel bool) error {
	w, err := s.solWallet(ctx, p, walletID)
	if err != nil {
		return err
	}
	prefix, what := "tx", "transaction"
	if transfer {
		prefix, what = "xfr", "transfer"
	}
	if !id.Valid(prefix, reqID) {
		return apierr.NotFound("%s %s not found", what, clip(reqID))
	}
	r, err := s.store.EVMRequest(ctx, p.OrgID, reqID)
	if err != nil {
		return err
	}
	if r.WalletID != w.ID || r.Transfer != transfer {
		return apierr.NotFound("%s %s not found", what, clip(reqID))
	}
	op := "sped up"
	if cancel {
		op = "cancelled"
	}
	return apierr.BadRequest("%s %s cannot be %s: Solana (%s) has no replacement of a sent transaction; "+
		"one that does not land before its blockhash expires ends Failed", what, r.ID, op, w.Network)
}
