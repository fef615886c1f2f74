package tezos

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/blake2b"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestAddress: the sandbox bootstrap1 account (edpkuBknW28n… →
// tz1KqTpEZ7Yo…), and a secp256k1 key hashed to tz2 as @taquito/utils
// getPkhfromPk does.
func TestAddress(t *testing.T) {
	ed := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: mustHex("4798d2cc98473d7e250c898885718afd2e4efbcb1a1595ab9730761ed830de0f")}
	secp := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: append([]byte{2}, bytes.Repeat([]byte{9}, 32)...)}
	for key, want := range map[*chain.Key]string{&ed: "tz1KqTpEZ7Yob7QbPE4Hy4Wo8fHG8LhKxZSx", &secp: "tz2LA3rAPcUDt6JyMtu4JpWaU1mNhpxLyVku"} {
		got, err := Adapter{}.Address(NetworkTezos, *key)
		if err != nil || got != want {
			t.Errorf("got %s %v, want %s", got, err, want)
		}
	}
}

// TestSignTransaction: ed25519 over BLAKE2b-256(0x03 ‖ forged bytes);
// signedData is the forged bytes and the signature.
func TestSignTransaction(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	op := bytes.Repeat([]byte{0x6c}, 60)
	body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(op)})
	res, err := Adapter{}.Sign(context.Background(), NetworkTezosGhostnet, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	sig := mustHex(res.Signature.Encoded[2:])
	d := blake2b.Sum256(append([]byte{3}, op...))
	if !ed25519.Verify(s.Key().PublicKey, d[:], sig) {
		t.Fatal("signature does not verify over the watermarked digest")
	}
	if res.SignedData != chain.Hex0x(append(op, sig...)) {
		t.Fatal("signedData is not bytes ‖ signature")
	}
}

func TestBadInput(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	for _, c := range []struct{ kind, body, want string }{
		{"Psbt", `{}`, "not supported on Tezos"},
		{KindTransaction, `{"transaction":"0x0011"}`, "32-byte branch"},
		{KindHash, `{"hash":"0x0011"}`, "32 bytes"},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkTezos, s.Key(), s, chain.Request{Kind: c.kind, Body: json.RawMessage(c.body)})
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want 400 with %q", c.body, err, c.want)
		}
	}
	_, err := Adapter{}.Address("Tezos", chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)})
	if err == nil || !strings.Contains(err.Error(), "ed25519 or an ECDSA key on secp256k1") {
		t.Errorf("Schnorr key: %v", err)
	}
}
