package tron

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/btcsuite/btcd/btcutil/base58"

	"github.com/custos-dev/custos/internal/chain"
)

// Contract types of Tron's Transaction.Contract.ContractType
// (tronprotocol/protocol core/Tron.proto).
const (
	transferContract      = 1
	triggerSmartContract  = 31
	trc20TransferSelector = "\xa9\x05\x9c\xbb" // transfer(address,uint256)
	sunDecimals           = 6
)

// DecodeOutflows reads the payments of a Transaction request body for the
// policy rules (docs/protocol/policies.md §1.2): TRX transfers
// (TransferContract, 6 decimals) and TRC-20 transfer calls
// (TriggerSmartContract with transfer(address,uint256), the token's
// contract as the asset). Any other contract makes the recipient unknown.
func DecodeOutflows(body json.RawMessage) ([]chain.Outflow, error) {
	var in struct {
		Transaction string `json:"transaction"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errors.New("transaction body is not valid")
	}
	tx, err := chain.DecodeHex("transaction", in.Transaction)
	if err != nil {
		return nil, err
	}
	raw, err := rawData(tx)
	if err != nil {
		return nil, err
	}
	fs, _ := fields(raw) // rawData checked them
	var out []chain.Outflow
	for _, f := range fs {
		if f.num != 11 || f.typ != 2 {
			continue
		}
		o, err := contractOutflow(f.data)
		if err != nil {
			return nil, err
		}
		if o != nil {
			out = append(out, *o)
		}
	}
	return out, nil
}

// contractOutflow decodes one Transaction.Contract.
func contractOutflow(b []byte) (*chain.Outflow, error) {
	fs, err := fields(b)
	if err != nil {
		return nil, err
	}
	var typ uint64
	var param []byte
	for _, f := range fs {
		switch {
		case f.num == 1 && f.typ == 0:
			typ = f.varint
		case f.num == 2 && f.typ == 2:
			param = f.data
		}
	}
	// parameter is a google.protobuf.Any: type_url = 1, value = 2.
	pfs, err := fields(param)
	if err != nil {
		return nil, err
	}
	var value []byte
	for _, f := range pfs {
		if f.num == 2 && f.typ == 2 {
			value = f.data
		}
	}
	vfs, err := fields(value)
	if err != nil {
		return nil, err
	}
	get := func(n uint64) field {
		for _, f := range vfs {
			if f.num == n {
				return f
			}
		}
		return field{}
	}
	switch typ {
	case transferContract: // owner_address = 1, to_address = 2, amount = 3
		to := get(2).data
		if len(to) != 21 {
			return nil, errors.New("a TRX transfer has no 21-byte to_address")
		}
		return &chain.Outflow{To: base58.CheckEncode(to[1:], to[0]), Amount: new(big.Int).SetUint64(get(3).varint), Decimals: sunDecimals}, nil
	case triggerSmartContract: // contract_address = 2, call_value = 3, data = 4
		contract, data := get(2).data, get(4).data
		if len(contract) != 21 || len(data) != 4+64 || !bytes.Equal(data[:4], []byte(trc20TransferSelector)) || get(3).varint != 0 {
			return nil, errors.New("a smart contract call other than a TRC-20 transfer has no recipient Custos can name")
		}
		return &chain.Outflow{
			To:       base58.CheckEncode(data[4+12:4+32], 0x41),
			Amount:   new(big.Int).SetBytes(data[36:68]),
			Asset:    base58.CheckEncode(contract[1:], contract[0]),
			Decimals: -1,
		}, nil
	}
	return nil, fmt.Errorf("a contract of type %d has no recipient Custos can name", typ)
}
