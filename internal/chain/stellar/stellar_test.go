package stellar

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// The fee-bump envelope, public key and signature Dfns publishes in its
// Stellar generate-signature example (StellarTestnet).
const (
	docsPub = "d6319d6ad33ba335eb96bf1355a5d930d95f2894067023e15d6046eb698de337"
	docsTx  = "0000000500000000d6319d6ad33ba335eb96bf1355a5d930d95f2894067023e15d6046eb698de33700000000000001900000000200000000d6319d6ad33ba335eb96bf1355a5d930d95f2894067023e15d6046eb698de337000000640013442f00000039000000010000000000000000000000006630fac3000000010000001054657374205472616e73616374696f6e00000001000000000000000100000000d6319d6ad33ba335eb96bf1355a5d930d95f2894067023e15d6046eb698de3370000000000000000000000640000000000000001698de33700000040d3c6d585afb419d91e35576327b084515a4e38cf80b1614923b60c09161db46d7624cdc5fcbde7077db82121f421f1d1ab5365c2d949680fe0decbd2c5b7a9080000000000000000"
	docsSig = "42d0aeedc08cf943a8d860eb5e5c93b07a18e438e07992f3113697faae876701885fa61a33137c7d5a95a22de2761efa6095ee29cb1fae6f933bcd80f2be1805"
)

var docsSigned = docsTx[:len(docsTx)-8] + "00000001698de33700000040" + docsSig

type fixedSigner struct{ chainkit.SoftSigner }

func (fixedSigner) SignEdDSA(context.Context, []byte) ([]byte, error) {
	return hex.DecodeString(docsSig)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func edKey(pub []byte) chain.Key {
	return chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: pub}
}

// TestDocsVector: the published signature verifies over the payload Custos
// computes, and Custos's signed envelope equals the published one.
func TestDocsVector(t *testing.T) {
	pub := mustHex(docsPub)
	env := mustHex(docsTx)
	e, err := parseEnvelope(env, "transaction")
	if err != nil {
		t.Fatal(err)
	}
	if e.kind != envelopeFeeBump || e.nsig != 0 || e.ops != 1 || e.fee != 400 {
		t.Fatalf("parsed %+v", e)
	}
	id := sha256.Sum256([]byte(passphrases[NetworkStellarTestnet]))
	h := sha256.Sum256(append(id[:], env[:e.sigStart]...))
	if !ed25519.Verify(pub, h[:], mustHex(docsSig)) {
		t.Fatal("published signature does not verify over the computed payload")
	}
	body, _ := json.Marshal(map[string]string{"kind": KindTransaction, "transaction": "0x" + docsTx})
	res, err := Adapter{}.Sign(context.Background(), NetworkStellarTestnet, edKey(pub), fixedSigner{}, chain.Request{Kind: KindTransaction, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if res.SignedData != "0x"+docsSigned {
		t.Fatalf("signedData\n got %s\nwant 0x%s", res.SignedData, docsSigned)
	}
	if res.Signature.Encoded != "0x"+docsSig {
		t.Fatalf("encoded %s", res.Signature.Encoded)
	}
}

// TestAccountID: SEP-23's published account id for a known key.
func TestAccountID(t *testing.T) {
	// SEP-23 test vector: GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ
	pub := mustHex("3f0c34bf93ad0d9971d04ccc90f705511c838aad9734a4a2fb0d7a03fc7fe89a")
	if got := AccountID(pub); got != "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ" {
		t.Fatalf("got %s", got)
	}
}

func TestBadInput(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	key := s.Key()
	cases := []struct{ kind, body, want string }{
		{"Psbt", `{}`, "not supported on Stellar"},
		{"", `{}`, "kind is required"},
		{KindTransaction, `{}`, "transaction is required"},
		{KindTransaction, `{"transaction":"zz"}`, "must be hex"},
		{KindTransaction, `{"transaction":"0x00000002"}`, "does not decode"},
		{KindTransaction, `{"transaction":"0x00000000"}`, "v0"},
		{KindTransaction, `{"transaction":"0x0000000700"}`, "not a Stellar transaction envelope"},
		{KindTransaction, `{"transaction":"0x` + docsTx + `01"}`, "signature list"},
		{KindFeeBump, `{"innerTransaction":"0x00"}`, "transactionReference is required"},
		{KindFeeBump, `{"transactionReference":"r","innerTransaction":"0x` + docsTx + `"}`, "not a fee-bump"},
	}
	for _, c := range cases {
		_, err := Adapter{}.Sign(context.Background(), NetworkStellar, key, s, chain.Request{Kind: c.kind, Body: json.RawMessage(c.body)})
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: got %v, want 400 with %q", c.kind, c.body, err, c.want)
		}
	}
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add(mustHex(docsTx))
	f.Add(mustHex(docsSigned))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseEnvelope(b, "transaction")
		if err == nil && (e.sigStart < 4 || e.sigStart+4+72*e.nsig != len(b)) {
			t.Fatalf("inconsistent %+v for %d bytes", e, len(b))
		}
		_, _ = wrapFeeBump(make([]byte, 32), b)
	})
}
