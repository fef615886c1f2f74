package tron

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// The Dfns documentation's TronNile example (dfns/dfns-api-docs
// api-docs/wallets/generate-signature-from-wallet/tron-generate-signature.md):
// a request transaction and a signed transaction with its signature.
const (
	dfnsRequestTx = "0a83010a0228222208b142ad939b228d784090a7eaa9cf315a65080112610a2d747970652e676f6f676c65617069732e636f6d2f70726f746f636f6c2e5472616e73666572436f6e747261637412300a15419d31b91d72b58d7c8c02a7124410e168989f372d12154102a69d5d85c05864dc6fd74f57db3fa37aff7b94180170b0d2e6a9cf31"
	dfnsSignedTx  = "0a83010a0227f52208511ce7ed0476508040c8d9e1a9cf315a65080112610a2d747970652e676f6f676c65617069732e636f6d2f70726f746f636f6c2e5472616e73666572436f6e747261637412300a15419d31b91d72b58d7c8c02a7124410e168989f372d12154102a69d5d85c05864dc6fd74f57db3fa37aff7b94180170e884dea9cf311241a7c36732ea21596a533ad44e1d2f5eff72ae3d178225a0cdb9869ff3954a389837b7f22f119801ce5fe1723f3a397254ba8f968ba5ad63e66404caf7506669681c"
	dfnsOwner     = "419d31b91d72b58d7c8c02a7124410e168989f372d"
)

// TestDfnsExampleDigest: the signature of the Dfns example recovers, over
// sha256(raw_data) as rawData extracts it, to the transfer's owner address
// (so the digest is the one Tron signs), and the signed transaction is the
// unsigned one followed by field 2.
func TestDfnsExampleDigest(t *testing.T) {
	t.Parallel()
	signed, _ := hex.DecodeString(dfnsSignedTx)
	sig := signed[len(signed)-65:]
	unsigned := signed[:len(signed)-67]
	if !bytes.Equal(signed[len(signed)-67:len(signed)-65], []byte{0x12, 0x41}) {
		t.Fatal("signature field header")
	}
	raw, err := rawData(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(raw)
	rsv := append(append([]byte(nil), sig[:64]...), sig[64]-27)
	pub, err := crypto.Ecrecover(d[:], rsv)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := crypto.UnmarshalPubkey(pub)
	if got := "41" + hex.EncodeToString(crypto.PubkeyToAddress(*p).Bytes()); got != dfnsOwner {
		t.Fatalf("recovered %s, want the owner %s", got, dfnsOwner)
	}
	if _, err := rawData(mustHex(t, dfnsRequestTx)); err != nil {
		t.Fatal(err)
	}
}

type testSigner struct{ key []byte }

func (s testSigner) SignECDSA(_ context.Context, digest []byte) ([]byte, byte, error) {
	k, _ := crypto.ToECDSA(s.key)
	sig, err := crypto.Sign(digest, k)
	return sig[:64], sig[64], err
}
func (testSigner) SignEdDSA(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") }
func (testSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("no")
}

func testKey(t *testing.T) (testSigner, chain.Key) {
	priv := bytes.Repeat([]byte{9}, 32)
	k, _ := crypto.ToECDSA(priv)
	return testSigner{priv}, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: crypto.CompressPubkey(&k.PublicKey)}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAddressVector: private key 1's address, as TronWeb's
// address.fromPrivateKey gives it.
func TestAddressVector(t *testing.T) {
	t.Parallel()
	k, _ := crypto.ToECDSA(append(make([]byte, 31), 1))
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: crypto.CompressPubkey(&k.PublicKey)}
	for _, n := range []string{NetworkTron, NetworkTronNile} {
		got, err := Adapter{}.Address(n, key)
		if err != nil {
			t.Fatal(err)
		}
		b, v, err := base58.CheckDecode(got)
		if err != nil || v != 0x41 || hex.EncodeToString(b) != "7e5f4552091a69125d5dfcb7b8c2659029395bdf" || got[0] != 'T' {
			t.Fatalf("%s: %s", n, got)
		}
		if got != "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC" {
			t.Fatalf("address %s", got)
		}
	}
}

func TestSignTransaction(t *testing.T) {
	t.Parallel()
	s, key := testKey(t)
	res, err := Adapter{}.Sign(context.Background(), NetworkTronNile, key, s, chain.Request{Kind: "Transaction", Body: json.RawMessage(`{"kind":"Transaction","transaction":"0x` + dfnsRequestTx + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	signed := mustHex(t, res.SignedData)
	if !bytes.HasPrefix(signed, mustHex(t, dfnsRequestTx)) || len(signed) != len(dfnsRequestTx)/2+67 {
		t.Fatal("signedData is not the transaction with one signature field appended")
	}
	raw, _ := rawData(mustHex(t, dfnsRequestTx))
	d := sha256.Sum256(raw)
	sig := signed[len(signed)-65:]
	if sig[64] != 27+byte(*res.Signature.Recid) || res.Signature.Encoded != chain.Hex0x(sig) {
		t.Fatalf("signature %+v", res.Signature)
	}
	pub, err := crypto.Ecrecover(d[:], append(append([]byte(nil), sig[:64]...), sig[64]-27))
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := crypto.DecompressPubkey(key.PublicKey); !bytes.Equal(pub, crypto.FromECDSAPub(c)) {
		t.Fatal("signature does not recover to the wallet key")
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	s, key := testKey(t)
	for _, tc := range []struct{ network, kind, body string }{
		{NetworkTron, "Psbt", `{"psbt":"0x00"}`},
		{NetworkTron, "Message", `{"message":"0x00"}`},
		{NetworkTron, "", `{}`},
		{NetworkTron, "Transaction", `{}`},
		{NetworkTron, "Transaction", `{"transaction":"0xzz"}`},
		{NetworkTron, "Transaction", `{"transaction":{"raw_data":{}}}`},
		{NetworkTron, "Transaction", `{"transaction":"0x0a"}`},
		{NetworkTron, "Transaction", `{"transaction":"0x0aff"}`},
		{NetworkTron, "Transaction", `{"transaction":"0x1241` + strings.Repeat("00", 65) + `"}`},
		{NetworkTron, "Transaction", `{"transaction":"0x0a020801"}`},
		{NetworkTron, "Transaction", `{"transaction":"0x0a0208010a020801"}`},
		{NetworkTron, "Transaction", `{"transaction":"0x0f"}`},
		{NetworkTron, "Hash", `{"hash":"0x00"}`},
		{"Ethereum", "Hash", `{"hash":"0x00"}`},
	} {
		_, err := Adapter{}.Sign(context.Background(), tc.network, key, s, chain.Request{Kind: tc.kind, Body: json.RawMessage(tc.body)})
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 {
			t.Errorf("%s %s: got %v, want 400", tc.kind, tc.body, err)
		}
	}
	bad := key
	bad.Scheme = chain.SchemeEdDSA
	if err := (Adapter{}).KeyFits(NetworkTron, bad); err == nil {
		t.Fatal("EdDSA key accepted")
	}
}

// FuzzRawData: the protobuf reader never panics and returns a subslice.
func FuzzRawData(f *testing.F) {
	f.Add(mustHexF(dfnsRequestTx))
	f.Add([]byte{0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, err := rawData(b)
		if err == nil && (len(raw) == 0 || !bytes.Contains(b, raw)) {
			t.Fatal("raw_data is not part of the input")
		}
	})
}

func mustHexF(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
