package evm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// The helpers below serve sign-and-broadcast (docs/protocol/evm-transfers.md):
// the transfer service builds and signs whole transactions with them.

// DecodeUnsigned decodes the transaction field of a Transaction request (an
// unsigned serialized transaction as hex, or an EvmTransactionJson object)
// for the chain id of a network. Bad input is a 400 naming transaction.
func DecodeUnsigned(raw json.RawMessage, chainID int64) (*types.Transaction, error) {
	raw = bytes.TrimSpace(raw)
	var (
		inner types.TxData
		err   error
	)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, apierr.BadRequest("transaction is required")
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, apierr.BadRequest("transaction must be a hex string or an object")
		}
		var b []byte
		if b, err = decodeHex("transaction", s); err != nil {
			return nil, err
		}
		inner, err = decodeUnsigned(b, chainID)
	case raw[0] == '{':
		inner, err = decodeTxJSON(raw, chainID)
	default:
		return nil, apierr.BadRequest("transaction must be a hex string or an object")
	}
	if err != nil {
		return nil, err
	}
	return types.NewTx(inner), nil
}

// SignTx signs tx for chainID with the key behind s (whose public side is
// key) and returns the signed transaction. The signature has a low S and
// is checked to recover to the key.
func SignTx(ctx context.Context, key chain.Key, s chain.Signer, chainID int64, tx *types.Transaction) (*types.Transaction, error) {
	pub, err := publicKey(key)
	if err != nil {
		return nil, err
	}
	signer := types.LatestSignerForChainID(big.NewInt(chainID))
	h := signer.Hash(tx)
	sig, err := keySigner{signer: s, pub: pub}.sign(ctx, h[:])
	if err != nil {
		return nil, err
	}
	signed, err := tx.WithSignature(signer, sig[:])
	if err != nil {
		return nil, fmt.Errorf("attach signature: %w", err)
	}
	return signed, nil
}

// ParseAddress parses an EVM address given in field: 0x and 40 hex digits,
// with a valid EIP-55 checksum when mixed-case. Anything else is a 400
// naming field.
func ParseAddress(field, s string) (common.Address, error) {
	if len(s) != 42 || (s[:2] != "0x" && s[:2] != "0X") {
		return common.Address{}, apierr.BadRequest("%s is not an EVM address (0x and 40 hex digits)", field)
	}
	return parseAddress(field, s)
}
