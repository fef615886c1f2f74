package evmwallet

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/evm"
	"github.com/custos-dev/custos/internal/validate"
)

// plan is what a transfer or transaction sends, before fees, gas and the
// nonce are known.
type plan struct {
	kind   string
	to     *common.Address
	value  *big.Int
	data   []byte
	gas    uint64   // 0: estimate
	tip    *big.Int // nil: from priority
	feeCap *big.Int
	// legacy makes the transaction a legacy (type 0, EIP-155) one whose
	// gas price is feeCap: the network has no EIP-1559.
	legacy   bool
	priority string
	nonce    *uint64 // set when the caller chose it
	// prebuilt is the caller's whole transaction (kind Transaction).
	prebuilt *types.Transaction
	// token is the ERC-20 contract whose balance must cover tokenAmount.
	token       *common.Address
	tokenAmount *big.Int
	// recipient and amount are what the policy seam sees.
	recipient, amount string
	externalID        string
}

// transferBody is the body of POST /wallets/{walletId}/transfers for the
// kinds EVM networks take (docs/protocol/keys-wallets.md §5).
type transferBody struct {
	Kind         string          `json:"kind"`
	To           *string         `json:"to"`
	Amount       *string         `json:"amount"`
	Contract     *string         `json:"contract"`
	TokenID      *string         `json:"tokenId"`
	Priority     *string         `json:"priority"`
	ExternalID   *string         `json:"externalId"`
	Memo         *string         `json:"memo"`
	FeeSponsorID *string         `json:"feeSponsorId"`
	TravelRule   json.RawMessage `json:"travelRule"`
}

// Function selectors: transfer(address,uint256) and
// transferFrom(address,address,uint256) (ERC-20 and ERC-721).
var (
	selTransfer     = []byte{0xa9, 0x05, 0x9c, 0xbb}
	selTransferFrom = []byte{0x23, 0xb8, 0x72, 0xdd}
)

// parseTransfer checks a transfer body and returns what it sends from
// sender.
func parseTransfer(body []byte, sender common.Address) (*plan, error) {
	var in transferBody
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	pl := &plan{kind: in.Kind, value: new(big.Int)}
	if err := common2(&pl.externalID, &pl.priority, in.ExternalID, in.Priority); err != nil {
		return nil, err
	}
	switch {
	case in.FeeSponsorID != nil:
		return nil, apierr.BadRequest("feeSponsorId is not supported: Custos has no fee sponsors")
	case in.Memo != nil && *in.Memo != "":
		return nil, apierr.BadRequest("memo is not supported on EVM networks")
	}
	to, err := requiredAddress("to", in.To)
	if err != nil {
		return nil, err
	}
	pl.recipient = to.Hex()
	switch in.Kind {
	case "":
		return nil, apierr.BadRequest("kind is required")
	case "Native":
		if pl.value, err = amount("amount", in.Amount); err != nil {
			return nil, err
		}
		pl.to, pl.amount = &to, pl.value.String()
	case "Erc20":
		contract, err := requiredAddress("contract", in.Contract)
		if err != nil {
			return nil, err
		}
		v, err := amount("amount", in.Amount)
		if err != nil {
			return nil, err
		}
		pl.to, pl.token, pl.tokenAmount, pl.amount = &contract, &contract, v, v.String()
		pl.data = call(selTransfer, common.LeftPadBytes(to.Bytes(), 32), word(v))
	case "Erc721":
		contract, err := requiredAddress("contract", in.Contract)
		if err != nil {
			return nil, err
		}
		id, err := amount("tokenId", in.TokenID)
		if err != nil {
			return nil, err
		}
		pl.to, pl.amount = &contract, "1"
		pl.data = call(selTransferFrom, common.LeftPadBytes(sender.Bytes(), 32), common.LeftPadBytes(to.Bytes(), 32), word(id))
	default:
		return nil, apierr.BadRequest("transfer kind %q is not supported on EVM networks (Native, Erc20, Erc721)", clip(in.Kind))
	}
	return pl, nil
}

// txBody is the body of POST /wallets/{walletId}/transactions for the
// kinds EVM networks take (docs/protocol/keys-wallets.md §6).
type txBody struct {
	Kind                 string          `json:"kind"`
	Transaction          json.RawMessage `json:"transaction"`
	To                   *string         `json:"to"`
	Value                *string         `json:"value"`
	Data                 *string         `json:"data"`
	Nonce                json.RawMessage `json:"nonce"`
	GasLimit             *string         `json:"gasLimit"`
	MaxFeePerGas         *string         `json:"maxFeePerGas"`
	MaxPriorityFeePerGas *string         `json:"maxPriorityFeePerGas"`
	ExternalID           *string         `json:"externalId"`
}

// parseTransaction checks a transaction body for a network of chainID.
func parseTransaction(body []byte, chainID int64) (*plan, error) {
	var in txBody
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	pl := &plan{kind: in.Kind, value: new(big.Int)}
	if err := common2(&pl.externalID, nil, in.ExternalID, nil); err != nil {
		return nil, err
	}
	switch in.Kind {
	case "":
		return nil, apierr.BadRequest("kind is required")
	case "Transaction":
		tx, err := evm.DecodeUnsigned(in.Transaction, chainID)
		if err != nil {
			return nil, err
		}
		if tx.Type() == types.SetCodeTxType {
			return nil, apierr.BadRequest("EIP-7702 transactions cannot be broadcast yet; sign them with a signature request")
		}
		if tx.Gas() == 0 {
			return nil, apierr.BadRequest("transaction has no gas limit")
		}
		n := tx.Nonce()
		pl.prebuilt, pl.nonce, pl.to, pl.value = tx, &n, tx.To(), tx.Value()
	case "Evm", "Eip1559":
		if in.To != nil {
			to, err := evm.ParseAddress("to", *in.To)
			if err != nil {
				return nil, err
			}
			pl.to = &to
		}
		var err error
		if in.Value != nil {
			if pl.value, err = quantity("value", *in.Value); err != nil {
				return nil, err
			}
		}
		if in.Data != nil {
			if pl.data, err = hexBytes("data", *in.Data); err != nil {
				return nil, err
			}
		}
		if pl.to == nil && len(pl.data) == 0 {
			return nil, apierr.BadRequest("to is required unless data deploys a contract")
		}
		if len(in.Nonce) > 0 && string(in.Nonce) != "null" {
			n, err := nonceOf(in.Nonce)
			if err != nil {
				return nil, err
			}
			pl.nonce = &n
		}
		if in.GasLimit != nil {
			g, err := quantity("gasLimit", *in.GasLimit)
			if err != nil || !g.IsUint64() || g.Sign() == 0 {
				return nil, apierr.BadRequest("gasLimit must be a positive integer string")
			}
			pl.gas = g.Uint64()
		}
		if in.Kind == "Eip1559" {
			if in.MaxFeePerGas != nil {
				if pl.feeCap, err = quantity("maxFeePerGas", *in.MaxFeePerGas); err != nil {
					return nil, err
				}
			}
			if in.MaxPriorityFeePerGas != nil {
				if pl.tip, err = quantity("maxPriorityFeePerGas", *in.MaxPriorityFeePerGas); err != nil {
					return nil, err
				}
			}
			if (pl.feeCap == nil) != (pl.tip == nil) {
				return nil, apierr.BadRequest("maxFeePerGas and maxPriorityFeePerGas go together")
			}
			if pl.feeCap != nil && pl.tip.Cmp(pl.feeCap) > 0 {
				return nil, apierr.BadRequest("maxPriorityFeePerGas must not exceed maxFeePerGas")
			}
		} else if in.MaxFeePerGas != nil || in.MaxPriorityFeePerGas != nil {
			return nil, apierr.BadRequest("maxFeePerGas and maxPriorityFeePerGas need kind Eip1559")
		}
	default:
		return nil, apierr.BadRequest("transaction kind %q is not supported on EVM networks (Transaction, Evm, Eip1559)", clip(in.Kind))
	}
	if pl.to != nil {
		pl.recipient = pl.to.Hex()
	}
	pl.amount = pl.value.String()
	return pl, nil
}

// decode unmarshals a body, naming the field of a wrong type.
func decode(body []byte, v any) error { return DecodeBody(body, v, clip) }

// common2 checks externalId and priority.
func common2(ext, priority *string, inExt, inPriority *string) error {
	if err := validate.OptExternalID("externalId", inExt); err != nil {
		return err
	}
	if inExt != nil {
		*ext = *inExt
	}
	if inPriority != nil {
		switch *inPriority {
		case PrioritySlow, PriorityStandard, PriorityFast:
			*priority = *inPriority
		default:
			return apierr.BadRequest("priority must be Slow, Standard or Fast")
		}
	}
	return nil
}

func requiredAddress(field string, v *string) (common.Address, error) {
	if v == nil || *v == "" {
		return common.Address{}, apierr.BadRequest("%s is required", field)
	}
	return evm.ParseAddress(field, *v)
}

// maxUint256 bounds amounts.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// amount parses a required decimal string of the smallest unit.
func amount(field string, v *string) (*big.Int, error) {
	if v == nil {
		return nil, apierr.BadRequest("%s is required", field)
	}
	s := *v
	if s == "" || len(s) > 78 || strings.TrimLeft(s, "0123456789") != "" {
		return nil, apierr.BadRequest("%s must be a decimal string of whole units (e.g. \"1000\")", field)
	}
	n, _ := new(big.Int).SetString(s, 10)
	if n.Cmp(maxUint256) > 0 {
		return nil, apierr.BadRequest("%s is larger than 2^256-1", field)
	}
	return n, nil
}

// quantity parses a decimal or 0x-hex integer string.
func quantity(field, s string) (*big.Int, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		h := s[2:]
		n, ok := new(big.Int).SetString(h, 16)
		if !ok || h == "" || len(h) > 64 {
			return nil, apierr.BadRequest("%s must be a decimal or 0x-hex integer string", field)
		}
		return n, nil
	}
	return amount(field, &s)
}

// nonceOf parses a nonce given as a number or a string.
func nonceOf(raw json.RawMessage) (uint64, error) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n >= 1<<63 {
		return 0, apierr.BadRequest("nonce must be a non-negative integer or a string of one")
	}
	return n, nil
}

// maxData bounds call data: 64 KiB, above the largest contract creation
// code EIP-3860 allows (49,152 bytes).
const maxData = 64 << 10

func hexBytes(field, s string) ([]byte, error) {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(h) > 2*maxData {
		return nil, apierr.BadRequest("%s is longer than %d bytes", field, maxData)
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, apierr.BadRequest("%s must be 0x-prefixed hex", field)
	}
	return b, nil
}

// call is ABI call data: a selector and 32-byte words.
func call(sel []byte, words ...[]byte) []byte {
	out := append([]byte(nil), sel...)
	for _, w := range words {
		out = append(out, w...)
	}
	return out
}

func word(n *big.Int) []byte { return common.LeftPadBytes(n.Bytes(), 32) }

// clip shortens caller-supplied text echoed in error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// hex0x renders b as 0x hex.
func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

var _ = fmt.Sprintf
