// Package psbtkit holds what the Bitcoin-family adapters (internal/chain/btc
// for Bitcoin and Litecoin, internal/chain/utxo for Bitcoin Cash and
// Dogecoin) share when they read a caller's PSBT (docs/protocol/keys-wallets.md
// §8): decoding it as untrusted input, and the outputs its inputs spend.
package psbtkit

import (
	"bytes"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
)

// Parse decodes a binary PSBT, turning every failure into a 400.
func Parse(raw []byte) (pkt *psbt.Packet, err error) {
	// The parser reads untrusted input; a panic in it must not take the
	// request down with a 500.
	defer func() {
		if r := recover(); r != nil {
			pkt, err = nil, apierr.BadRequest("psbt is not a valid PSBT").Wrap(fmt.Errorf("psbt parser panic: %v", r))
		}
	}()
	pkt, err = psbt.NewFromRawBytes(bytes.NewReader(raw), false)
	if err != nil {
		return nil, apierr.BadRequest("psbt is not a valid PSBT: %v", err)
	}
	if len(pkt.Inputs) != len(pkt.UnsignedTx.TxIn) || len(pkt.Outputs) != len(pkt.UnsignedTx.TxOut) {
		return nil, apierr.BadRequest("psbt is not a valid PSBT: input or output maps do not match the transaction")
	}
	return pkt, nil
}

// InputUTXO returns the output that input i spends, from its witness_utxo or
// non_witness_utxo (which must agree), or nil when the PSBT carries neither.
func InputUTXO(pkt *psbt.Packet, i int) (*wire.TxOut, error) {
	in := &pkt.Inputs[i]
	op := pkt.UnsignedTx.TxIn[i].PreviousOutPoint
	var full *wire.TxOut
	if in.NonWitnessUtxo != nil {
		if in.NonWitnessUtxo.TxHash() != op.Hash {
			return nil, apierr.BadRequest("psbt input %d: non_witness_utxo is not the transaction the input spends", i)
		}
		if int(op.Index) >= len(in.NonWitnessUtxo.TxOut) {
			return nil, apierr.BadRequest("psbt input %d: non_witness_utxo has no output %d", i, op.Index)
		}
		full = in.NonWitnessUtxo.TxOut[op.Index]
	}
	if in.WitnessUtxo == nil {
		return full, nil
	}
	if full != nil && (full.Value != in.WitnessUtxo.Value || !bytes.Equal(full.PkScript, in.WitnessUtxo.PkScript)) {
		// A wrong witness_utxo amount would make us sign for a
		// different fee than the caller sees.
		return nil, apierr.BadRequest("psbt input %d: witness_utxo does not match non_witness_utxo", i)
	}
	return in.WitnessUtxo, nil
}

// PrevOuts is a txscript.PrevOutputFetcher over the UTXOs a PSBT carries.
// Unknown outputs come back empty rather than nil, which NewTxSigHashes would
// dereference; taproot signing only happens when none is unknown.
type PrevOuts map[wire.OutPoint]*wire.TxOut

// FetchPrevOutput returns the output op refers to, or an empty output.
func (p PrevOuts) FetchPrevOutput(op wire.OutPoint) *wire.TxOut {
	if out, ok := p[op]; ok {
		return out
	}
	return &wire.TxOut{}
}
