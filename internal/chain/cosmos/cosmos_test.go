package cosmos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil/bech32"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

type testSigner struct{ k *btcec.PrivateKey }

func (s testSigner) SignECDSA(_ context.Context, d []byte) ([]byte, byte, error) {
	c := ecdsa.SignCompact(s.k, d, true)
	return c[1:], (c[0] - 27) & 3, nil
}
func (testSigner) SignEdDSA(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") }
func (testSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("no")
}

func setup() (testSigner, chain.Key) {
	k, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{5}, 32))
	return testSigner{k}, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: k.PubKey().SerializeCompressed()}
}

func doc() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte("body"))
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte("auth"))
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte("cosmoshub-4"))
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	return protowire.AppendVarint(b, 42)
}

func TestAddressPrefixes(t *testing.T) {
	t.Parallel()
	_, key := setup()
	for network, prefix := range map[string]string{"CosmosHub4": "cosmos", "CosmosIcsTestnet": "cosmos", "BabylonGenesis": "bbn", "BabylonTestnet5": "bbn"} {
		a, err := Adapter{}.Address(network, key)
		if err != nil {
			t.Fatal(err)
		}
		hrp, data, err := bech32.Decode(a)
		if err != nil || hrp != prefix || len(data) != 32 {
			t.Fatalf("%s: %s (%v)", network, a, err)
		}
	}
}

func TestSignDirect(t *testing.T) {
	t.Parallel()
	s, key := setup()
	d := doc()
	res, err := Adapter{}.Sign(context.Background(), "CosmosHub4", key, s, chain.Request{Kind: "SignDocDirect", Body: json.RawMessage(`{"signDoc":"0x` + hex.EncodeToString(d) + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := hex.DecodeString(strings.TrimPrefix(res.Signature.Encoded, "0x"))
	var r, sc btcec.ModNScalar
	r.SetByteSlice(rs[:32])
	sc.SetByteSlice(rs[32:])
	h := sha256.Sum256(d)
	if sc.IsOverHalfOrder() || !ecdsa.NewSignature(&r, &sc).Verify(h[:], s.k.PubKey()) {
		t.Fatal("signature does not verify over sha256(signDoc) or is high-S")
	}
	var want []byte
	for i, v := range [][]byte{[]byte("body"), []byte("auth"), rs} {
		want = protowire.AppendTag(want, protowire.Number(i+1), protowire.BytesType)
		want = protowire.AppendBytes(want, v)
	}
	if res.SignedData != chain.Hex0x(want) {
		t.Fatalf("signedData %s is not the TxRaw", res.SignedData)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	s, key := setup()
	noChain := doc()[:len(doc())-2-13]
	for _, tc := range []struct{ kind, body string }{
		{"Transaction", `{"transaction":"0x00"}`},
		{"", `{}`},
		{"SignDocDirect", `{}`},
		{"SignDocDirect", `{"signDoc":"zz"}`},
		{"SignDocDirect", `{"signDoc":"0x0a05"}`},
		{"SignDocDirect", `{"signDoc":"0x` + hex.EncodeToString(noChain) + `"}`},
		{"SignDocDirect", `{"signDoc":{}}`},
		{"Hash", `{"hash":"0x01"}`},
	} {
		_, err := Adapter{}.Sign(context.Background(), "BabylonGenesis", key, s, chain.Request{Kind: tc.kind, Body: json.RawMessage(tc.body)})
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 {
			t.Errorf("%s %s: %v", tc.kind, tc.body, err)
		}
	}
	if err := (Adapter{}).KeyFits("CosmosHub4", chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: make([]byte, 32)}); err == nil {
		t.Error("EdDSA key accepted")
	}
}

func FuzzParseSignDoc(f *testing.F) {
	f.Add(doc())
	f.Fuzz(func(t *testing.T, b []byte) {
		body, auth, err := parseSignDoc(b)
		if err == nil && (body == nil || auth == nil) {
			t.Fatal("accepted without body or auth info")
		}
	})
}
