package btc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/psbtkit"
)

// psbtRequest is the body of a Psbt signature request.
type psbtRequest struct {
	Psbt string `json:"psbt"`
}

// signPsbt signs every input of the PSBT that spends from this wallet and
// returns the PSBT with the signatures added (see the package doc).
func (w *wallet) signPsbt(ctx context.Context, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in psbtRequest
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Psbt == "" {
		return nil, apierr.BadRequest("psbt is required")
	}
	raw, err := decodeHex("psbt", in.Psbt)
	if err != nil {
		return nil, err
	}
	pkt, err := psbtkit.Parse(raw)
	if err != nil {
		return nil, err
	}
	tx := pkt.UnsignedTx

	prev := psbtkit.PrevOuts{}
	seen := make(map[wire.OutPoint]bool, len(tx.TxIn))
	complete := true
	var mine []int
	for i := range pkt.Inputs {
		op := tx.TxIn[i].PreviousOutPoint
		if seen[op] {
			return nil, apierr.BadRequest("psbt input %d spends the same output as an earlier input", i)
		}
		seen[op] = true
		utxo, err := psbtkit.InputUTXO(pkt, i)
		if err != nil {
			return nil, err
		}
		if utxo == nil {
			complete = false
			continue
		}
		prev[op] = utxo
		in := &pkt.Inputs[i]
		if bytes.Equal(utxo.PkScript, w.pkScript) && in.FinalScriptSig == nil && in.FinalScriptWitness == nil {
			mine = append(mine, i)
		}
	}
	if len(mine) == 0 {
		return nil, apierr.BadRequest("no unfinalized input of the psbt spends from this wallet (each input needs a witness_utxo or non_witness_utxo)")
	}
	if w.taproot && !complete {
		// BIP-341 signatures commit to the amounts and scripts of all
		// inputs.
		return nil, apierr.BadRequest("signing a taproot input needs the witness_utxo or non_witness_utxo of every psbt input")
	}

	hashes := txscript.NewTxSigHashes(tx, prev)
	sigs := make([]chain.Signature, 0, len(mine))
	for _, i := range mine {
		var sig chain.Signature
		if w.taproot {
			sig, err = w.signTaprootInput(ctx, s, pkt, i, hashes, prev)
		} else {
			sig, err = w.signP2WPKHInput(ctx, s, pkt, i, hashes, prev[tx.TxIn[i].PreviousOutPoint].Value)
		}
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}

	var buf bytes.Buffer
	if err := pkt.Serialize(&buf); err != nil {
		return nil, fmt.Errorf("serialize psbt: %w", err)
	}
	return &chain.Result{Signatures: sigs, SignedData: hex0x(buf.Bytes())}, nil
}

// signP2WPKHInput adds a BIP-143 partial signature to input i.
func (w *wallet) signP2WPKHInput(ctx context.Context, s chain.Signer, pkt *psbt.Packet, i int, hashes *txscript.TxSigHashes, amount int64) (chain.Signature, error) {
	in := &pkt.Inputs[i]
	hashType := in.SighashType
	if hashType == 0 {
		hashType = txscript.SigHashAll
	}
	if !validSegwitV0SigHash(hashType) {
		return chain.Signature{}, apierr.BadRequest("psbt input %d has an invalid sighash type %#x", i, uint32(in.SighashType))
	}
	digest, err := txscript.CalcWitnessSigHash(w.pkScript, hashes, hashType, pkt.UnsignedTx, i, amount)
	if err != nil {
		return chain.Signature{}, apierr.BadRequest("psbt input %d cannot be signed", i).Wrap(err)
	}
	sig, err := w.signECDSA(ctx, s, digest)
	if err != nil {
		return chain.Signature{}, fmt.Errorf("psbt input %d: %w", i, err)
	}
	pub := w.pub.SerializeCompressed()
	kept := in.PartialSigs[:0]
	for _, ps := range in.PartialSigs {
		if !bytes.Equal(ps.PubKey, pub) {
			kept = append(kept, ps)
		}
	}
	in.PartialSigs = append(kept, &psbt.PartialSig{
		PubKey:    pub,
		Signature: append(append([]byte(nil), sig.der...), byte(hashType)),
	})
	return sig.wire(), nil
}

// signTaprootInput adds a BIP-341 key-path signature to input i.
func (w *wallet) signTaprootInput(ctx context.Context, s chain.Signer, pkt *psbt.Packet, i int, hashes *txscript.TxSigHashes, prev psbtkit.PrevOuts) (chain.Signature, error) {
	in := &pkt.Inputs[i]
	hashType := in.SighashType
	if !validTaprootSigHash(hashType) {
		return chain.Signature{}, apierr.BadRequest("psbt input %d has an invalid taproot sighash type %#x", i, uint32(hashType))
	}
	digest, err := txscript.CalcTaprootSignatureHash(hashes, hashType, pkt.UnsignedTx, i, prev)
	if err != nil {
		// e.g. SIGHASH_SINGLE without a matching output (BIP-341).
		return chain.Signature{}, apierr.BadRequest("psbt input %d cannot be signed with sighash type %#x", i, uint32(hashType)).Wrap(err)
	}
	sig, err := signSchnorr(ctx, s, digest, w.tweak, w.outputKey)
	if err != nil {
		return chain.Signature{}, fmt.Errorf("psbt input %d: %w", i, err)
	}
	keySig := append([]byte(nil), sig...)
	if hashType != txscript.SigHashDefault {
		keySig = append(keySig, byte(hashType))
	}
	in.TaprootKeySpendSig = keySig
	return schnorrWire(sig), nil
}

// validSegwitV0SigHash reports whether t is ALL, NONE or SINGLE, optionally
// with ANYONECANPAY: the standard BIP-143 types.
func validSegwitV0SigHash(t txscript.SigHashType) bool {
	switch t &^ txscript.SigHashAnyOneCanPay {
	case txscript.SigHashAll, txscript.SigHashNone, txscript.SigHashSingle:
		return true
	}
	return false
}

// validTaprootSigHash reports whether t is a BIP-341 sighash type: DEFAULT,
// or ALL, NONE or SINGLE optionally with ANYONECANPAY.
func validTaprootSigHash(t txscript.SigHashType) bool {
	return t == txscript.SigHashDefault || validSegwitV0SigHash(t)
}
