package near

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// dfnsTx is the request of the Dfns documentation's Near example
// (docs-legacy.dfns.co d/api-docs/keys/generate-signature/near): an
// ft_transfer from the implicit account of key dfnsPub.
const (
	dfnsTx  = "400000006630346263396261376263363835643132636638373733316363343832306331333932303732336236613737333663663235623662633839386363646333613800f04bc9ba7bc685d12cf87731cc4820c13920723b6a7736cf25b6bc898ccdc3a805b83e62ccbb000040000000336532323130653131383462343562363463386134333463306137653762323363633034656137656237613663336333323532306430336434616663623861669ea4fc49d0e9e4d8536afa07c1d43dff89a5fc32189e27d1821b645e60dea58a01000000020b00000066745f7472616e736665725f0000007b22616d6f756e74223a2231222c2272656365697665725f6964223a2239623837663061373830323130396330333464373163643663633533653664613239313930666334336332333932366538386333383731316664643534373664227d00e057eb481b000001000000000000000000000000000000"
	dfnsPub = "f04bc9ba7bc685d12cf87731cc4820c13920723b6a7736cf25b6bc898ccdc3a8"
)

type edSigner struct{ k ed25519.PrivateKey }

func (s edSigner) SignEdDSA(_ context.Context, m []byte) ([]byte, error) {
	return ed25519.Sign(s.k, m), nil
}
func (edSigner) SignECDSA(context.Context, []byte) ([]byte, byte, error) {
	return nil, 0, errors.New("no")
}
func (edSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("no")
}

func TestDfnsExample(t *testing.T) {
	t.Parallel()
	tx, _ := hex.DecodeString(dfnsTx)
	pub, _ := hex.DecodeString(dfnsPub)
	if err := checkHeader(tx, pub); err != nil {
		t.Fatal(err)
	}
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: pub}
	if a, _ := (Adapter{}).Address(NetworkNear, key); a != dfnsPub || !bytes.Contains(tx, []byte(a)) {
		t.Fatalf("address %s is not the example's signer id", a)
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	k := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	pub := k.Public().(ed25519.PublicKey)
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: pub}
	// The example transaction with this key in place of the example's.
	tx, _ := hex.DecodeString(dfnsTx)
	old, _ := hex.DecodeString(dfnsPub)
	tx = bytes.Replace(tx, append([]byte{0}, old...), append([]byte{0}, pub...), 1)
	res, err := Adapter{}.Sign(context.Background(), NetworkNearTestnet, key, edSigner{k}, chain.Request{Kind: "Transaction", Body: json.RawMessage(`{"transaction":"0x` + hex.EncodeToString(tx) + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	signed, _ := hex.DecodeString(res.SignedData[2:])
	h := sha256.Sum256(tx)
	if !bytes.HasPrefix(signed, tx) || signed[len(tx)] != 0 || !ed25519.Verify(pub, h[:], signed[len(tx)+1:]) {
		t.Fatal("signedData is not the transaction with a verifying ED25519 signature")
	}

	for _, tc := range []struct{ kind, body string }{
		{"Psbt", `{"psbt":"0x00"}`},
		{"Transaction", `{}`},
		{"Transaction", `{"transaction":"0x` + dfnsTx + `"}`}, // another key
		{"Transaction", `{"transaction":"0x` + hex.EncodeToString(tx[:40]) + `"}`},
		{"Transaction", `{"transaction":"0x00000000"}`},
		{"Transaction", `{"transaction":"0xffffffff00"}`},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkNear, key, edSigner{k}, chain.Request{Kind: tc.kind, Body: json.RawMessage(tc.body)})
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 {
			t.Errorf("%s %s: %v", tc.kind, tc.body[:min(len(tc.body), 40)], err)
		}
	}
	if err := (Adapter{}).KeyFits(NetworkNear, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)}); err == nil {
		t.Error("ECDSA key accepted")
	}
}

func FuzzCheckHeader(f *testing.F) {
	tx, _ := hex.DecodeString(dfnsTx)
	pub, _ := hex.DecodeString(dfnsPub)
	f.Add(tx)
	f.Fuzz(func(t *testing.T, b []byte) { _ = checkHeader(b, pub) })
}
