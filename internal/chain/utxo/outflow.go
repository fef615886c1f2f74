package utxo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/txscript"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/psbtkit"
)

// DecodeOutflows reads the payments of a Psbt request body for the policy
// rules (docs/protocol/policies.md §1.2): every output that does not pay
// the wallet itself, with its address and value (8 decimals). A zero-value
// OP_RETURN output is data, not a payment; any other script without an
// address makes the recipient unknown (an error).
func DecodeOutflows(network string, key chain.Key, body json.RawMessage) ([]chain.Outflow, error) {
	p, err := paramsOf(network)
	if err != nil {
		return nil, err
	}
	pub, err := publicKey(network, key)
	if err != nil {
		return nil, err
	}
	var in struct {
		Psbt string `json:"psbt"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("psbt request body is not valid")
	}
	raw, err := chain.DecodeHex("psbt", in.Psbt)
	if err != nil {
		return nil, err
	}
	pkt, err := psbtkit.Parse(raw)
	if err != nil {
		return nil, err
	}
	w := &wallet{p: p, pub: pub}
	self, err := w.script()
	if err != nil {
		return nil, err
	}
	var out []chain.Outflow
	for i, o := range pkt.UnsignedTx.TxOut {
		if bytes.Equal(o.PkScript, self) {
			continue
		}
		if o.Value == 0 && len(o.PkScript) > 0 && o.PkScript[0] == txscript.OP_RETURN {
			continue
		}
		to, ok := p.address(o.PkScript)
		if !ok {
			return nil, fmt.Errorf("output %d pays a script with no address", i)
		}
		out = append(out, chain.Outflow{To: to, Amount: big.NewInt(o.Value), Decimals: 8})
	}
	return out, nil
}

// address returns the address of a P2PKH or P2SH output script.
func (p params) address(script []byte) (string, bool) {
	switch {
	case len(script) == 25 && script[0] == txscript.OP_DUP && script[1] == txscript.OP_HASH160 && script[2] == 20 &&
		script[23] == txscript.OP_EQUALVERIFY && script[24] == txscript.OP_CHECKSIG:
		if p.cashPrefix != "" {
			return cashAddr(p.cashPrefix, 0x00, script[3:23]), true
		}
		return base58.CheckEncode(script[3:23], p.p2pkhVersion), true
	case len(script) == 23 && script[0] == txscript.OP_HASH160 && script[1] == 20 && script[22] == txscript.OP_EQUAL:
		if p.cashPrefix != "" {
			return cashAddr(p.cashPrefix, 0x08, script[2:22]), true // type 1 (P2SH), 160 bits
		}
		return base58.CheckEncode(script[2:22], p.p2shVersion), true
	}
	return "", false
}
