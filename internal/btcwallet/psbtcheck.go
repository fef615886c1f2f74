package btcwallet

import (
	"bytes"
	"encoding/hex"
	"strings"

	"github.com/btcsuite/btcd/btcutil/psbt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/wallet"
)

// checkPsbt parses the PSBT of a Psbt transaction of w: every input must
// spend from the wallet (with its witness_utxo or non_witness_utxo, so
// that Custos can sign it) or be finalized already, and the outputs must
// not spend more than the inputs hold when their amounts are known.
func checkPsbt(w *wallet.Wallet, s string) (pkt *psbt.Packet, err error) {
	raw, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil {
		return nil, apierr.BadRequest("psbt must be hex encoded")
	}
	defer func() {
		if r := recover(); r != nil {
			pkt, err = nil, apierr.BadRequest("psbt is not a valid PSBT")
		}
	}()
	pkt, err = psbt.NewFromRawBytes(bytes.NewReader(raw), false)
	if err != nil || len(pkt.Inputs) != len(pkt.UnsignedTx.TxIn) || len(pkt.Outputs) != len(pkt.UnsignedTx.TxOut) {
		return nil, apierr.BadRequest("psbt is not a valid PSBT")
	}
	p, _ := btc.Params(w.Network)
	mine, _, err := walletScript(p, w.Address)
	if err != nil {
		return nil, err
	}
	var in, out int64
	known := true
	for i := range pkt.Inputs {
		pi := &pkt.Inputs[i]
		if len(pi.FinalScriptWitness) > 0 || len(pi.FinalScriptSig) > 0 {
			known = false
			continue
		}
		var utxo []byte
		var value int64
		switch {
		case pi.WitnessUtxo != nil:
			utxo, value = pi.WitnessUtxo.PkScript, pi.WitnessUtxo.Value
		case pi.NonWitnessUtxo != nil && int(pkt.UnsignedTx.TxIn[i].PreviousOutPoint.Index) < len(pi.NonWitnessUtxo.TxOut):
			o := pi.NonWitnessUtxo.TxOut[pkt.UnsignedTx.TxIn[i].PreviousOutPoint.Index]
			utxo, value = o.PkScript, o.Value
		}
		if !bytes.Equal(utxo, mine) {
			return nil, apierr.BadRequest("psbt input %d neither spends from this wallet (with its witness_utxo) nor is finalized", i)
		}
		in += value
	}
	for _, o := range pkt.UnsignedTx.TxOut {
		out += o.Value
	}
	if known && out > in {
		return nil, apierr.BadRequest("psbt outputs pay %d satoshis, more than its inputs hold (%d)", out, in)
	}
	return pkt, nil
}
