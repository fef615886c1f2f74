package kaspa

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// vector is a transaction built and signed by @dfns/kaspa-wasm 0.14.1
// (createTransaction + signTransaction with the BIP-340 test key
// b7e1…cfef, two inputs of that key, one payment and a change output).
type vector struct {
	XOnly   string `json:"xonly"`
	Address string `json:"address"`
	Signed  string `json:"signed"`
}

func loadVector(t *testing.T) vector {
	t.Helper()
	b, err := os.ReadFile("testdata/kaspa-wasm-signed.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func key(t *testing.T, xonly string) chain.Key {
	x, _ := hex.DecodeString(xonly)
	return chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: append([]byte{0x02}, x...)}
}

// TestKaspaWasmVector: kaspa-wasm's own signatures verify over the sighash
// Custos computes for each input, and the address matches kaspa-wasm's.
func TestKaspaWasmVector(t *testing.T) {
	t.Parallel()
	v := loadVector(t)
	if a, err := (Adapter{}).Address(NetworkKaspa, key(t, v.XOnly)); err != nil || a != v.Address {
		t.Fatalf("address %s (%v), kaspa-wasm %s", a, err, v.Address)
	}
	var tx txJSON
	if err := json.Unmarshal([]byte(v.Signed), &tx); err != nil {
		t.Fatal(err)
	}
	h, err := newHasher(&tx)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := hex.DecodeString(v.XOnly)
	pub, _ := schnorr.ParsePubKey(x)
	for i, in := range tx.Inputs {
		ss, _ := hex.DecodeString(in.SignatureScript)
		if len(ss) != 66 || ss[0] != 0x41 || ss[65] != sigHashAll {
			t.Fatalf("input %d signature script %x", i, ss)
		}
		sig, err := schnorr.ParseSignature(ss[1:65])
		if err != nil {
			t.Fatal(err)
		}
		if !sig.Verify(h.sighash(i), pub) {
			t.Fatalf("input %d: kaspa-wasm's signature does not verify over Custos's sighash", i)
		}
	}
	// JSON round trip keeps kaspa-wasm's serialization byte for byte.
	out, _ := json.Marshal(&tx)
	if string(out) != v.Signed {
		t.Fatalf("re-encoded JSON differs:\n%s\n%s", out, v.Signed)
	}
}

type signer struct{ k *btcec.PrivateKey }

func (s signer) SignSchnorr(_ context.Context, d, tweak []byte) ([]byte, error) {
	if tweak != nil {
		return nil, errors.New("unexpected tweak")
	}
	sig, err := schnorr.Sign(s.k, d)
	if err != nil {
		return nil, err
	}
	return sig.Serialize(), nil
}
func (signer) SignECDSA(context.Context, []byte) ([]byte, byte, error) {
	return nil, 0, errors.New("no")
}
func (signer) SignEdDSA(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") }

func TestSignUnsigned(t *testing.T) {
	t.Parallel()
	v := loadVector(t)
	k, _ := btcec.PrivKeyFromBytes(mustHex("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef"))
	var tx txJSON
	_ = json.Unmarshal([]byte(v.Signed), &tx)
	for i := range tx.Inputs {
		tx.Inputs[i].SignatureScript = ""
	}
	unsigned, _ := json.Marshal(&tx)
	res, err := Adapter{}.Sign(context.Background(), NetworkKaspa, key(t, v.XOnly), signer{k}, chain.Request{Kind: "Psbt", Body: json.RawMessage(`{"psbt":"0x` + hex.EncodeToString(unsigned) + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Signatures) != 2 {
		t.Fatalf("%d signatures", len(res.Signatures))
	}
	var signed txJSON
	_ = json.Unmarshal(mustHex(strings.TrimPrefix(res.SignedData, "0x")), &signed)
	h, _ := newHasher(&signed)
	pub, _ := schnorr.ParsePubKey(mustHex(v.XOnly))
	for i, in := range signed.Inputs {
		ss := mustHex(in.SignatureScript)
		sig, _ := schnorr.ParseSignature(ss[1:65])
		if !sig.Verify(h.sighash(i), pub) {
			t.Fatalf("input %d", i)
		}
	}

	// Bad requests.
	for _, tc := range []struct{ kind, body string }{
		{"Transaction", `{"transaction":"0x00"}`},
		{"Psbt", `{}`},
		{"Psbt", `{"psbt":"0x7b7d"}`}, // {}
		{"Psbt", `{"psbt":"0x` + hex.EncodeToString([]byte("[1]")) + `"}`},    // not an object
		{"Psbt", `{"psbt":"0x` + hex.EncodeToString([]byte(v.Signed)) + `"}`}, // already signed
		{"Psbt", `{"psbt":"0x` + hex.EncodeToString(bytes.Replace(unsigned, []byte(`"subnetworkId":"`), []byte(`"subnetworkId":"zz`), 1)) + `"}`},
		{"Hash", `{"hash":"0x00"}`},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkKaspa, key(t, v.XOnly), signer{k}, chain.Request{Kind: tc.kind, Body: json.RawMessage(tc.body)})
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 {
			t.Errorf("%s %.60s: %v", tc.kind, tc.body, err)
		}
	}
	if err := (Adapter{}).KeyFits(NetworkKaspa, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: key(t, v.XOnly).PublicKey}); err == nil {
		t.Error("ECDSA key accepted")
	}
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// FuzzSign: any transaction JSON is signed or refused with a 400, never a
// panic or another error.
func FuzzSign(f *testing.F) {
	b, _ := os.ReadFile("testdata/kaspa-wasm-signed.json")
	var v vector
	_ = json.Unmarshal(b, &v)
	f.Add([]byte(strings.ReplaceAll(v.Signed, `"signatureScript":"41`, `"signatureScript":"","x":"41`)))
	f.Add([]byte(v.Signed))
	k, _ := btcec.PrivKeyFromBytes(mustHex("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef"))
	kk := key(&testing.T{}, v.XOnly)
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, err := Adapter{}.Sign(context.Background(), NetworkKaspa, kk, signer{k}, chain.Request{Kind: "Psbt", Body: json.RawMessage(`{"psbt":"0x` + hex.EncodeToString(raw) + `"}`)})
		var e *apierr.Error
		if err != nil && (!errors.As(err, &e) || e.Status != 400) {
			t.Fatalf("got %v, want nil or a 400", err)
		}
	})
}
