package evm

import (
	"encoding/json"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/holiman/uint256"

	"github.com/custos-dev/custos/internal/apierr"
)

// quantity is a non-negative integer of at most 256 bits, written as a JSON
// number or as a decimal or 0x-hex string.
type quantity struct{ big.Int }

// UnmarshalJSON implements json.Unmarshaler.
func (q *quantity) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	var ok bool
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		_, ok = q.SetString(s[2:], 16)
	case s != "" && strings.Trim(s, "0123456789") == "":
		_, ok = q.SetString(s, 10)
	}
	if !ok || q.Sign() < 0 || q.BitLen() > 256 {
		return apierr.BadRequest("a numeric field is not a non-negative integer of at most 256 bits")
	}
	return nil
}

// u64 returns q as a uint64, or a 400 naming field.
func (q *quantity) u64(field string) (uint64, error) {
	if !q.IsUint64() {
		return 0, apierr.BadRequest("%s does not fit in 64 bits", field)
	}
	return q.Uint64(), nil
}

// txJSON is the EvmTransactionJson object (docs.dfns.co api-reference
// sign/evm): type 0, 1, 2 (default) or 4. This server reads no chain state,
// so nonce, gasLimit and the fee fields are required.
type txJSON struct {
	Type                 *quantity         `json:"type"`
	ChainID              *quantity         `json:"chainId"`
	Nonce                *quantity         `json:"nonce"`
	To                   *string           `json:"to"`
	Value                *quantity         `json:"value"`
	Data                 *string           `json:"data"`
	GasLimit             *quantity         `json:"gasLimit"`
	GasPrice             *quantity         `json:"gasPrice"`
	MaxFeePerGas         *quantity         `json:"maxFeePerGas"`
	MaxPriorityFeePerGas *quantity         `json:"maxPriorityFeePerGas"`
	AccessList           *types.AccessList `json:"accessList"`
	AuthorizationList    []authJSON        `json:"authorizationList"`
}

// authJSON is one signed EIP-7702 authorization: chainId, address, nonce
// and either signature (65-byte r||s||v hex) or r, s and yParity.
type authJSON struct {
	ChainID   *quantity `json:"chainId"`
	Address   *string   `json:"address"`
	Nonce     *quantity `json:"nonce"`
	Signature *string   `json:"signature"`
	R         *quantity `json:"r"`
	S         *quantity `json:"s"`
	YParity   *quantity `json:"yParity"`
}

// decodeTxJSON builds the transaction an EvmTransactionJson describes.
func decodeTxJSON(raw []byte, chainID int64) (types.TxData, error) {
	var in txJSON
	if err := decodeBody(raw, kindTransaction, &in); err != nil {
		return nil, err
	}
	typ := uint64(types.DynamicFeeTxType)
	if in.Type != nil {
		var err error
		if typ, err = in.Type.u64("transaction.type"); err != nil {
			return nil, err
		}
	}
	want := big.NewInt(chainID)
	if in.ChainID != nil {
		if err := sameChain(&in.ChainID.Int, want); err != nil {
			return nil, err
		}
		want = &in.ChainID.Int
	} else if chainID == openChain {
		return nil, apierr.BadRequest("transaction.chainId is required on this network (Custos knows no fixed chain id for it)")
	}
	if in.Nonce == nil {
		return nil, apierr.BadRequest("transaction.nonce is required: this server does not read chain state")
	}
	nonce, err := in.Nonce.u64("transaction.nonce")
	if err != nil {
		return nil, err
	}
	if in.GasLimit == nil {
		return nil, apierr.BadRequest("transaction.gasLimit is required: this server does not estimate gas")
	}
	gas, err := in.GasLimit.u64("transaction.gasLimit")
	if err != nil {
		return nil, err
	}
	var to *common.Address
	if in.To != nil && *in.To != "" {
		a, err := parseAddress("transaction.to", *in.To)
		if err != nil {
			return nil, err
		}
		to = &a
	}
	value := new(big.Int)
	if in.Value != nil {
		value = &in.Value.Int
	}
	var data []byte
	if in.Data != nil {
		if data, err = decodeHex("transaction.data", *in.Data); err != nil {
			return nil, err
		}
	}
	var access types.AccessList
	if in.AccessList != nil {
		access = *in.AccessList
	}
	legacyFees := typ == types.LegacyTxType || typ == types.AccessListTxType
	if legacyFees {
		if in.GasPrice == nil {
			return nil, apierr.BadRequest("transaction.gasPrice is required for type %d", typ)
		}
		if in.MaxFeePerGas != nil || in.MaxPriorityFeePerGas != nil {
			return nil, apierr.BadRequest("transaction type %d takes gasPrice, not maxFeePerGas/maxPriorityFeePerGas", typ)
		}
	} else {
		if in.MaxFeePerGas == nil || in.MaxPriorityFeePerGas == nil {
			return nil, apierr.BadRequest("transaction.maxFeePerGas and maxPriorityFeePerGas are required for type %d", typ)
		}
		if in.GasPrice != nil {
			return nil, apierr.BadRequest("transaction type %d takes maxFeePerGas/maxPriorityFeePerGas, not gasPrice", typ)
		}
	}
	if typ != types.SetCodeTxType && in.AuthorizationList != nil {
		return nil, apierr.BadRequest("authorizationList is only valid for type 4 transactions")
	}
	switch typ {
	case types.LegacyTxType:
		if chainID == openChain {
			return nil, errOpenLegacy()
		}
		if len(access) > 0 {
			return nil, apierr.BadRequest("accessList is not valid for type 0 transactions")
		}
		return &types.LegacyTx{Nonce: nonce, GasPrice: &in.GasPrice.Int, Gas: gas, To: to, Value: value, Data: data}, nil
	case types.AccessListTxType:
		return &types.AccessListTx{ChainID: want, Nonce: nonce, GasPrice: &in.GasPrice.Int, Gas: gas,
			To: to, Value: value, Data: data, AccessList: access}, nil
	case types.DynamicFeeTxType:
		return &types.DynamicFeeTx{ChainID: want, Nonce: nonce, GasTipCap: &in.MaxPriorityFeePerGas.Int,
			GasFeeCap: &in.MaxFeePerGas.Int, Gas: gas, To: to, Value: value, Data: data, AccessList: access}, nil
	case types.SetCodeTxType:
		if to == nil {
			return nil, apierr.BadRequest("transaction.to is required for type 4 transactions")
		}
		auths, err := decodeAuthList(in.AuthorizationList)
		if err != nil {
			return nil, err
		}
		return &types.SetCodeTx{ChainID: uint256.MustFromBig(want), Nonce: nonce,
			GasTipCap: uint256.MustFromBig(&in.MaxPriorityFeePerGas.Int), GasFeeCap: uint256.MustFromBig(&in.MaxFeePerGas.Int),
			Gas: gas, To: *to, Value: uint256.MustFromBig(value), Data: data, AccessList: access, AuthList: auths}, nil
	default:
		return nil, apierr.BadRequest("transaction type %d is not supported (use 0, 1, 2 or 4)", typ)
	}
}

// decodeAuthList converts signed authorizations for a type 4 transaction.
func decodeAuthList(in []authJSON) ([]types.SetCodeAuthorization, error) {
	if len(in) == 0 {
		return nil, apierr.BadRequest("authorizationList is required for type 4 transactions")
	}
	out := make([]types.SetCodeAuthorization, len(in))
	for i, a := range in {
		if a.ChainID == nil || a.Address == nil || a.Nonce == nil {
			return nil, apierr.BadRequest("authorizationList[%d] needs chainId, address and nonce", i)
		}
		addr, err := parseAddress("authorizationList address", *a.Address)
		if err != nil {
			return nil, err
		}
		nonce, err := a.Nonce.u64("authorizationList nonce")
		if err != nil {
			return nil, err
		}
		auth := types.SetCodeAuthorization{ChainID: *uint256.MustFromBig(&a.ChainID.Int), Address: addr, Nonce: nonce}
		switch {
		case a.Signature != nil:
			sig, err := decodeHex("authorizationList signature", *a.Signature)
			if err != nil {
				return nil, err
			}
			if len(sig) != 65 {
				return nil, apierr.BadRequest("authorizationList[%d].signature must be 65 bytes", i)
			}
			v := sig[64]
			if v >= 27 {
				v -= 27
			}
			auth.R.SetBytes(sig[:32])
			auth.S.SetBytes(sig[32:64])
			auth.V = v
		case a.R != nil && a.S != nil && a.YParity != nil:
			auth.R = *uint256.MustFromBig(&a.R.Int)
			auth.S = *uint256.MustFromBig(&a.S.Int)
			y, err := a.YParity.u64("authorizationList yParity")
			if err != nil {
				return nil, err
			}
			auth.V = uint8(y)
			if y > 1 {
				auth.V = 2 // rejected below
			}
		default:
			return nil, apierr.BadRequest("authorizationList[%d] needs signature, or r, s and yParity", i)
		}
		if auth.V > 1 {
			return nil, apierr.BadRequest("authorizationList[%d] has a recovery id other than 0 or 1", i)
		}
		out[i] = auth
	}
	return out, nil
}
