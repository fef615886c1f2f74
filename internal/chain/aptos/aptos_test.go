package aptos

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// A testnet APT transfer (0xb2eda34a…8084) as published in an Aptos
// raw-transaction walkthrough: its RawTransaction, and the sender's public key
// from its Ed25519 authenticator.
const (
	pubTx  = "9cc107ca00ed1f08c33ebe2ce1d39b213b755e300c608827e0aa7b3d16c6e78f01000000000000000200000000000000000000000000000000000000000000000000000000000000010d6170746f735f6163636f756e74087472616e73666572000220ab156a8328d4b4bdb9ab1fba7d8c28f7d62126d01154a3145e10212b5e7c7bae087b00000000000000a0860100000000006400000000000000221326660000000002"
	pubKey = "f02b2e4600d68eca9565026b1e9ad528df287a20fe63d98adc5690284e9649d5"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestPublishedTransaction: the RawTransaction decodes to its end and its
// sender is the address Custos derives from the sender's key.
func TestPublishedTransaction(t *testing.T) {
	raw := mustHex(pubTx)
	r := &reader{b: raw}
	sender := r.rawTransaction()
	if r.bad || r.off != len(raw) {
		t.Fatalf("decode: bad=%v off=%d len=%d", r.bad, r.off, len(raw))
	}
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: mustHex(pubKey)}
	addr, err := Adapter{}.Address(NetworkAptosTestnet, key)
	if err != nil || addr != chain.Hex0x(sender) {
		t.Fatalf("address %s %v, sender %x", addr, err, sender)
	}
}

// TestSignRaw: the signature verifies over SHA3("APTOS::RawTransaction") ‖
// raw and signedData is raw ‖ Ed25519 authenticator.
func TestSignRaw(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	raw := mustHex(pubTx)
	body, _ := json.Marshal(map[string]string{"transaction": "0x" + pubTx})
	res, err := Adapter{}.Sign(context.Background(), NetworkAptos, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	sig := mustHex(res.Signature.Encoded[2:])
	if !ed25519.Verify(s.Key().PublicKey, slices.Concat(domain("APTOS::RawTransaction"), raw), sig) {
		t.Fatal("signature does not verify")
	}
	want := slices.Concat(raw, []byte{0, 32}, s.Key().PublicKey, []byte{64}, sig)
	if res.SignedData != chain.Hex0x(want) {
		t.Fatalf("signedData %s", res.SignedData)
	}
}

func TestBadInput(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	for _, c := range []struct{ kind, body, want string }{
		{"Hash", `{}`, "not supported on Aptos"},
		{KindTransaction, `{"transaction":"0x` + pubTx[:len(pubTx)-2] + `"}`, "does not decode"},
		{KindTransaction, `{"transaction":"0x` + pubTx + `00"}`, "only MultiAgent or FeePayer"},
		{KindTransaction, `{"transaction":"0x` + pubTx + `0304"}`, "authenticator does not decode"},
		{KindTransaction, `{"transaction":"0x` + pubTx + `030400003434343434343434343434343434343434343434343434343434343434343434` + `04"}`, "not the sender"},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkAptos, s.Key(), s, chain.Request{Kind: c.kind, Body: json.RawMessage(c.body)})
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want 400 with %q", c.body, err, c.want)
		}
	}
}

func FuzzSign(f *testing.F) {
	f.Add(mustHex(pubTx))
	f.Add(mustHex(pubTx + "0304000004"))
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	f.Fuzz(func(t *testing.T, b []byte) {
		body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(b)})
		_, err := Adapter{}.Sign(context.Background(), NetworkAptos, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
		var ae *apierr.Error
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("non-API error %v", err)
		}
	})
}
