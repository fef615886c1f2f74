package sui

import (
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

// TestAddress: for the public key 07×32, the addresses @mysten/sui
// (toSuiAddress) and @iota/iota-sdk (toIotaAddress) compute.
func TestAddress(t *testing.T) {
	pub := make([]byte, 32)
	for i := range pub {
		pub[i] = 7
	}
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: pub}
	for network, want := range map[string]string{
		NetworkSui:          "0x87a1c7b9e993010959b1ccbea21d088bf4064c31c7f0cd8c8156d6c17c4cf519",
		NetworkIota:         "0x17cdc7bca3f2a0bda60c6de5b96f82a36239b44bde397a3862d529ba8b3d7c62",
		NetworkIotaZodianet: "0x17cdc7bca3f2a0bda60c6de5b96f82a36239b44bde397a3862d529ba8b3d7c62",
	} {
		got, err := Adapter{}.Address(network, key)
		if err != nil || got != want {
			t.Errorf("%s: got %s %v, want %s", network, got, err, want)
		}
	}
}

// TestSignTransaction: the signature is over BLAKE2b-256(0,0,0 ‖ tx) and
// encoded as flag ‖ signature ‖ public key.
func TestSignTransaction(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	tx := append([]byte{0}, make([]byte, 40)...)
	body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(tx)})
	res, err := Adapter{}.Sign(context.Background(), NetworkSuiTestnet, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := hex.DecodeString(res.Signature.Encoded[2:])
	if len(enc) != 97 || enc[0] != 0 || string(enc[65:]) != string(s.Key().PublicKey) {
		t.Fatalf("encoded %x", enc)
	}
	d := blake2b.Sum256(append([]byte{0, 0, 0}, tx...))
	if !ed25519.Verify(s.Key().PublicKey, d[:], enc[1:65]) {
		t.Fatal("signature does not verify over the intent digest")
	}
}

func TestBadInput(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	for _, c := range []struct{ network, kind, body, want string }{
		{NetworkIota, "Psbt", `{}`, "not supported on Iota"},
		{NetworkSui, KindTransaction, `{"transaction":"0x01"}`, "TransactionData"},
		{NetworkSui, KindMessage, `{"message":""}`, "must not be empty"},
		{"Solana", KindMessage, `{"message":"0x00"}`, "not a Sui or IOTA network"},
	} {
		_, err := Adapter{}.Sign(context.Background(), c.network, s.Key(), s, chain.Request{Kind: c.kind, Body: json.RawMessage(c.body)})
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: got %v, want 400 with %q", c.kind, c.body, err, c.want)
		}
	}
}
