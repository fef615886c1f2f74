package btc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/chain"
)

// BIP-322 test vectors (bitcoin/bips bip-0322.mediawiki, "Test vectors").
const (
	bip322WIF     = "L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k"
	bip322Addr    = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l"
	bip322TapAddr = "bc1ppv609nr0vr25u07u95waq5lucwfm6tde4nydujnu8npg4q75mr5sxq8lt3"
	// Taproot "Hello World" signature of the current BIP text.
	bip322TapHelloSig = "AUHd69PrJQEv+oKTfZ8l+WROBHuy9HKrbFCJu7U1iK2iiEy1vMU5EfMtjc+VSHM7aU0SDbak5IUZRVno2P5mjSafAQ=="
)

var bip322Vectors = []struct {
	msg, toSpend, toSign string
	sigs                 []string // either is valid (ECDSA nonces differ)
}{
	{"", "c5680aa69bb8d860bf82d4e9cd3504b55dde018de765a91bb566283c545a99a7", "1e9654e951a5ba44c8604c4de6c67fd78a27e81dcadcfe1edf638ba3aaebaed6", []string{
		"AkcwRAIgM2gBAQqvZX15ZiysmKmQpDrG83avLIT492QBzLnQIxYCIBaTpOaD20qRlEylyxFSeEA2ba9YOixpX8z46TSDtS40ASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
		"AkgwRQIhAPkJ1Q4oYS0htvyuSFHLxRQpFAY56b70UvE7Dxazen0ZAiAtZfFz1S6T6I23MWI2lK/pcNTWncuyL8UL+oMdydVgzAEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy",
	}},
	{"Hello World", "b79d196740ad5217771c1098fc4a4b51e0535c32236c71f1ea4d61a2d603352b", "88737ae86f2077145f93cc4b153ae9a1cb8d56afa511988c149c5c8c9d93bddf", []string{
		"AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
		"AkgwRQIhAOzyynlqt93lOKJr+wmmxIens//zPzl9tqIOua93wO6MAiBi5n5EyAcPScOjf1lAqIUIQtr3zKNeavYabHyR8eGhowEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy",
	}},
}

// refToSpend and refToSign build the BIP-322 virtual transactions straight
// from the BIP text, for verification. The txid vectors pin them.
func refToSpend(msg string, pkScript []byte) *wire.MsgTx {
	h := taggedHash("BIP0322-signed-message", []byte(msg))
	tx := &wire.MsgTx{Version: 0, LockTime: 0}
	tx.TxIn = []*wire.TxIn{{
		PreviousOutPoint: wire.OutPoint{Hash: chainhash.Hash{}, Index: 0xffffffff},
		SignatureScript:  append([]byte{0x00, 0x20}, h...),
	}}
	tx.TxOut = []*wire.TxOut{{Value: 0, PkScript: pkScript}}
	return tx
}

func refToSign(toSpend *wire.MsgTx, witness wire.TxWitness) *wire.MsgTx {
	tx := &wire.MsgTx{Version: 0, LockTime: 0}
	tx.TxIn = []*wire.TxIn{{PreviousOutPoint: wire.OutPoint{Hash: toSpend.TxHash()}, Witness: witness}}
	tx.TxOut = []*wire.TxOut{{Value: 0, PkScript: []byte{0x6a}}}
	return tx
}

// parseWitness decodes a consensus-encoded witness stack.
func parseWitness(t *testing.T, b []byte) wire.TxWitness {
	t.Helper()
	r := bytes.NewReader(b)
	n, err := wire.ReadVarInt(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := make(wire.TxWitness, n)
	for i := range w {
		if w[i], err = wire.ReadVarBytes(r, 0, 1<<16, "item"); err != nil {
			t.Fatal(err)
		}
	}
	if r.Len() != 0 {
		t.Fatalf("%d trailing bytes after witness", r.Len())
	}
	return w
}

// verifyBip322 runs a simple signature through btcd's script engine.
func verifyBip322(msg string, pkScript []byte, witness wire.TxWitness) error {
	toSign := refToSign(refToSpend(msg, pkScript), witness)
	fetcher := txscript.NewCannedPrevOutputFetcher(pkScript, 0)
	vm, err := txscript.NewEngine(pkScript, toSign, 0, txscript.StandardVerifyFlags, nil, txscript.NewTxSigHashes(toSign, fetcher), 0, fetcher)
	if err != nil {
		return err
	}
	return vm.Execute()
}

func signBip322Via(t *testing.T, network string, key chain.Key, s chain.Signer, msg, format string) *chain.Result {
	t.Helper()
	body := map[string]string{"kind": "Bip322", "message": "0x" + hex.EncodeToString([]byte(msg))}
	if format != "" {
		body["format"] = format
	}
	res, err := New().Sign(context.Background(), network, key, s, chain.Request{Kind: "Bip322", Body: mustJSON(t, body)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestBip322VectorsP2WPKH(t *testing.T) {
	t.Parallel()
	wif, err := btcutil.DecodeWIF(bip322WIF)
	if err != nil {
		t.Fatal(err)
	}
	key, s := ecdsaKey(wif.PrivKey), testSigner{wif.PrivKey}
	if addr, err := New().Address(NetworkBitcoin, key); err != nil || addr != bip322Addr {
		t.Fatalf("address %s, %v; want %s", addr, err, bip322Addr)
	}
	pkScript := p2wpkhRef(t, wif.PrivKey.PubKey())
	for _, v := range bip322Vectors {
		if got := refToSpend(v.msg, pkScript).TxHash().String(); got != v.toSpend {
			t.Fatalf("reference to_spend %s, want %s", got, v.toSpend)
		}
		// The BIP's own signatures pass the reference verifier.
		for _, sig := range v.sigs {
			raw, _ := base64.StdEncoding.DecodeString(sig)
			if err := verifyBip322(v.msg, pkScript, parseWitness(t, raw)); err != nil {
				t.Fatalf("BIP signature for %q: %v", v.msg, err)
			}
		}

		full := signBip322Via(t, NetworkBitcoin, key, s, v.msg, "Full")
		var toSign wire.MsgTx
		if err := toSign.Deserialize(bytes.NewReader(mustHex(t, full.SignedData))); err != nil {
			t.Fatal(err)
		}
		if got := toSign.TxHash().String(); got != v.toSign {
			t.Errorf("%q: to_sign %s, want %s", v.msg, got, v.toSign)
		}
		if got := toSign.TxIn[0].PreviousOutPoint.Hash.String(); got != v.toSpend {
			t.Errorf("%q: to_spend %s, want %s", v.msg, got, v.toSpend)
		}

		simple := signBip322Via(t, NetworkBitcoin, key, s, v.msg, "")
		raw := mustHex(t, simple.SignedData)
		witness := parseWitness(t, raw)
		if err := verifyBip322(v.msg, pkScript, witness); err != nil {
			t.Fatalf("%q: simple signature does not verify: %v", v.msg, err)
		}
		if !bytes.Equal(witness[0], toSign.TxIn[0].Witness[0]) {
			t.Errorf("%q: Simple and Full witnesses differ", v.msg)
		}
		checkECDSAWire(t, *simple.Signature, witness[0][:len(witness[0])-1])
		// RFC 6979 without low-R grinding gives one of the BIP's two.
		b64 := base64.StdEncoding.EncodeToString(raw)
		if b64 != v.sigs[0] && b64 != v.sigs[1] {
			t.Errorf("%q: signature %s is neither BIP vector", v.msg, b64)
		}

		witness[0][10] ^= 1
		if verifyBip322(v.msg, pkScript, witness) == nil {
			t.Errorf("%q: flipped signature verifies", v.msg)
		}
	}
}

func TestBip322P2TR(t *testing.T) {
	t.Parallel()
	wif, err := btcutil.DecodeWIF(bip322WIF)
	if err != nil {
		t.Fatal(err)
	}
	key, s := schnorrKey(wif.PrivKey), testSigner{wif.PrivKey}
	if addr, err := New().Address(NetworkBitcoin, key); err != nil || addr != bip322TapAddr {
		t.Fatalf("address %s, %v; want %s", addr, err, bip322TapAddr)
	}
	pkScript := p2trRef(t, wif.PrivKey.PubKey())
	raw, _ := base64.StdEncoding.DecodeString(bip322TapHelloSig)
	if err := verifyBip322("Hello World", pkScript, parseWitness(t, raw)); err != nil {
		t.Fatalf("BIP taproot vector does not verify: %v", err)
	}

	for _, msg := range []string{"", "Hello World"} {
		simple := signBip322Via(t, NetworkBitcoin, key, s, msg, "Simple")
		witness := parseWitness(t, mustHex(t, simple.SignedData))
		if len(witness) != 1 || len(witness[0]) != 64 {
			t.Fatalf("%q: witness %x", msg, witness)
		}
		if err := verifyBip322(msg, pkScript, witness); err != nil {
			t.Fatalf("%q: does not verify: %v", msg, err)
		}
		if simple.Signature.Encoded != "0x"+hex.EncodeToString(witness[0]) {
			t.Fatalf("%q: signature %+v", msg, simple.Signature)
		}
		witness[0][40] ^= 1
		if verifyBip322(msg, pkScript, witness) == nil {
			t.Errorf("%q: flipped signature verifies", msg)
		}
	}
}

// The Dfns documentation Bip322 example (see doc.go).
const (
	dfnsBip322Msg    = "I love Dfns" // 0x49206c6f76652044666e73
	dfnsBip322R      = "0x883613c2f19e4ab70f82c533950fb9060ac366a3a64d77950c89866dfe07c926"
	dfnsBip322S      = "0x3fb815f34db5ebc9e97dee46500b75494717cb69adec5f01e17b4a58c50f9bfa"
	dfnsBip322DER    = "0x3045022100883613c2f19e4ab70f82c533950fb9060ac366a3a64d77950c89866dfe07c92602203fb815f34db5ebc9e97dee46500b75494717cb69adec5f01e17b4a58c50f9bfa"
	dfnsBip322Signed = "0x02483045022100883613c2f19e4ab70f82c533950fb9060ac366a3a64d77950c89866dfe07c92602203fb815f34db5ebc9e97dee46500b75494717cb69adec5f01e17b4a58c50f9bfa012103e6be69fe373e07962698243fb3d41b5b24e16a461866bd1813afcf9b53e1da6e"
)

func TestBip322DfnsExample(t *testing.T) {
	t.Parallel()
	if hex.EncodeToString([]byte(dfnsBip322Msg)) != "49206c6f76652044666e73" {
		t.Fatal("message constant")
	}
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: mustHex(t, dfnsPub)}
	rs := append(mustHex(t, dfnsBip322R), mustHex(t, dfnsBip322S)...)
	res := signBip322Via(t, NetworkBitcoinTestnet3, key, fixedSigner{rs: rs, recid: 1}, dfnsBip322Msg, "")
	if res.SignedData != dfnsBip322Signed {
		t.Fatalf("signedData\n got %s\nwant %s", res.SignedData, dfnsBip322Signed)
	}
	got := res.Signature
	if got == nil || got.R != dfnsBip322R || got.S != dfnsBip322S || got.Encoded != dfnsBip322DER || got.Recid == nil || *got.Recid != 1 {
		t.Fatalf("signature %+v", got)
	}
	pkScript := append([]byte{0x00, 0x14}, btcutil.Hash160(mustHex(t, dfnsPub))...)
	if err := verifyBip322(dfnsBip322Msg, pkScript, parseWitness(t, mustHex(t, dfnsBip322Signed))); err != nil {
		t.Fatalf("Dfns example does not verify: %v", err)
	}
}

func TestBip322Rejects(t *testing.T) {
	t.Parallel()
	a := newKey(t, scalarA)
	for _, body := range []string{
		`{"kind":"Bip322","message":"0x00","format":"Legacy"}`,
		`{"kind":"Bip322","message":"hello"}`,
		`{"kind":"Bip322","message":["0x00"]}`,
		`{"kind":"Bip322"`,
	} {
		_, err := New().Sign(context.Background(), NetworkBitcoin, ecdsaKey(a), testSigner{a}, chain.Request{Kind: "Bip322", Body: []byte(body)})
		wantStatus(t, err, http.StatusBadRequest)
	}
}
