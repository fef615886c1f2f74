package cosmos

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/custos-dev/custos/internal/chain"
)

// nativeDenoms is the base denomination of each network's staking coin (6
// decimals on every one; Sei's Cosmos side included).
var nativeDenoms = map[string]string{
	"CosmosHub4": "uatom", "CosmosIcsTestnet": "uatom", "BabylonGenesis": "ubbn", "BabylonTestnet5": "ubbn",
	"SeiPacific1": "usei", "SeiAtlantic2": "usei",
}

const msgSendURL = "/cosmos.bank.v1beta1.MsgSend"

// DecodeOutflows reads the payments of a SignDocDirect request body for the
// policy rules (docs/protocol/policies.md §1.2): every bank MsgSend of the
// transaction body, one outflow per coin (the network's native denomination
// with 6 decimals, any other denomination as an asset of unknown decimals).
// Any other message makes the outflow unknown.
func DecodeOutflows(network string, body json.RawMessage) ([]chain.Outflow, error) {
	var in struct {
		SignDoc string `json:"signDoc"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errors.New("request body is not valid")
	}
	doc, err := chain.DecodeHex("signDoc", in.SignDoc)
	if err != nil {
		return nil, err
	}
	txBody, _, err := parseSignDoc(doc)
	if err != nil {
		return nil, err
	}
	var out []chain.Outflow
	for _, msg := range repeated(txBody, 1) { // TxBody.messages
		typeURL, value := string(first(msg, 1)), first(msg, 2)
		if typeURL != msgSendURL {
			return nil, fmt.Errorf("a %.60s message has no recipient Custos can name", typeURL)
		}
		to := string(first(value, 2)) // MsgSend.to_address
		if to == "" {
			return nil, errors.New("a MsgSend has no to_address")
		}
		for _, coin := range repeated(value, 3) { // MsgSend.amount
			denom := string(first(coin, 1))
			amount, ok := new(big.Int).SetString(string(first(coin, 2)), 10)
			if !ok || amount.Sign() < 0 {
				return nil, errors.New("a MsgSend amount is not a decimal integer")
			}
			o := chain.Outflow{To: to, Amount: amount, Asset: denom, Decimals: -1}
			if denom == nativeDenoms[network] {
				o.Asset, o.Decimals = "", 6
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// repeated returns every length-delimited field num of message b (nil on
// malformed input, which parseSignDoc's caller sees as no payment).
func repeated(b []byte, num protowire.Number) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return out
		}
		b = b[l:]
		if typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return out
			}
			if n == num {
				out = append(out, v)
			}
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(n, typ, b)
		if m < 0 {
			return out
		}
		b = b[m:]
	}
	return out
}

func first(b []byte, num protowire.Number) []byte {
	if r := repeated(b, num); len(r) > 0 {
		return r[0]
	}
	return nil
}
