package utxo

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/psbtkit"
)

// testSigner signs with a local key (RFC 6979), as custody does.
type testSigner struct{ key *btcec.PrivateKey }

func (s testSigner) SignECDSA(_ context.Context, digest []byte) ([]byte, byte, error) {
	sig := ecdsa.SignCompact(s.key, digest, true) // [27+4+recid] r s
	return sig[1:], (sig[0] - 27) & 3, nil
}
func (testSigner) SignEdDSA(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") }
func (testSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("no")
}

func testKey(t *testing.T) (*btcec.PrivateKey, chain.Key) {
	t.Helper()
	k, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{7}, 32))
	return k, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: k.PubKey().SerializeCompressed()}
}

// TestCashAddrVector checks the encoder against the CashAddr specification's
// example (P2PKH of hash F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9).
func TestCashAddrVector(t *testing.T) {
	t.Parallel()
	h, _ := hex.DecodeString("F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9")
	if got, want := cashAddrP2PKH("bitcoincash", h), "bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestAddresses(t *testing.T) {
	t.Parallel()
	_, key := testKey(t)
	h := btcutil.Hash160(key.PublicKey)
	for network, check := range map[string]func(string) bool{
		NetworkBitcoinCash:        func(a string) bool { return a == cashAddrP2PKH("bitcoincash", h) },
		NetworkBitcoinCashTestnet: func(a string) bool { return a == cashAddrP2PKH("bchtest", h) },
		NetworkDogecoin: func(a string) bool {
			b, v, err := base58.CheckDecode(a)
			return err == nil && v == 30 && bytes.Equal(b, h) && a[0] == 'D'
		},
		NetworkDogecoinTestnet: func(a string) bool {
			b, v, err := base58.CheckDecode(a)
			return err == nil && v == 113 && bytes.Equal(b, h) && a[0] == 'n'
		},
	} {
		a, err := Adapter{}.Address(network, key)
		if err != nil || !check(a) {
			t.Errorf("%s: address %q, %v", network, a, err)
		}
	}
	for _, bad := range []chain.Key{
		{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: key.PublicKey},
		{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: make([]byte, 32)},
		{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)},
	} {
		want400(t, Adapter{}.KeyFits(NetworkDogecoin, bad))
	}
	_, err := Adapter{}.Address("Bitcoin", key)
	want400(t, err)
}

// dogePsbt returns a PSBT spending one output of a made-up transaction that
// pays the wallet, with that transaction as non_witness_utxo.
func walletPsbt(t *testing.T, pub []byte) (*psbt.Packet, []byte) {
	t.Helper()
	script, err := txscript.NewScriptBuilder().AddOp(txscript.OP_DUP).AddOp(txscript.OP_HASH160).
		AddData(btcutil.Hash160(pub)).AddOp(txscript.OP_EQUALVERIFY).AddOp(txscript.OP_CHECKSIG).Script()
	if err != nil {
		t.Fatal(err)
	}
	prev := wire.NewMsgTx(1)
	prev.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.DoubleHashH([]byte("x"))}, nil, nil))
	prev.AddTxOut(wire.NewTxOut(100_000, script))
	op := wire.OutPoint{Hash: prev.TxHash(), Index: 0}
	pkt, err := psbt.New([]*wire.OutPoint{&op}, []*wire.TxOut{wire.NewTxOut(90_000, script)}, 1, 0, []uint32{wire.MaxTxInSequenceNum})
	if err != nil {
		t.Fatal(err)
	}
	pkt.Inputs[0].NonWitnessUtxo = prev
	return pkt, script
}

func psbtBody(t *testing.T, pkt *psbt.Packet) string {
	t.Helper()
	var b bytes.Buffer
	if err := pkt.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`{"kind":"Psbt","psbt":"0x%x"}`, b.Bytes())
}

// TestDogecoinPsbtScriptEngine signs a Dogecoin PSBT and runs the finished
// input through btcd's script engine (legacy P2PKH rules are Bitcoin's).
func TestDogecoinPsbtScriptEngine(t *testing.T) {
	t.Parallel()
	k, key := testKey(t)
	pkt, script := walletPsbt(t, key.PublicKey)
	res, err := Adapter{}.Sign(context.Background(), NetworkDogecoin, key, testSigner{k}, chain.Request{Kind: "Psbt", Body: json.RawMessage(psbtBody(t, pkt))})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(strings.TrimPrefix(res.SignedData, "0x"))
	signed, err := psbt.NewFromRawBytes(bytes.NewReader(raw), false)
	if err != nil {
		t.Fatal(err)
	}
	ps := signed.Inputs[0].PartialSigs
	if len(ps) != 1 || ps[0].Signature[len(ps[0].Signature)-1] != 0x01 {
		t.Fatalf("partial sigs %+v", ps)
	}
	tx := signed.UnsignedTx.Copy()
	tx.TxIn[0].SignatureScript, _ = txscript.NewScriptBuilder().AddData(ps[0].Signature).AddData(key.PublicKey).Script()
	vm, err := txscript.NewEngine(script, tx, 0, txscript.StandardVerifyFlags, nil, nil, 100_000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.Execute(); err != nil {
		t.Fatalf("script engine: %v", err)
	}
}

// TestBitcoinCashForkID: the signature commits to the BIP-143 FORKID
// digest (and so to the input amount), with sighash type 0x41.
func TestBitcoinCashForkID(t *testing.T) {
	t.Parallel()
	k, key := testKey(t)
	pkt, script := walletPsbt(t, key.PublicKey)
	res, err := Adapter{}.Sign(context.Background(), NetworkBitcoinCash, key, testSigner{k}, chain.Request{Kind: "Psbt", Body: json.RawMessage(psbtBody(t, pkt))})
	if err != nil {
		t.Fatal(err)
	}
	der, _ := hex.DecodeString(strings.TrimPrefix(res.Signatures[0].Encoded, "0x"))
	sig, err := ecdsa.ParseDERSignature(der)
	if err != nil {
		t.Fatal(err)
	}
	prev := psbtkit.PrevOuts{pkt.UnsignedTx.TxIn[0].PreviousOutPoint: pkt.Inputs[0].NonWitnessUtxo.TxOut[0]}
	digest, _ := txscript.CalcWitnessSigHash(script, txscript.NewTxSigHashes(pkt.UnsignedTx, prev), 0x41, pkt.UnsignedTx, 0, 100_000)
	if !sig.Verify(digest, k.PubKey()) {
		t.Fatal("signature does not verify over the FORKID digest")
	}
	other, _ := txscript.CalcWitnessSigHash(script, txscript.NewTxSigHashes(pkt.UnsignedTx, prev), 0x41, pkt.UnsignedTx, 0, 100_001)
	if sig.Verify(other, k.PubKey()) {
		t.Fatal("signature does not commit to the amount")
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	k, key := testKey(t)
	pkt, _ := walletPsbt(t, key.PublicKey)
	noForkID, _ := walletPsbt(t, key.PublicKey)
	noForkID.Inputs[0].SighashType = txscript.SigHashAll
	forkOnDoge, _ := walletPsbt(t, key.PublicKey)
	forkOnDoge.Inputs[0].SighashType = 0x41
	foreign, _ := walletPsbt(t, bytes.Repeat([]byte{2}, 33))
	for _, tc := range []struct{ network, kind, body string }{
		{NetworkBitcoinCash, "Transaction", `{"transaction":"0x00"}`},
		{NetworkDogecoin, "Bip322", `{"message":"0x00"}`},
		{NetworkDogecoin, "", `{}`},
		{NetworkDogecoin, "Psbt", `{}`},
		{NetworkDogecoin, "Psbt", `{"psbt":"zz"}`},
		{NetworkDogecoin, "Psbt", `{"psbt":"0x70736274ff00"}`},
		{NetworkDogecoin, "Psbt", `{"psbt":1}`},
		{NetworkDogecoin, "Psbt", psbtBody(t, foreign)[15:]},
		{NetworkBitcoinCash, "Psbt", psbtBody(t, noForkID)[15:]},
		{NetworkDogecoin, "Psbt", psbtBody(t, forkOnDoge)[15:]},
		{NetworkDogecoin, "Hash", `{"hash":"0x00"}`},
		{NetworkDogecoin, "Hash", `{"hash":"0x` + strings.Repeat("00", 32) + `","taprootMerkleRoot":""}`},
		{"Bitcoin", "Hash", `{"hash":"0x00"}`},
	} {
		body := tc.body
		if body[0] != '{' {
			body = "{" + body
		}
		_, err := Adapter{}.Sign(context.Background(), tc.network, key, testSigner{k}, chain.Request{Kind: tc.kind, Body: json.RawMessage(body)})
		want400(t, err)
		t.Logf("%s %s: %v", tc.network, tc.kind, err)
	}
	if _, err := (Adapter{}).Sign(context.Background(), NetworkDogecoin, key, testSigner{k}, chain.Request{Kind: "Psbt", Body: json.RawMessage(psbtBody(t, pkt))}); err != nil {
		t.Fatal(err)
	}
}

func want400(t *testing.T, err error) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Status != 400 || e.Message == "" {
		t.Fatalf("got %v, want a 400 with a message", err)
	}
}

// FuzzSignPsbt: whatever the PSBT bytes, signing answers a result or a 400,
// never a panic or another error.
func FuzzSignPsbt(f *testing.F) {
	k, key := testKey(&testing.T{})
	pkt, _ := walletPsbt(&testing.T{}, key.PublicKey)
	var b bytes.Buffer
	_ = pkt.Serialize(&b)
	f.Add(b.Bytes(), true)
	f.Add([]byte("psbt\xff"), false)
	f.Fuzz(func(t *testing.T, raw []byte, bch bool) {
		network := NetworkDogecoin
		if bch {
			network = NetworkBitcoinCash
		}
		body := fmt.Sprintf(`{"psbt":"0x%x"}`, raw)
		_, err := Adapter{}.Sign(context.Background(), network, key, testSigner{k}, chain.Request{Kind: "Psbt", Body: json.RawMessage(body)})
		var e *apierr.Error
		if err != nil && (!errors.As(err, &e) || e.Status != 400) {
			t.Fatalf("got %v, want nil or a 400", err)
		}
	})
}
