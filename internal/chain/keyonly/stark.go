package keyonly

import (
	"context"
	"errors"
	"math/big"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// NetworkKeyECDSAStark is the pseudo-network of key-only wallets on the
// STARK curve (docs/protocol/networks-starknet.md).
const NetworkKeyECDSAStark = "KeyECDSAStark"

var starkMaxHash = new(big.Int).Lsh(big.NewInt(1), 251)

// signStarkHash signs a Hash with a STARK-curve key: the hash is a
// Starknet field element, so it must be below 2^251.
func signStarkHash(ctx context.Context, s chain.Signer, h []byte) (*chain.Result, error) {
	if new(big.Int).SetBytes(h).Cmp(starkMaxHash) >= 0 {
		return nil, apierr.BadRequest("hash must be below 2^251 (a Starknet field element) for stark keys")
	}
	ss, ok := s.(chain.StarkSigner)
	if !ok {
		return nil, errors.New("keyonly: the signer cannot sign with stark keys")
	}
	r, sv, err := ss.SignStark(ctx, h)
	if err != nil {
		return nil, err
	}
	if len(r) != 32 || len(sv) != 32 {
		return nil, errors.New("keyonly: stark signer returned a malformed signature")
	}
	return splitSignature(append(append([]byte{}, r...), sv...), nil)
}
