package btc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// bip322Tag is the BIP-340 tag of the BIP-322 message hash.
var bip322Tag = []byte("BIP0322-signed-message")

// bip322Request is the body of a Bip322 signature request.
type bip322Request struct {
	Message string `json:"message"` // hex
	Format  string `json:"format"`  // Simple (default) | Full
}

// signBip322 signs a BIP-322 generic message. Simple returns the witness
// stack and Full the signed to_sign transaction, both consensus-encoded and
// 0x hex as in the Dfns example (the BIP itself uses base64).
func (w *wallet) signBip322(ctx context.Context, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in bip322Request
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	full := false
	switch in.Format {
	case "", "Simple":
	case "Full":
		full = true
	default:
		return nil, apierr.BadRequest(`format must be "Simple" or "Full"`)
	}
	msg, err := decodeHex("message", in.Message)
	if err != nil {
		return nil, err
	}

	toSign := bip322ToSign(bip322ToSpend(msg, w.pkScript))
	fetcher := txscript.NewCannedPrevOutputFetcher(w.pkScript, 0)
	hashes := txscript.NewTxSigHashes(toSign, fetcher)

	var (
		res     chain.Result
		witness wire.TxWitness
	)
	if w.taproot {
		digest, err := txscript.CalcTaprootSignatureHash(hashes, txscript.SigHashDefault, toSign, 0, fetcher)
		if err != nil {
			return nil, fmt.Errorf("bip322 sighash: %w", err)
		}
		sig, err := signSchnorr(ctx, s, digest, w.tweak, w.outputKey)
		if err != nil {
			return nil, fmt.Errorf("bip322: %w", err)
		}
		witness = wire.TxWitness{sig}
		ws := schnorrWire(sig)
		res.Signature = &ws
	} else {
		digest, err := txscript.CalcWitnessSigHash(w.pkScript, hashes, txscript.SigHashAll, toSign, 0, 0)
		if err != nil {
			return nil, fmt.Errorf("bip322 sighash: %w", err)
		}
		sig, err := w.signECDSA(ctx, s, digest)
		if err != nil {
			return nil, fmt.Errorf("bip322: %w", err)
		}
		der := append(append([]byte(nil), sig.der...), byte(txscript.SigHashAll))
		witness = wire.TxWitness{der, w.pub.SerializeCompressed()}
		ws := sig.wire()
		res.Signature = &ws
	}
	toSign.TxIn[0].Witness = witness

	var buf bytes.Buffer
	if full {
		err = toSign.Serialize(&buf)
	} else {
		err = writeWitness(&buf, witness)
	}
	if err != nil {
		return nil, fmt.Errorf("bip322 encode: %w", err)
	}
	res.SignedData = hex0x(buf.Bytes())
	return &res, nil
}

// bip322ToSpend builds the BIP-322 to_spend transaction for msg and the
// wallet's script.
func bip322ToSpend(msg, pkScript []byte) *wire.MsgTx {
	h := chainhash.TaggedHash(bip322Tag, msg)
	tx := wire.NewMsgTx(0)
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Index: wire.MaxPrevOutIndex},
		SignatureScript:  append([]byte{txscript.OP_0, txscript.OP_DATA_32}, h[:]...),
		Sequence:         0,
	})
	tx.AddTxOut(wire.NewTxOut(0, pkScript))
	return tx
}

// bip322ToSign builds the unsigned BIP-322 to_sign transaction spending
// output 0 of toSpend.
func bip322ToSign(toSpend *wire.MsgTx) *wire.MsgTx {
	tx := wire.NewMsgTx(0)
	tx.AddTxIn(&wire.TxIn{
		PreviousOutPoint: wire.OutPoint{Hash: toSpend.TxHash(), Index: 0},
		Sequence:         0,
	})
	tx.AddTxOut(wire.NewTxOut(0, []byte{txscript.OP_RETURN}))
	return tx
}

// writeWitness writes a witness stack in consensus encoding: the item count,
// then each item with its length.
func writeWitness(buf *bytes.Buffer, witness wire.TxWitness) error {
	if err := wire.WriteVarInt(buf, 0, uint64(len(witness))); err != nil {
		return err
	}
	for _, item := range witness {
		if err := wire.WriteVarBytes(buf, 0, item); err != nil {
			return err
		}
	}
	return nil
}
