package kaspa

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"

	"golang.org/x/crypto/blake2b"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// The transaction JSON of kaspa-wasm's Transaction.serializeToJSON (the form
// @dfns/lib-kaspa hex-encodes into the psbt field). Field order is kept on
// output.
type txJSON struct {
	ID           string      `json:"id"`
	Version      uint16      `json:"version"`
	Inputs       []inputJSON `json:"inputs"`
	Outputs      []outJSON   `json:"outputs"`
	LockTime     uint64      `json:"lockTime"`
	Gas          uint64      `json:"gas"`
	SubnetworkID string      `json:"subnetworkId"`
	Payload      string      `json:"payload"`
}

type inputJSON struct {
	TransactionID   string    `json:"transactionId"`
	Index           uint32    `json:"index"`
	Sequence        uint64    `json:"sequence"`
	SigOpCount      uint8     `json:"sigOpCount"`
	SignatureScript string    `json:"signatureScript"`
	Utxo            *utxoJSON `json:"utxo"`
}

type utxoJSON struct {
	Address         string `json:"address,omitempty"`
	Amount          uint64 `json:"amount"`
	ScriptPublicKey string `json:"scriptPublicKey"`
	BlockDaaScore   uint64 `json:"blockDaaScore"`
	IsCoinbase      bool   `json:"isCoinbase"`
}

type outJSON struct {
	Value           uint64 `json:"value"`
	ScriptPublicKey string `json:"scriptPublicKey"`
}

const (
	maxTxBytes  = 512 << 10
	sigHashAll  = 0x01
	maxInOutput = 1000
)

// spk is a decoded script public key: version and script.
type spk struct {
	version uint16
	script  []byte
}

// decodeSPK reads kaspa-wasm's hex form: 2 bytes of version (big-endian, as
// printed) followed by the script.
func decodeSPK(field, s string) (spk, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 2 {
		return spk{}, apierr.BadRequest("%s must be hex of a version and a script", field)
	}
	return spk{binary.BigEndian.Uint16(b), b[2:]}, nil
}

func hash32(field, s string, n int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != n {
		return nil, apierr.BadRequest("%s must be %d bytes of hex", field, n)
	}
	return b, nil
}

// signTransaction signs every unsigned input whose UTXO pays to the
// wallet's P2PK script with SIGHASH_ALL and returns the transaction JSON
// with the signature scripts filled in (hex of the JSON, as it came).
func signTransaction(ctx context.Context, x []byte, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in struct {
		Psbt *string `json:"psbt"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Psbt == nil || *in.Psbt == "" {
		return nil, apierr.BadRequest("psbt is required (hex of the Kaspa transaction JSON)")
	}
	if len(*in.Psbt) > 2*maxTxBytes+2 {
		return nil, apierr.BadRequest("psbt is larger than %d bytes", maxTxBytes)
	}
	raw, err := chain.DecodeHex("psbt", *in.Psbt)
	if err != nil {
		return nil, err
	}
	var tx txJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&tx); err != nil {
		return nil, apierr.BadRequest("psbt is not a Kaspa transaction JSON: %s", jsonProblem(err))
	}
	if len(tx.Inputs) == 0 || len(tx.Inputs) > maxInOutput || len(tx.Outputs) > maxInOutput {
		return nil, apierr.BadRequest("transaction must have 1 to %d inputs and at most %d outputs", maxInOutput, maxInOutput)
	}
	h, err := newHasher(&tx)
	if err != nil {
		return nil, err
	}
	mine := append([]byte{0x20}, x...)
	mine = append(mine, 0xac) // OP_DATA_32 <x> OP_CHECKSIG
	var sigs []chain.Signature
	for i := range tx.Inputs {
		u := h.utxos[i]
		if u == nil || u.version != 0 || !bytes.Equal(u.script, mine) || tx.Inputs[i].SignatureScript != "" {
			continue
		}
		digest := h.sighash(i)
		sig, err := schnorrSign(ctx, x, s, digest)
		if err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
		tx.Inputs[i].SignatureScript = hex.EncodeToString(append(append([]byte{0x41}, sig...), sigHashAll))
		sigs = append(sigs, *wire(sig))
	}
	if len(sigs) == 0 {
		return nil, apierr.BadRequest("no unsigned input of the transaction spends from this wallet (each input needs its utxo)")
	}
	out, err := json.Marshal(&tx)
	if err != nil {
		return nil, fmt.Errorf("encode transaction: %w", err)
	}
	res := &chain.Result{Signatures: sigs, SignedData: chain.Hex0x(out)}
	if len(sigs) == 1 {
		res.Signature = &sigs[0]
	}
	return res, nil
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if ok := asTypeError(err, &te); ok && te.Field != "" {
		return "field " + te.Field + " has the wrong type"
	}
	return "malformed JSON"
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}

// hasher holds a decoded transaction and its SIGHASH_ALL midstates
// (rusty-kaspa consensus/core hashing/sighash.rs, calc_schnorr_signature_hash).
type hasher struct {
	tx                                    *txJSON
	outpoints                             [][]byte // txid ‖ index
	utxos                                 []*spk
	prevOuts, sequences, sigOps, outputsH []byte
	payloadH, subnetwork                  []byte
}

// newHash is keyed BLAKE2b-256 with the key "TransactionSigningHash".
func newHash() hash.Hash {
	h, err := blake2b.New256([]byte("TransactionSigningHash"))
	if err != nil {
		panic(err) // the key length is fixed and valid
	}
	return h
}

func u16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func writeSPK(h hash.Hash, s spk) {
	h.Write(u16(s.version))
	h.Write(u64(uint64(len(s.script))))
	h.Write(s.script)
}

func newHasher(tx *txJSON) (*hasher, error) {
	hs := &hasher{tx: tx}
	prev, seq, ops, outs := newHash(), newHash(), newHash(), newHash()
	for i, in := range tx.Inputs {
		id, err := hash32(fmt.Sprintf("inputs[%d].transactionId", i), in.TransactionID, 32)
		if err != nil {
			return nil, err
		}
		op := append(id, u32(in.Index)...)
		hs.outpoints = append(hs.outpoints, op)
		prev.Write(op)
		seq.Write(u64(in.Sequence))
		ops.Write([]byte{in.SigOpCount})
		var u *spk
		if in.Utxo != nil {
			s, err := decodeSPK(fmt.Sprintf("inputs[%d].utxo.scriptPublicKey", i), in.Utxo.ScriptPublicKey)
			if err != nil {
				return nil, err
			}
			u = &s
		}
		hs.utxos = append(hs.utxos, u)
	}
	for i, o := range tx.Outputs {
		s, err := decodeSPK(fmt.Sprintf("outputs[%d].scriptPublicKey", i), o.ScriptPublicKey)
		if err != nil {
			return nil, err
		}
		outs.Write(u64(o.Value))
		writeSPK(outs, s)
	}
	hs.prevOuts, hs.sequences, hs.sigOps, hs.outputsH = prev.Sum(nil), seq.Sum(nil), ops.Sum(nil), outs.Sum(nil)
	var err error
	if hs.subnetwork, err = hash32("subnetworkId", tx.SubnetworkID, 20); err != nil {
		return nil, err
	}
	payload, err := hex.DecodeString(tx.Payload)
	if err != nil {
		return nil, apierr.BadRequest("payload must be hex")
	}
	hs.payloadH = make([]byte, 32)
	if len(payload) > 0 || !bytes.Equal(hs.subnetwork, make([]byte, 20)) {
		p := newHash()
		p.Write(u64(uint64(len(payload))))
		p.Write(payload)
		hs.payloadH = p.Sum(nil)
	}
	return hs, nil
}

// sighash returns the SIGHASH_ALL Schnorr signature hash of input i, whose
// utxo is known.
func (hs *hasher) sighash(i int) []byte {
	tx, in := hs.tx, hs.tx.Inputs[i]
	h := newHash()
	h.Write(u16(tx.Version))
	h.Write(hs.prevOuts)
	h.Write(hs.sequences)
	h.Write(hs.sigOps)
	h.Write(hs.outpoints[i])
	writeSPK(h, *hs.utxos[i])
	h.Write(u64(in.Utxo.Amount))
	h.Write(u64(in.Sequence))
	h.Write([]byte{in.SigOpCount})
	h.Write(hs.outputsH)
	h.Write(u64(tx.LockTime))
	h.Write(hs.subnetwork)
	h.Write(u64(tx.Gas))
	h.Write(hs.payloadH)
	h.Write([]byte{sigHashAll})
	return h.Sum(nil)
}
