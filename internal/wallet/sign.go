package wallet

import (
	"context"

	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
)

// Sign serves POST /wallets/{walletId}/signatures: a signature request on
// the wallet's key with the wallet's network; act, when not nil, is
// consumed with the stored request.
func (s *Service) Sign(ctx context.Context, p *principal.Principal, act keys.Action, walletID string, body []byte) (keys.SignatureView, error) {
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return keys.SignatureView{}, err
	}
	k, err := s.keys.Load(ctx, p, w.KeyID)
	if err != nil {
		return keys.SignatureView{}, err
	}
	return s.keys.SignWith(ctx, p, act, keys.Target{Key: k, WalletID: w.ID, Network: w.Network, WalletTags: w.Tags}, body)
}

// Signature serves GET /wallets/{walletId}/signatures/{signatureId}.
func (s *Service) Signature(ctx context.Context, p *principal.Principal, walletID, sigID string) (keys.SignatureView, error) {
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return keys.SignatureView{}, err
	}
	return s.keys.GetSignature(ctx, p, "", w.ID, sigID)
}

// Signatures serves GET /wallets/{walletId}/signatures.
func (s *Service) Signatures(ctx context.Context, p *principal.Principal, walletID string, pg identity.Page) (keys.SignatureList, error) {
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return keys.SignatureList{}, err
	}
	l, err := s.keys.ListSignatures(ctx, p, keys.SignatureFilter{WalletID: w.ID}, pg)
	l.WalletID = w.ID
	return l, err
}

// ListOwned serves GET /wallets?ownerId=…: the wallets delegated to end
// user ownerID. An end user sees only their own whatever ownerId says.
func (s *Service) ListOwned(ctx context.Context, p *principal.Principal, ownerID string, pg identity.Page) ([]View, string, error) {
	if keys.IsEndUser(p) {
		ownerID = p.UserID
	}
	ws, next, err := s.store.OwnedWallets(ctx, p.OrgID, ownerID, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]View, 0, len(ws))
	for _, w := range ws {
		out = append(out, ViewOf(w))
	}
	return out, next, nil
}
