package cardano

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

// The CardanoPreprod example of the Dfns API documentation: the unsigned
// transaction, the wallet key (from the witness Dfns added), the signature
// and the signed transaction. Both outputs pay the sender's own enterprise
// address, which shows the address type Dfns derives.
const (
	docsTx     = "84a3008182582082544414292ededfa716ae42af007ecff823c58796cb9ba60330699fb4d55d7901018282581d60112f2721059581f2a8f9986638359b83c567a61d5486ed0e16c818621a000cf4ae82581d60112f2721059581f2a8f9986638359b83c567a61d5486ed0e16c818621b0000000253db20cd021a00028785a0f5f6"
	docsPub    = "b6332924a382b07808174ae732e8f7ffc32f9955197f25e8b92e93ac6924658a"
	docsSig    = "92e520787d6ca35a3e412fa81890a5fd9299e4d8f9ad23dbff284d2e970dce18e7721b4cc8b5a5190605f6e29833c8af1b9e3f5388927e4bd453f630a841bf08"
	docsSigned = "84a3008182582082544414292ededfa716ae42af007ecff823c58796cb9ba60330699fb4d55d7901018282581d60112f2721059581f2a8f9986638359b83c567a61d5486ed0e16c818621a000cf4ae82581d60112f2721059581f2a8f9986638359b83c567a61d5486ed0e16c818621b0000000253db20cd021a00028785a10081825820b6332924a382b07808174ae732e8f7ffc32f9955197f25e8b92e93ac6924658a584092e520787d6ca35a3e412fa81890a5fd9299e4d8f9ad23dbff284d2e970dce18e7721b4cc8b5a5190605f6e29833c8af1b9e3f5388927e4bd453f630a841bf08f5f6"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

type fixedSigner struct{ chainkit.SoftSigner }

func (fixedSigner) SignEdDSA(context.Context, []byte) ([]byte, error) { return mustHex(docsSig), nil }

func TestDocsVector(t *testing.T) {
	pub := mustHex(docsPub)
	tx := mustHex(docsTx)
	body := tx[1 : len(tx)-3] // between the array head and a0 f5 f6
	h := blake2b.Sum256(body)
	if !ed25519.Verify(pub, h[:], mustHex(docsSig)) {
		t.Fatal("published signature does not verify over the body hash")
	}
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: pub}
	in, _ := json.Marshal(map[string]string{"transaction": "0x" + docsTx})
	res, err := Adapter{}.Sign(context.Background(), NetworkCardanoPreprod, key, fixedSigner{}, chain.Request{Kind: KindTransaction, Body: in})
	if err != nil {
		t.Fatal(err)
	}
	if res.SignedData != "0x"+docsSigned {
		t.Fatalf("signedData %s", res.SignedData)
	}
	if got := hex.EncodeToString(addressBytes(NetworkCardanoPreprod, pub)); got != "60112f2721059581f2a8f9986638359b83c567a61d5486ed0e16c81862" {
		t.Fatalf("address bytes %s", got)
	}
	// A second witness is appended to the first.
	res2, err := Adapter{}.Sign(context.Background(), NetworkCardanoPreprod, chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}.Key(), chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}, chain.Request{Kind: KindTransaction, Body: mustJSON(res.SignedData)})
	if err != nil || !strings.Contains(res2.SignedData, "a10082825820b633") {
		t.Fatalf("second witness: %v %.300s", err, res2.SignedData)
	}
}

func mustJSON(tx string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"transaction": tx})
	return b
}

func TestBadInput(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	for _, c := range []struct{ kind, body, want string }{
		{"Hash", `{}`, "not supported on Cardano"},
		{KindTransaction, `{"transaction":"0x80"}`, "not a CBOR Cardano"},
		{KindTransaction, `{"transaction":"0x` + docsTx + `00"}`, "trailing"},
		{KindTransaction, `{"transaction":"0x83a0a0"}`, "not a CBOR Cardano"},
		{KindTransaction, `{"transaction":"0x8301a0f5"}`, "body is not a CBOR map"},
		{KindCip8, `{"payload":"0x00"}`, "context"},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkCardano, s.Key(), s, chain.Request{Kind: c.kind, Body: json.RawMessage(c.body)})
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want 400 with %q", c.body, err, c.want)
		}
	}
}

func FuzzSignTx(f *testing.F) {
	f.Add(mustHex(docsTx))
	f.Add(mustHex(docsSigned))
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := signTx(context.Background(), s.Key(), s, b)
		var ae *apierr.Error
		if err != nil && !errors.As(err, &ae) {
			t.Fatal(err)
		}
	})
}
