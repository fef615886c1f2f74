package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/holiman/uint256"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// transactionBody is the body of a Transaction request: transaction is a
// hex string (the unsigned serialized transaction) or an EvmTransactionJson
// object.
type transactionBody struct {
	Transaction json.RawMessage `json:"transaction"`
}

// signTransaction signs an unsigned transaction for the network's chain id
// and returns the signature plus signedData, the signed transaction in its
// network encoding (0x hex), ready to broadcast.
func signTransaction(ctx context.Context, k keySigner, chainID int64, body json.RawMessage) (*chain.Result, error) {
	var in transactionBody
	if err := decodeBody(body, kindTransaction, &in); err != nil {
		return nil, err
	}
	tx, err := DecodeUnsigned(in.Transaction, chainID)
	if err != nil {
		return nil, err
	}
	if chainID == openChain {
		// Typed transactions only (legacy ones are refused above): the
		// chain id is the transaction's own.
		chainID = tx.ChainId().Int64()
	}
	signer := types.LatestSignerForChainID(big.NewInt(chainID))
	h := signer.Hash(tx)
	sig, err := k.sign(ctx, h[:])
	if err != nil {
		return nil, err
	}
	signed, err := tx.WithSignature(signer, sig[:])
	if err != nil {
		return nil, apierr.Internal(fmt.Errorf("attach signature: %w", err))
	}
	enc, err := signed.MarshalBinary()
	if err != nil {
		return nil, apierr.Internal(fmt.Errorf("encode signed transaction: %w", err))
	}
	res := result(sig)
	res.SignedData = hex0x(enc)
	return res, nil
}

// The unsigned transaction payloads, as ethers' unsignedSerialized and
// viem's serializeTransaction write them (EIP-155, EIP-2718, EIP-2930,
// EIP-1559, EIP-7702). The signature fields are absent.
type (
	unsignedLegacy struct {
		Nonce    uint64
		GasPrice *big.Int
		Gas      uint64
		To       *common.Address `rlp:"nil"`
		Value    *big.Int
		Data     []byte
		// EIP-155 form: chainId, 0, 0.
		ChainID *big.Int `rlp:"optional"`
		Zero1   *big.Int `rlp:"optional"`
		Zero2   *big.Int `rlp:"optional"`
	}
	unsignedAccessList struct {
		ChainID    *big.Int
		Nonce      uint64
		GasPrice   *big.Int
		Gas        uint64
		To         *common.Address `rlp:"nil"`
		Value      *big.Int
		Data       []byte
		AccessList types.AccessList
	}
	unsignedDynamicFee struct {
		ChainID    *big.Int
		Nonce      uint64
		GasTipCap  *big.Int
		GasFeeCap  *big.Int
		Gas        uint64
		To         *common.Address `rlp:"nil"`
		Value      *big.Int
		Data       []byte
		AccessList types.AccessList
	}
	unsignedSetCode struct {
		ChainID    *uint256.Int
		Nonce      uint64
		GasTipCap  *uint256.Int
		GasFeeCap  *uint256.Int
		Gas        uint64
		To         common.Address
		Value      *uint256.Int
		Data       []byte
		AccessList types.AccessList
		AuthList   []types.SetCodeAuthorization
	}
)

// decodeUnsigned decodes an unsigned serialized transaction and checks
// its chain id against the network's.
func decodeUnsigned(b []byte, chainID int64) (types.TxData, error) {
	if len(b) == 0 {
		return nil, apierr.BadRequest("transaction is empty")
	}
	want := big.NewInt(chainID)
	if b[0] >= 0xc0 { // an RLP list: legacy
		var u unsignedLegacy
		if err := rlp.DecodeBytes(b, &u); err != nil {
			return nil, badRLP("legacy", err)
		}
		if u.ChainID != nil {
			if u.Zero2 == nil || u.Zero1.Sign() != 0 || u.Zero2.Sign() != 0 {
				return nil, apierr.BadRequest("legacy transaction must end in chainId, 0, 0 (EIP-155) or have no chainId; is it already signed?")
			}
			if err := sameChain(u.ChainID, want); err != nil {
				return nil, err
			}
		}
		if chainID == openChain {
			return nil, errOpenLegacy()
		}
		if err := max256(u.GasPrice, u.Value); err != nil {
			return nil, err
		}
		return &types.LegacyTx{Nonce: u.Nonce, GasPrice: u.GasPrice, Gas: u.Gas, To: u.To, Value: u.Value, Data: u.Data}, nil
	}
	payload := b[1:]
	switch b[0] {
	case types.AccessListTxType:
		var u unsignedAccessList
		if err := rlp.DecodeBytes(payload, &u); err != nil {
			return nil, badRLP("EIP-2930", err)
		}
		if err := sameChain(u.ChainID, want); err != nil {
			return nil, err
		}
		if err := max256(u.GasPrice, u.Value); err != nil {
			return nil, err
		}
		return &types.AccessListTx{ChainID: u.ChainID, Nonce: u.Nonce, GasPrice: u.GasPrice, Gas: u.Gas,
			To: u.To, Value: u.Value, Data: u.Data, AccessList: u.AccessList}, nil
	case types.DynamicFeeTxType:
		var u unsignedDynamicFee
		if err := rlp.DecodeBytes(payload, &u); err != nil {
			return nil, badRLP("EIP-1559", err)
		}
		if err := sameChain(u.ChainID, want); err != nil {
			return nil, err
		}
		if err := max256(u.GasTipCap, u.GasFeeCap, u.Value); err != nil {
			return nil, err
		}
		return &types.DynamicFeeTx{ChainID: u.ChainID, Nonce: u.Nonce, GasTipCap: u.GasTipCap, GasFeeCap: u.GasFeeCap,
			Gas: u.Gas, To: u.To, Value: u.Value, Data: u.Data, AccessList: u.AccessList}, nil
	case types.SetCodeTxType:
		var u unsignedSetCode
		if err := rlp.DecodeBytes(payload, &u); err != nil {
			return nil, badRLP("EIP-7702", err)
		}
		if err := sameChain(u.ChainID.ToBig(), want); err != nil {
			return nil, err
		}
		if len(u.AuthList) == 0 {
			return nil, apierr.BadRequest("EIP-7702 transaction has an empty authorization list")
		}
		return &types.SetCodeTx{ChainID: u.ChainID, Nonce: u.Nonce, GasTipCap: u.GasTipCap, GasFeeCap: u.GasFeeCap,
			Gas: u.Gas, To: u.To, Value: u.Value, Data: u.Data, AccessList: u.AccessList, AuthList: u.AuthList}, nil
	case types.BlobTxType:
		return nil, apierr.BadRequest("blob transactions (type 3) are not supported")
	default:
		return nil, apierr.BadRequest("transaction type 0x%02x is not supported", b[0])
	}
}

// badRLP is the 400 for a transaction that does not decode.
func badRLP(kind string, err error) error {
	return apierr.BadRequest("transaction is not a valid unsigned %s transaction (RLP)", kind).Wrap(err)
}

// openChain is the chain id of the networks for which Custos knows no fixed
// chain id (networks.go): their transactions carry their own, which must be
// positive and fit in 63 bits.
const openChain = 0

// errOpenLegacy refuses legacy transactions on an open-chain network, where
// an EIP-155 chain id could not be checked against anything.
func errOpenLegacy() error {
	return apierr.BadRequest("legacy (type 0) transactions are not accepted on this network: Custos knows no fixed chain id for it; use a typed transaction (EIP-1559) that carries its chainId")
}

// sameChain rejects a transaction whose chain id is not the network's; on
// an open-chain network any positive 63-bit chain id is the network's.
func sameChain(got, want *big.Int) error {
	if want.Sign() == 0 {
		if got == nil || got.Sign() <= 0 || !got.IsInt64() {
			return apierr.BadRequest("transaction chainId %v is not a positive 63-bit chain id", got)
		}
		return nil
	}
	if got == nil || got.Cmp(want) != 0 {
		return apierr.BadRequest("transaction chainId %v does not match the network's chain id %v", got, want)
	}
	return nil
}

// max256 rejects integers wider than 256 bits, which no EVM accepts.
func max256(xs ...*big.Int) error {
	for _, x := range xs {
		if x != nil && x.BitLen() > 256 {
			return apierr.BadRequest("transaction has an integer wider than 256 bits")
		}
	}
	return nil
}
