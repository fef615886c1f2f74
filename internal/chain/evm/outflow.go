package evm

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/chain"
)

// erc20Transfer is the selector of transfer(address,uint256).
var erc20Transfer = []byte{0xa9, 0x05, 0x9c, 0xbb}

// DecodeOutflows reads the outflow of a Transaction signature request body
// on an EVM network: a native transfer (no call data; 18 decimals) or an
// ERC-20 transfer call (the asset is the contract, decimals unknown).
// Anything else (contract creation, other calls) has no recipient it can
// name and is an error.
func DecodeOutflows(network string, body json.RawMessage) ([]chain.Outflow, error) {
	o, err := decodeOutflow(network, body)
	if err != nil {
		return nil, err
	}
	return []chain.Outflow{o}, nil
}

func decodeOutflow(network string, body json.RawMessage) (chain.Outflow, error) {
	type Outflow = chain.Outflow
	chainID, ok := networks[network]
	if !ok {
		return Outflow{}, errors.New("network " + network + " is not an EVM network Custos serves")
	}
	var in transactionBody
	if err := json.Unmarshal(body, &in); err != nil {
		return Outflow{}, errors.New("transaction body is not valid")
	}
	raw := bytes.TrimSpace(in.Transaction)
	var (
		inner types.TxData
		err   error
	)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return Outflow{}, err
		}
		var b []byte
		if b, err = decodeHex("transaction", s); err != nil {
			return Outflow{}, err
		}
		inner, err = decodeUnsigned(b, chainID)
	case len(raw) > 0 && raw[0] == '{':
		inner, err = decodeTxJSON(raw, chainID)
	default:
		return Outflow{}, errors.New("transaction is missing")
	}
	if err != nil {
		return Outflow{}, err
	}
	return TxOutflow(types.NewTx(inner))
}

// TxOutflow reads the outflow of an EVM transaction as DecodeOutflows
// does (transfers and transactions of EVM wallets pass theirs to the
// policy rules).
func TxOutflow(tx *types.Transaction) (chain.Outflow, error) {
	type Outflow = chain.Outflow
	if tx.To() == nil {
		return Outflow{}, errors.New("a contract creation has no recipient")
	}
	data := tx.Data()
	switch {
	case len(data) == 0:
		return Outflow{To: tx.To().Hex(), Amount: tx.Value(), Decimals: 18}, nil
	case len(data) == 4+64 && bytes.Equal(data[:4], erc20Transfer) && tx.Value().Sign() == 0:
		if !isZero(data[4:16]) {
			return Outflow{}, errors.New("ERC-20 transfer recipient is not an address")
		}
		return Outflow{To: common.BytesToAddress(data[16:36]).Hex(), Amount: new(big.Int).SetBytes(data[36:68]),
			Asset: tx.To().Hex(), Decimals: -1}, nil
	}
	return Outflow{}, errors.New("a contract call other than an ERC-20 transfer has no recipient Custos can name")
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
