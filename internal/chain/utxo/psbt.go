package utxo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/txscript"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/psbtkit"
)

// sigHashForkID is the Bitcoin Cash replay protection flag (0x40).
const sigHashForkID txscript.SigHashType = 0x40

// maxPsbtBytes bounds the PSBT a request may carry (hex is twice that).
const maxPsbtBytes = 1 << 20

// signPsbt signs every unfinalized input of the PSBT whose UTXO pays to the
// wallet's P2PKH script, adds a partial signature (DER ‖ sighash byte) to
// it, and returns the signatures and the updated PSBT (docs/protocol/networks-utxo.md).
func (w *wallet) signPsbt(ctx context.Context, body json.RawMessage) (*chain.Result, error) {
	var in struct {
		Psbt *string `json:"psbt"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Psbt == nil || *in.Psbt == "" {
		return nil, apierr.BadRequest("psbt is required")
	}
	if len(*in.Psbt) > 2*maxPsbtBytes+2 {
		return nil, apierr.BadRequest("psbt is larger than %d bytes", maxPsbtBytes)
	}
	raw, err := chain.DecodeHex("psbt", *in.Psbt)
	if err != nil {
		return nil, err
	}
	pkt, err := psbtkit.Parse(raw)
	if err != nil {
		return nil, err
	}
	tx := pkt.UnsignedTx
	prev := psbtkit.PrevOuts{}
	var mine []int
	for i := range pkt.Inputs {
		utxo, err := psbtkit.InputUTXO(pkt, i)
		if err != nil {
			return nil, err
		}
		if utxo == nil {
			continue
		}
		prev[tx.TxIn[i].PreviousOutPoint] = utxo
		pin := &pkt.Inputs[i]
		if bytes.Equal(utxo.PkScript, w.pkScript) && pin.FinalScriptSig == nil && pin.FinalScriptWitness == nil {
			mine = append(mine, i)
		}
	}
	if len(mine) == 0 {
		return nil, apierr.BadRequest("no unfinalized input of the psbt spends from this wallet (each input needs a non_witness_utxo or witness_utxo)")
	}
	var hashes *txscript.TxSigHashes
	if w.p.forkID {
		hashes = txscript.NewTxSigHashes(tx, prev)
	}
	pubBytes := w.pub.SerializeCompressed()
	sigs := make([]chain.Signature, 0, len(mine))
	for _, i := range mine {
		pin := &pkt.Inputs[i]
		hashType, err := w.sigHashType(i, pin.SighashType)
		if err != nil {
			return nil, err
		}
		var digest []byte
		if w.p.forkID {
			// The BIP-143 layout with the fork id in the type's upper
			// bits (0 for Bitcoin Cash): the script code is the P2PKH
			// script and the input amount is committed to.
			digest, err = txscript.CalcWitnessSigHash(w.pkScript, hashes, hashType, tx, i, prev[tx.TxIn[i].PreviousOutPoint].Value)
		} else {
			digest, err = txscript.CalcSignatureHash(w.pkScript, hashType, tx, i)
		}
		if err != nil {
			return nil, apierr.BadRequest("psbt input %d cannot be signed", i).Wrap(err)
		}
		sg, err := w.sign(ctx, digest)
		if err != nil {
			return nil, fmt.Errorf("psbt input %d: %w", i, err)
		}
		kept := pin.PartialSigs[:0]
		for _, ps := range pin.PartialSigs {
			if !bytes.Equal(ps.PubKey, pubBytes) {
				kept = append(kept, ps)
			}
		}
		pin.PartialSigs = append(kept, &psbt.PartialSig{
			PubKey:    pubBytes,
			Signature: append(append([]byte(nil), sg.der...), byte(hashType)),
		})
		sigs = append(sigs, sg.wire())
	}
	var buf bytes.Buffer
	if err := pkt.Serialize(&buf); err != nil {
		return nil, fmt.Errorf("serialize psbt: %w", err)
	}
	return &chain.Result{Signatures: sigs, SignedData: chain.Hex0x(buf.Bytes())}, nil
}

// sigHashType returns the sighash type input i is signed with: the PSBT's,
// or ALL (with FORKID on Bitcoin Cash) when it names none.
func (w *wallet) sigHashType(i int, t txscript.SigHashType) (txscript.SigHashType, error) {
	if t == 0 {
		t = txscript.SigHashAll
		if w.p.forkID {
			t |= sigHashForkID
		}
	}
	base := t &^ (txscript.SigHashAnyOneCanPay | sigHashForkID)
	if base != txscript.SigHashAll && base != txscript.SigHashNone && base != txscript.SigHashSingle {
		return 0, apierr.BadRequest("psbt input %d has an invalid sighash type %#x", i, uint32(t))
	}
	if w.p.forkID && t&sigHashForkID == 0 {
		return 0, apierr.BadRequest("psbt input %d: Bitcoin Cash signatures need SIGHASH_FORKID (0x40) in the sighash type %#x", i, uint32(t))
	}
	if !w.p.forkID && t&sigHashForkID != 0 {
		return 0, apierr.BadRequest("psbt input %d: sighash type %#x has the Bitcoin Cash FORKID flag", i, uint32(t))
	}
	return t, nil
}

// signHash signs a raw 32-byte digest: {r, s, recid, encoded = DER}.
func (w *wallet) signHash(ctx context.Context, body json.RawMessage) (*chain.Result, error) {
	var in struct {
		Hash              *string `json:"hash"`
		TaprootMerkleRoot *string `json:"taprootMerkleRoot"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Hash == nil {
		return nil, apierr.BadRequest("hash is required")
	}
	if in.TaprootMerkleRoot != nil {
		return nil, apierr.BadRequest("taprootMerkleRoot applies to Schnorr keys only")
	}
	digest, err := chain.DecodeHex("hash", *in.Hash)
	if err != nil {
		return nil, err
	}
	if len(digest) != 32 {
		return nil, apierr.BadRequest("hash must be 32 bytes, got %d", len(digest))
	}
	sg, err := w.sign(ctx, digest)
	if err != nil {
		return nil, err
	}
	out := sg.wire()
	return &chain.Result{Signature: &out}, nil
}
