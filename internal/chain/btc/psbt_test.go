package btc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/chain"
)

// Fixed private keys of the PSBT tests.
const (
	scalarA = "1111111111111111111111111111111111111111111111111111111111111111" // ECDSA wallet
	scalarB = "2222222222222222222222222222222222222222222222222222222222222222" // Schnorr wallet
	scalarC = "3333333333333333333333333333333333333333333333333333333333333333" // someone else
)

// spend is one input of a test transaction: the output it spends.
type spend struct {
	op  wire.OutPoint
	out *wire.TxOut
}

// p2wpkhRef and p2trRef build output scripts with btcd's own address code.
func p2wpkhRef(t testing.TB, pub *btcec.PublicKey) []byte {
	t.Helper()
	addr, err := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(pub.SerializeCompressed()), &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		t.Fatal(err)
	}
	return script
}

func p2trRef(t testing.TB, pub *btcec.PublicKey) []byte {
	t.Helper()
	script, err := txscript.PayToTaprootScript(txscript.ComputeTaprootKeyNoScript(pub))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// fakeOutPoint returns an outpoint of a made-up previous transaction.
func fakeOutPoint(seed string, index uint32) wire.OutPoint {
	return wire.OutPoint{Hash: chainhash.Hash(sha256.Sum256([]byte(seed))), Index: index}
}

// newPacket builds an unsigned PSBT spending spends, with witness UTXOs.
func newPacket(t testing.TB, spends []spend, outs []*wire.TxOut) *psbt.Packet {
	t.Helper()
	ops := make([]*wire.OutPoint, len(spends))
	seqs := make([]uint32, len(spends))
	for i := range spends {
		ops[i] = &spends[i].op
		seqs[i] = wire.MaxTxInSequenceNum - 2
	}
	pkt, err := psbt.New(ops, outs, 2, 0, seqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range spends {
		pkt.Inputs[i].WitnessUtxo = s.out
	}
	return pkt
}

func packetHex(t testing.TB, pkt *psbt.Packet) string {
	t.Helper()
	var buf bytes.Buffer
	if err := pkt.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	return "0x" + hex.EncodeToString(buf.Bytes())
}

func parsePacket(t testing.TB, h string) *psbt.Packet {
	t.Helper()
	pkt, err := psbt.NewFromRawBytes(bytes.NewReader(mustHex(t, h)), false)
	if err != nil {
		t.Fatal(err)
	}
	return pkt
}

// signPsbtVia runs one Psbt request through the adapter.
func signPsbtVia(t testing.TB, network string, key chain.Key, s chain.Signer, psbtHex string) *chain.Result {
	t.Helper()
	res, err := New().Sign(context.Background(), network, key, s, chain.Request{
		Kind: "Psbt",
		Body: mustJSON(t, map[string]string{"kind": "Psbt", "psbt": psbtHex}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// verifyTx finalizes pkt, extracts the transaction and runs every input
// through btcd's script engine.
func verifyTx(t *testing.T, pkt *psbt.Packet, spends []spend) error {
	t.Helper()
	if err := psbt.MaybeFinalizeAll(pkt); err != nil {
		return err
	}
	tx, err := psbt.Extract(pkt)
	if err != nil {
		return err
	}
	fetcher := txscript.NewMultiPrevOutFetcher(nil)
	for _, s := range spends {
		fetcher.AddPrevOut(s.op, s.out)
	}
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i, s := range spends {
		vm, err := txscript.NewEngine(s.out.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, s.out.Value, fetcher)
		if err != nil {
			return err
		}
		if err := vm.Execute(); err != nil {
			return err
		}
	}
	return nil
}

// mixedSpends returns a P2WPKH input of wallet A, a P2TR input of wallet B
// and a P2WPKH input of key C.
func mixedSpends(t testing.TB, a, b, c *btcec.PrivateKey) []spend {
	return []spend{
		{fakeOutPoint("prev-a", 1), wire.NewTxOut(50_000, p2wpkhRef(t, a.PubKey()))},
		{fakeOutPoint("prev-b", 0), wire.NewTxOut(70_000, p2trRef(t, b.PubKey()))},
		{fakeOutPoint("prev-c", 3), wire.NewTxOut(30_000, p2wpkhRef(t, c.PubKey()))},
	}
}

// signForeign signs input i (key c, P2WPKH) with btcd alone.
func signForeign(t *testing.T, pkt *psbt.Packet, spends []spend, i int, c *btcec.PrivateKey) {
	t.Helper()
	fetcher := txscript.NewMultiPrevOutFetcher(nil)
	for _, s := range spends {
		fetcher.AddPrevOut(s.op, s.out)
	}
	hashes := txscript.NewTxSigHashes(pkt.UnsignedTx, fetcher)
	sig, err := txscript.RawTxInWitnessSignature(pkt.UnsignedTx, hashes, i, spends[i].out.Value, spends[i].out.PkScript, txscript.SigHashAll, c)
	if err != nil {
		t.Fatal(err)
	}
	pkt.Inputs[i].PartialSigs = append(pkt.Inputs[i].PartialSigs, &psbt.PartialSig{PubKey: c.PubKey().SerializeCompressed(), Signature: sig})
}

func TestSignPsbtMixedInputs(t *testing.T) {
	t.Parallel()
	a, b, c := newKey(t, scalarA), newKey(t, scalarB), newKey(t, scalarC)
	spends := mixedSpends(t, a, b, c)
	outs := []*wire.TxOut{
		wire.NewTxOut(120_000, p2wpkhRef(t, c.PubKey())),
		wire.NewTxOut(29_000, p2trRef(t, b.PubKey())),
	}
	unsigned := packetHex(t, newPacket(t, spends, outs))

	// Wallet A signs input 0 only.
	resA := signPsbtVia(t, NetworkBitcoin, ecdsaKey(a), testSigner{a}, unsigned)
	pktA := parsePacket(t, resA.SignedData)
	if len(pktA.Inputs[0].PartialSigs) != 1 || len(pktA.Inputs[1].PartialSigs) != 0 || len(pktA.Inputs[2].PartialSigs) != 0 || pktA.Inputs[1].TaprootKeySpendSig != nil {
		t.Fatalf("wallet A touched the wrong inputs: %+v", pktA.Inputs)
	}
	ps := pktA.Inputs[0].PartialSigs[0]
	if !bytes.Equal(ps.PubKey, a.PubKey().SerializeCompressed()) || ps.Signature[len(ps.Signature)-1] != byte(txscript.SigHashAll) {
		t.Fatalf("partial signature: %x / %x", ps.PubKey, ps.Signature)
	}
	if len(resA.Signatures) != 1 {
		t.Fatalf("got %d signatures, want 1", len(resA.Signatures))
	}
	checkECDSAWire(t, resA.Signatures[0], ps.Signature[:len(ps.Signature)-1])

	// Wallet B signs input 1 only.
	resB := signPsbtVia(t, NetworkBitcoin, schnorrKey(b), testSigner{b}, resA.SignedData)
	pkt := parsePacket(t, resB.SignedData)
	if len(pkt.Inputs[1].TaprootKeySpendSig) != 64 || len(pkt.Inputs[2].PartialSigs) != 0 {
		t.Fatalf("wallet B: key spend sig %x, input 2 sigs %d", pkt.Inputs[1].TaprootKeySpendSig, len(pkt.Inputs[2].PartialSigs))
	}
	if !bytes.Equal(pkt.Inputs[0].PartialSigs[0].Signature, ps.Signature) {
		t.Fatal("wallet B changed wallet A's signature")
	}
	if len(resB.Signatures) != 1 || resB.Signatures[0].Encoded != "0x"+hex.EncodeToString(pkt.Inputs[1].TaprootKeySpendSig) || resB.Signatures[0].Recid != nil {
		t.Fatalf("wallet B signatures: %+v", resB.Signatures)
	}
	if resB.Signatures[0].R+strings.TrimPrefix(resB.Signatures[0].S, "0x") != resB.Signatures[0].Encoded {
		t.Fatalf("schnorr r‖s != encoded: %+v", resB.Signatures[0])
	}

	signForeign(t, pkt, spends, 2, c)
	good := packetHex(t, pkt)
	if err := verifyTx(t, parsePacket(t, good), spends); err != nil {
		t.Fatalf("signed transaction does not verify: %v", err)
	}

	// Every flipped signature byte must break the transaction.
	flips := map[string]func(p *psbt.Packet){
		"p2wpkh r": func(p *psbt.Packet) { p.Inputs[0].PartialSigs[0].Signature[6] ^= 1 },
		"p2wpkh s": func(p *psbt.Packet) {
			s := p.Inputs[0].PartialSigs[0].Signature
			s[len(s)-3] ^= 1
		},
		"p2tr R": func(p *psbt.Packet) { p.Inputs[1].TaprootKeySpendSig[0] ^= 1 },
		"p2tr s": func(p *psbt.Packet) { p.Inputs[1].TaprootKeySpendSig[63] ^= 1 },
	}
	for name, flip := range flips {
		p := parsePacket(t, good)
		flip(p)
		if err := verifyTx(t, p, spends); err == nil {
			t.Errorf("%s: flipped signature still verifies", name)
		}
	}
}

// checkECDSAWire checks a Dfns signature object against a DER signature.
func checkECDSAWire(t *testing.T, got chain.Signature, der []byte) {
	t.Helper()
	sig, err := ecdsa.ParseDERSignature(der)
	if err != nil {
		t.Fatal(err)
	}
	r, s := sig.R(), sig.S()
	rb, sb := r.Bytes(), s.Bytes()
	if got.Encoded != "0x"+hex.EncodeToString(der) || got.R != "0x"+hex.EncodeToString(rb[:]) || got.S != "0x"+hex.EncodeToString(sb[:]) {
		t.Fatalf("signature object %+v does not match DER %x", got, der)
	}
	if got.Recid == nil || *got.Recid > 1 {
		t.Fatalf("recid %v", got.Recid)
	}
}

// TestSignPsbtSighashTypes signs inputs with non-default sighash types and
// with a non_witness_utxo instead of a witness_utxo.
func TestSignPsbtSighashTypes(t *testing.T) {
	t.Parallel()
	a, b := newKey(t, scalarA), newKey(t, scalarB)
	prevA := wire.NewMsgTx(2)
	prevA.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: chainhash.Hash{1}}, nil, nil))
	prevA.AddTxOut(wire.NewTxOut(1_000, []byte{txscript.OP_TRUE}))
	prevA.AddTxOut(wire.NewTxOut(40_000, p2wpkhRef(t, a.PubKey())))
	spends := []spend{
		{wire.OutPoint{Hash: prevA.TxHash(), Index: 1}, prevA.TxOut[1]},
		{fakeOutPoint("b-1", 0), wire.NewTxOut(60_000, p2trRef(t, b.PubKey()))},
		{fakeOutPoint("b-2", 5), wire.NewTxOut(61_000, p2trRef(t, b.PubKey()))},
	}
	outs := []*wire.TxOut{wire.NewTxOut(150_000, p2wpkhRef(t, a.PubKey()))}
	pkt := newPacket(t, spends, outs)
	pkt.Inputs[0].WitnessUtxo = nil
	pkt.Inputs[0].NonWitnessUtxo = prevA
	pkt.Inputs[0].SighashType = txscript.SigHashSingle | txscript.SigHashAnyOneCanPay
	pkt.Inputs[1].SighashType = txscript.SigHashAll
	pkt.Inputs[2].SighashType = txscript.SigHashNone | txscript.SigHashAnyOneCanPay

	resA := signPsbtVia(t, NetworkBitcoinSignet, ecdsaKey(a), testSigner{a}, packetHex(t, pkt))
	resB := signPsbtVia(t, NetworkBitcoinSignet, schnorrKey(b), testSigner{b}, resA.SignedData)
	signed := parsePacket(t, resB.SignedData)
	if got := signed.Inputs[0].PartialSigs[0].Signature; got[len(got)-1] != 0x83 {
		t.Fatalf("sighash byte %#x, want 0x83", got[len(got)-1])
	}
	for i, want := range []byte{0x01, 0x82} {
		sig := signed.Inputs[i+1].TaprootKeySpendSig
		if len(sig) != 65 || sig[64] != want {
			t.Fatalf("input %d: taproot sig %x, want 65 bytes ending %#x", i+1, sig, want)
		}
	}
	if len(resB.Signatures) != 2 {
		t.Fatalf("got %d signatures, want 2", len(resB.Signatures))
	}
	// btcd's finalizer treats non_witness_utxo-only inputs as legacy; a
	// witness_utxo lets it build the witness.
	signed.Inputs[0].WitnessUtxo = prevA.TxOut[1]
	if err := verifyTx(t, signed, spends); err != nil {
		t.Fatalf("signed transaction does not verify: %v", err)
	}
}

// The Dfns documentation example (bitcoin-generate-signature.md, see doc.go):
// request PSBT, signing key and the signature and signedData Dfns returned.
const (
	dfnsPub         = "03e6be69fe373e07962698243fb3d41b5b24e16a461866bd1813afcf9b53e1da6e"
	dfnsPsbtRequest = "0x70736274ff0100710200000001cd290edbff81f3762b1c9a6f6532f5f2d3d1e48a850d4285b8606bbceb96ee790000000000ffffffff020100000000000000160014a40a65b46ff36c53f1afb8e35e25a4c0bcfc99794d25000000000000160014237ad8ba2ffd992f6ebc7ab388e77f00fc87d1c9000000000001011fe425000000000000160014237ad8ba2ffd992f6ebc7ab388e77f00fc87d1c9000000"
	dfnsPsbtR       = "0xe10a3e24bb0b0a5feae39997d05b5d1ce0e123f78c979914ea3394962f7995f6"
	dfnsPsbtS       = "0x727190270d14e58acbcfa98a765fd4c50b51afb7d1ef8152cd79d562f28a1bbc"
	dfnsPsbtDER     = "0x3045022100e10a3e24bb0b0a5feae39997d05b5d1ce0e123f78c979914ea3394962f7995f60220727190270d14e58acbcfa98a765fd4c50b51afb7d1ef8152cd79d562f28a1bbc"
	dfnsPsbtSigned  = "0x70736274ff0100710200000001cd290edbff81f3762b1c9a6f6532f5f2d3d1e48a850d4285b8606bbceb96ee790000000000ffffffff020100000000000000160014a40a65b46ff36c53f1afb8e35e25a4c0bcfc99794d25000000000000160014237ad8ba2ffd992f6ebc7ab388e77f00fc87d1c9000000000001011fe425000000000000160014237ad8ba2ffd992f6ebc7ab388e77f00fc87d1c9220203e6be69fe373e07962698243fb3d41b5b24e16a461866bd1813afcf9b53e1da6e483045022100e10a3e24bb0b0a5feae39997d05b5d1ce0e123f78c979914ea3394962f7995f60220727190270d14e58acbcfa98a765fd4c50b51afb7d1ef8152cd79d562f28a1bbc01000000"
)

// TestSignPsbtDfnsExample replays Dfns's own example: fed the signature Dfns
// produced, the adapter must compute the same digest (or the signature would
// not verify) and return Dfns's signedData byte for byte.
func TestSignPsbtDfnsExample(t *testing.T) {
	t.Parallel()
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: mustHex(t, dfnsPub)}
	rs := append(mustHex(t, dfnsPsbtR), mustHex(t, dfnsPsbtS)...)
	res := signPsbtVia(t, NetworkBitcoinTestnet3, key, fixedSigner{rs: rs, recid: 0}, dfnsPsbtRequest)
	if res.SignedData != dfnsPsbtSigned {
		t.Fatalf("signedData\n got %s\nwant %s", res.SignedData, dfnsPsbtSigned)
	}
	if len(res.Signatures) != 1 || res.Signatures[0].R != dfnsPsbtR || res.Signatures[0].S != dfnsPsbtS ||
		res.Signatures[0].Encoded != dfnsPsbtDER || res.Signatures[0].Recid == nil || *res.Signatures[0].Recid != 0 {
		t.Fatalf("signatures: %+v", res.Signatures)
	}

	// And the example itself is a valid spend according to btcd.
	pkt := parsePacket(t, dfnsPsbtSigned)
	spends := []spend{{pkt.UnsignedTx.TxIn[0].PreviousOutPoint, pkt.Inputs[0].WitnessUtxo}}
	if err := verifyTx(t, pkt, spends); err != nil {
		t.Fatalf("Dfns example does not verify: %v", err)
	}
}

func BenchmarkSignPsbtP2WPKH(b *testing.B) {
	a := newKey(b, scalarA)
	spends := []spend{{fakeOutPoint("bench", 0), wire.NewTxOut(100_000, p2wpkhRef(b, a.PubKey()))}}
	outs := []*wire.TxOut{wire.NewTxOut(90_000, p2wpkhRef(b, a.PubKey()))}
	req := chain.Request{Kind: "Psbt", Body: mustJSON(b, map[string]string{"kind": "Psbt", "psbt": packetHex(b, newPacket(b, spends, outs))})}
	ad, key, s := New(), ecdsaKey(a), testSigner{a}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ad.Sign(ctx, NetworkBitcoin, key, s, req); err != nil {
			b.Fatal(err)
		}
	}
}
