package evm

import (
	"context"
	"encoding/json"
	"math/big"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/holiman/uint256"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// authorizationBody is the body of an Eip7702 request.
type authorizationBody struct {
	Address *string   `json:"address"`
	Nonce   *quantity `json:"nonce"`
	ChainID *quantity `json:"chainId"`
}

// signAuthorization signs an EIP-7702 authorization tuple: the digest is
// keccak256(0x05 || rlp([chainId, address, nonce])), as go-ethereum's
// SetCodeAuthorization.SigHash computes it. chainId must be the network's;
// a chain-agnostic authorization (chainId 0) is refused.
func signAuthorization(ctx context.Context, k keySigner, chainID int64, body json.RawMessage) (*chain.Result, error) {
	var in authorizationBody
	if err := decodeBody(body, kindEip7702, &in); err != nil {
		return nil, err
	}
	if in.Address == nil || in.Nonce == nil || in.ChainID == nil {
		return nil, apierr.BadRequest("Eip7702 needs address, nonce and chainId")
	}
	addr, err := parseAddress("address", *in.Address)
	if err != nil {
		return nil, err
	}
	nonce, err := in.Nonce.u64("nonce")
	if err != nil {
		return nil, err
	}
	if chainID == openChain {
		if err := sameChain(&in.ChainID.Int, big.NewInt(openChain)); err != nil {
			return nil, err
		}
		chainID = in.ChainID.Int64()
	}
	if in.ChainID.Cmp(big.NewInt(chainID)) != 0 {
		return nil, apierr.BadRequest("chainId %v does not match the network's chain id %d", &in.ChainID.Int, chainID)
	}
	auth := types.SetCodeAuthorization{ChainID: *uint256.NewInt(uint64(chainID)), Address: addr, Nonce: nonce}
	h := auth.SigHash()
	sig, err := k.sign(ctx, h[:])
	if err != nil {
		return nil, err
	}
	return result(sig), nil
}
