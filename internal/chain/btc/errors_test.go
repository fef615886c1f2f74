package btc

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// rejectFixture is a set of wallets and a well-formed unsigned PSBT.
type rejectFixture struct {
	ecdsa, taproot chain.Key
	signerA        chain.Signer
	signerB        chain.Signer
	spends         []spend
	outs           []*wire.TxOut
}

func newRejectFixture(t testing.TB) rejectFixture {
	a, b, c := newKey(t, scalarA), newKey(t, scalarB), newKey(t, scalarC)
	return rejectFixture{
		ecdsa: ecdsaKey(a), taproot: schnorrKey(b),
		signerA: testSigner{a}, signerB: testSigner{b},
		spends: mixedSpends(t, a, b, c),
		outs:   []*wire.TxOut{wire.NewTxOut(100_000, p2wpkhRef(t, c.PubKey()))},
	}
}

// packet returns a fresh unsigned PSBT of the fixture, changed by edit.
func (f rejectFixture) packet(t testing.TB, edit func(*psbt.Packet)) string {
	pkt := newPacket(t, f.spends, f.outs)
	if edit != nil {
		edit(pkt)
	}
	return packetHex(t, pkt)
}

func TestSignRejects(t *testing.T) {
	t.Parallel()
	f := newRejectFixture(t)
	psbtBody := func(h string) []byte { return mustJSON(t, map[string]string{"kind": "Psbt", "psbt": h}) }
	for _, tc := range []struct {
		name, want, network, kind string
		key                       chain.Key
		body                      []byte
	}{
		{"Eip712", "kind \"Eip712\" is not supported", NetworkBitcoin, "Eip712", f.ecdsa, []byte(`{"kind":"Eip712","types":{},"domain":{},"message":{}}`)},
		{"Transaction", "kind \"Transaction\" is not supported", NetworkBitcoin, "Transaction", f.ecdsa, []byte(`{"kind":"Transaction","transaction":"0x00"}`)},
		{"Message", "kind \"Message\" is not supported", NetworkLitecoin, "Message", f.ecdsa, []byte(`{"kind":"Message","message":"0x00"}`)},
		{"no kind", "kind is required", NetworkBitcoin, "", f.ecdsa, []byte(`{}`)},
		{"unknown network", "not a Bitcoin-family network", "Ethereum", "Psbt", f.ecdsa, psbtBody(f.packet(t, nil))},
		{"eddsa key", "need a secp256k1 key", NetworkBitcoin, "Psbt", chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: make([]byte, 32)}, psbtBody(f.packet(t, nil))},
		{"empty body", "request body is required", NetworkBitcoin, "Psbt", f.ecdsa, nil},
		{"bad json", "malformed JSON", NetworkBitcoin, "Psbt", f.ecdsa, []byte(`{"psbt":`)},
		{"psbt not a string", "field psbt must be a string", NetworkBitcoin, "Psbt", f.ecdsa, []byte(`{"psbt":7}`)},
		{"no psbt", "psbt is required", NetworkBitcoin, "Psbt", f.ecdsa, []byte(`{"kind":"Psbt"}`)},
		{"psbt not hex", "psbt must be hex", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody("0xzz")},
		{"psbt odd hex", "psbt must be hex", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody("0x707")},
		{"psbt base64", "psbt must be hex", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody("cHNidP8BAA==")},
		{"garbage", "not a valid PSBT", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody("0xdeadbeef")},
		{"magic only", "not a valid PSBT", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody("0x70736274ff")},
		{"truncated", "not a valid PSBT", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, nil)[:60])},
		{"no input of this wallet", "no unfinalized input", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.Inputs[0].WitnessUtxo = f.spends[2].out
		}))},
		{"no utxo info", "no unfinalized input", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.Inputs[0].WitnessUtxo = nil
		}))},
		{"already finalized", "no unfinalized input", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.Inputs[0].FinalScriptWitness = []byte{0}
		}))},
		{"taproot without other utxo", "needs the witness_utxo or non_witness_utxo of every", NetworkBitcoin, "Psbt", f.taproot, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.Inputs[2].WitnessUtxo = nil
		}))},
		{"bad segwit sighash", "invalid sighash type 0x4", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.Inputs[0].SighashType = 0x04
		}))},
		{"segwit sighash default", "invalid sighash type 0x80", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.Inputs[0].SighashType = txscript.SigHashAnyOneCanPay
		}))},
		{"bad taproot sighash", "invalid taproot sighash type 0x84", NetworkBitcoin, "Psbt", f.taproot, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.Inputs[1].SighashType = 0x84
		}))},
		{"taproot single without output", "cannot be signed with sighash type 0x3", NetworkBitcoin, "Psbt", f.taproot, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.Inputs[1].SighashType = txscript.SigHashSingle // input 1, one output
		}))},
		{"non_witness_utxo of another tx", "non_witness_utxo is not the transaction", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, func(p *psbt.Packet) {
			other := wire.NewMsgTx(2)
			other.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 9}, nil, nil))
			other.AddTxOut(f.spends[0].out)
			other.AddTxOut(f.spends[0].out)
			p.Inputs[0].NonWitnessUtxo = other
		}))},
		{"witness_utxo contradicts non_witness_utxo", "witness_utxo does not match", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, func(p *psbt.Packet) {
			prev := wire.NewMsgTx(2)
			prev.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 9}, nil, nil))
			prev.AddTxOut(wire.NewTxOut(1, f.spends[0].out.PkScript)) // amount differs
			p.UnsignedTx.TxIn[0].PreviousOutPoint = wire.OutPoint{Hash: prev.TxHash(), Index: 0}
			p.Inputs[0].NonWitnessUtxo = prev
		}))},
		{"duplicate input", "spends the same output", NetworkBitcoin, "Psbt", f.ecdsa, psbtBody(f.packet(t, func(p *psbt.Packet) {
			p.UnsignedTx.TxIn[2].PreviousOutPoint = p.UnsignedTx.TxIn[0].PreviousOutPoint
		}))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signer := f.signerA
			if tc.key.Scheme == chain.SchemeSchnorr {
				signer = f.signerB
			}
			_, err := New().Sign(context.Background(), tc.network, tc.key, signer, chain.Request{Kind: tc.kind, Body: tc.body})
			if msg := wantStatus(t, err, http.StatusBadRequest).Message; !strings.Contains(msg, tc.want) {
				t.Fatalf("message %q does not say %q", msg, tc.want)
			}
		})
	}
}

// failingSigner fails or lies; the adapter must report a server error, not
// blame the caller, and never return an unverified signature.
type failingSigner struct {
	mode  string
	wrong testSigner // a key that is not the wallet's
}

func (f failingSigner) SignECDSA(ctx context.Context, d []byte) ([]byte, byte, error) {
	switch f.mode {
	case "error":
		return nil, 0, errors.New("hsm down")
	case "short":
		return make([]byte, 63), 0, nil
	}
	return f.wrong.SignECDSA(ctx, d)
}

func (f failingSigner) SignEdDSA(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("no")
}

func (f failingSigner) SignSchnorr(ctx context.Context, d, tweak []byte) ([]byte, error) {
	switch f.mode {
	case "error":
		return nil, errors.New("hsm down")
	case "short":
		return make([]byte, 64), nil
	}
	return f.wrong.SignSchnorr(ctx, d, tweak)
}

func TestSignSignerFaults(t *testing.T) {
	t.Parallel()
	f := newRejectFixture(t)
	unsigned := f.packet(t, nil)
	zero := "0x" + hex.EncodeToString(make([]byte, 32))
	wrong := testSigner{newKey(t, scalarC)}
	for _, mode := range []string{"error", "short", "wrong key"} {
		for _, key := range []chain.Key{f.ecdsa, f.taproot} {
			for _, req := range []chain.Request{
				{Kind: "Psbt", Body: mustJSON(t, map[string]string{"psbt": unsigned})},
				{Kind: "Bip322", Body: []byte(`{"message":"0x00"}`)},
				{Kind: "Hash", Body: mustJSON(t, map[string]string{"hash": zero, "taprootMerkleRoot": ""})},
			} {
				res, err := New().Sign(context.Background(), NetworkBitcoin, key, failingSigner{mode, wrong}, req)
				var ae *apierr.Error
				if err == nil || errors.As(err, &ae) {
					t.Errorf("%s %s %s: got %v, %v; want a plain (500) error", mode, key.Scheme, req.Kind, res, err)
				}
			}
		}
	}
}

func FuzzSignPsbt(f *testing.F) {
	fx := newRejectFixture(f)
	f.Add(mustHex(f, fx.packet(f, nil)))
	f.Add(mustHex(f, dfnsPsbtRequest))
	f.Add(mustHex(f, dfnsPsbtSigned))
	f.Add([]byte("psbt\xff"))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, key := range []chain.Key{fx.ecdsa, fx.taproot} {
			signer := fx.signerA
			if key.Scheme == chain.SchemeSchnorr {
				signer = fx.signerB
			}
			body := mustJSON(t, map[string]string{"psbt": hex.EncodeToString(raw)})
			res, err := New().Sign(ctx, NetworkBitcoin, key, signer, chain.Request{Kind: "Psbt", Body: body})
			if err != nil {
				wantStatus(t, err, http.StatusBadRequest)
				continue
			}
			if len(res.Signatures) == 0 {
				t.Fatal("success without signatures")
			}
			if _, err := psbt.NewFromRawBytes(bytes.NewReader(mustHex(t, res.SignedData)), false); err != nil {
				t.Fatalf("signedData does not parse: %v", err)
			}
		}
	})
}
