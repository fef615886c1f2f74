package wallet

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
)

// Activate serves POST /wallets/{walletId}/activate
// (docs/protocol/keys-wallets.md §4): an Inactive wallet, whose account
// the chain creates, asks its network's adapter to activate it. Body is
// the request as received ({} or {expiry, unsignedCdiStr} for Concordium,
// {validatorId} for Canton). Custos reaches no Concordium node and no
// Canton validator, so every activation ends in a 400 that says what it
// would need; nothing is stored.
func (s *Service) Activate(ctx context.Context, p *principal.Principal, walletID string, body []byte) error {
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return err
	}
	if st := ViewOf(w).Status; st != StatusInactive {
		return apierr.BadRequest("wallet %s is %s: only Inactive wallets are activated", w.ID, st)
	}
	a, err := keys.Adapter(w.Network)
	if err != nil {
		return err
	}
	act, ok := a.(chain.Activator)
	if !ok {
		return apierr.BadRequest("wallets on %s are not activated", w.Network)
	}
	key := chain.Key{Scheme: w.Key.Scheme, Curve: w.Key.Curve, PublicKey: w.Key.PublicKey}
	if err := act.Activation(w.Network, key, body); err != nil {
		return err
	}
	return apierr.BadRequest("wallet %s cannot be activated", w.ID)
}
