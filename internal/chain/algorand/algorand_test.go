package algorand

import (
	"context"
	"crypto/ed25519"
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

// The AlgorandTestnet example of the Dfns API documentation.
const (
	docsTx     = "81a374786e89a3616d7401a3666565cd03e8a26676ce0233fc92a367656eac746573746e65742d76312e30a26768c4204863b518a4b3c84ec810f22d4f1081cb0f71f059a7ac20dec62f7f70e5093a22a26c76ce0234007aa3726376c4202c72fe6b78fb1ac99b8e72c9224a6f114c63e598fc1bcf6b048012ae9fc4730aa3736e64c4201256a859b39429ee178e0a65056fb33d51c5139044f6a2603c144278010c7684a474797065a3706179"
	docsPub    = "1256a859b39429ee178e0a65056fb33d51c5139044f6a2603c144278010c7684"
	docsSig    = "134ef556b3409f9888b0c7613ca5eeb5e9dc2df62fbcc48ca2be3c3f2d3ca7f52477ff80eb235b12e534ab98261cf24dbdf38a6acbe0426551e9caa3c3c07702"
	docsSigned = "82a3736967c440134ef556b3409f9888b0c7613ca5eeb5e9dc2df62fbcc48ca2be3c3f2d3ca7f52477ff80eb235b12e534ab98261cf24dbdf38a6acbe0426551e9caa3c3c07702a374786e89a3616d7401a3666565cd03e8a26676ce0233fc92a367656eac746573746e65742d76312e30a26768c4204863b518a4b3c84ec810f22d4f1081cb0f71f059a7ac20dec62f7f70e5093a22a26c76ce0234007aa3726376c4202c72fe6b78fb1ac99b8e72c9224a6f114c63e598fc1bcf6b048012ae9fc4730aa3736e64c4201256a859b39429ee178e0a65056fb33d51c5139044f6a2603c144278010c7684a474797065a3706179"
)

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

func TestDocsVector(t *testing.T) {
	pub := mustHex(docsPub)
	txn, snd, err := decodeTxn(mustHex(docsTx))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(snd) != docsPub {
		t.Fatalf("snd %x", snd)
	}
	if !ed25519.Verify(pub, append([]byte("TX"), txn...), mustHex(docsSig)) {
		t.Fatal("published signature does not verify over TX||txn")
	}
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: pub}
	body, _ := json.Marshal(map[string]string{"kind": KindTransaction, "transaction": "0x" + docsTx})
	res, err := Adapter{}.Sign(context.Background(), NetworkAlgorandTestnet, key, fixedSigner{}, chain.Request{Kind: KindTransaction, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if res.SignedData != "0x"+docsSigned {
		t.Fatalf("signedData %s", res.SignedData)
	}
}

// TestAddress: the address of the Dfns example's sender, as algosdk
// encodes it (checked once with algosdk.encodeAddress).
func TestAddress(t *testing.T) {
	if got := Address(mustHex(docsPub)); got != "CJLKQWNTSQU64F4OBJSQK35THVI4KE4QIT3KEYB4CRBHQAIMO2CD6JWBCY" {
		t.Fatalf("got %s", got)
	}
}

func TestBadInput(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	for _, c := range []struct{ kind, body, want string }{
		{"Hash", `{"hash":"0x00"}`, "not supported on Algorand"},
		{KindTransaction, `{"transaction":"0x01"}`, "msgpack map"},
		{KindTransaction, `{"transaction":"0x81a3747970"}`, "not valid msgpack"},
		{KindTransaction, `{"transaction":"0x80"}`, "type field"},
		{KindTransaction, `{"transaction":"0x` + docsTx + `00"}`, "trailing"},
		{KindTransaction, `{"transaction":"0x` + docsSigned + `"}`, "only txn"},
		{KindTransaction, `{"transaction":"0xdf7fffffff"}`, "msgpack"},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkAlgorand, s.Key(), s, chain.Request{Kind: c.kind, Body: json.RawMessage(c.body)})
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want 400 with %q", c.body, err, c.want)
		}
	}
}

func FuzzDecodeTxn(f *testing.F) {
	f.Add(mustHex(docsTx))
	f.Add(mustHex(docsSigned))
	f.Fuzz(func(t *testing.T, b []byte) { _, _, _ = decodeTxn(b) })
}

// TestSignsTXPrefix: a fresh key's signature verifies over "TX" || txn.
func TestSignsTXPrefix(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	body, _ := json.Marshal(map[string]string{"transaction": "0x" + docsTx})
	res, err := Adapter{}.Sign(context.Background(), NetworkAlgorand, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	txn, _, _ := decodeTxn(mustHex(docsTx))
	if !ed25519.Verify(s.Key().PublicKey, append([]byte("TX"), txn...), mustHex(res.Signature.Encoded[2:])) {
		t.Fatal("signature does not verify over TX||txn")
	}
	if !strings.HasPrefix(res.SignedData, "0x83a473676e72") {
		t.Fatalf("another sender's transaction must carry sgnr: %s", res.SignedData[:20])
	}
}
