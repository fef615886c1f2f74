package keys

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// ChainSigner returns the public side and a signer of key keyID of org, for
// services that sign whole chain transactions they build themselves (EVM
// transfers; docs/protocol/evm-transfers.md). The caller has already
// authorised the request (or resumes one authorised before a restart).
func (s *Service) ChainSigner(ctx context.Context, org, keyID string) (chain.Key, chain.Signer, error) {
	k, err := s.store.Key(ctx, org, keyID)
	if err != nil {
		return chain.Key{}, nil, err
	}
	if k.Status != StatusActive {
		return chain.Key{}, nil, apierr.BadRequest("key %s is archived and cannot sign", k.ID)
	}
	signer, err := s.backend.Signer(ctx, k.Chain(), k.Material, k.AAD())
	if err != nil {
		return chain.Key{}, nil, err
	}
	return k.Chain(), signer, nil
}
