package btc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/btcsuite/btcd/txscript"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/psbtkit"
)

// DecodeOutflows reads the payments of a Psbt signature request body:
// every output that does not pay the wallet itself (change), with its
// address and value in satoshis (8 decimals). A zero-value OP_RETURN
// output carries data, not a payment, and is left out; any other output
// without an address makes the recipient unknown (an error).
func DecodeOutflows(network string, key chain.Key, body json.RawMessage) ([]chain.Outflow, error) {
	p, err := params(network)
	if err != nil {
		return nil, err
	}
	w, err := newWallet(key)
	if err != nil {
		return nil, err
	}
	var in psbtRequest
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	raw, err := decodeHex("psbt", in.Psbt)
	if err != nil {
		return nil, err
	}
	pkt, err := psbtkit.Parse(raw)
	if err != nil {
		return nil, err
	}
	var out []chain.Outflow
	for i, o := range pkt.UnsignedTx.TxOut {
		if bytes.Equal(o.PkScript, w.pkScript) {
			continue
		}
		class, addrs, _, err := txscript.ExtractPkScriptAddrs(o.PkScript, p)
		if class == txscript.NullDataTy && o.Value == 0 {
			continue
		}
		if err != nil || len(addrs) != 1 {
			return nil, fmt.Errorf("output %d pays a script without a single address", i)
		}
		out = append(out, chain.Outflow{To: addrs[0].EncodeAddress(), Amount: big.NewInt(o.Value), Decimals: 8})
	}
	return out, nil
}
