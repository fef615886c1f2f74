package substrate

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

// The well-known development account Alice: its public key and its SS58
// addresses with the generic (42) and Polkadot (0) prefixes.
const alice = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		panic(err)
	}
	return b
}

func TestSS58(t *testing.T) {
	id := mustHex(alice)
	for prefix, want := range map[byte]string{
		42: "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		0:  "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5",
	} {
		if got := SS58(prefix, id); got != want {
			t.Errorf("prefix %d: got %s want %s", prefix, got, want)
		}
		if back, ok := decodeSS58(want); !ok || hex.EncodeToString(back) != alice {
			t.Errorf("decode %s", want)
		}
	}
}

// TestEncodePayload: the raw payload of a SignerPayloadJSON equals what
// @polkadot/types' ExtrinsicPayload (v4) encodes for it (generated once
// with @polkadot/types 16.5.6).
func TestEncodePayload(t *testing.T) {
	in := `{"address":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","blockHash":"0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","blockNumber":"0x00001234","era":"0x4502","genesisHash":"0x9191919191919191919191919191919191919191919191919191919191919191","method":"0x0503008eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a480700e40b5402","nonce":"0x00000011","signedExtensions":["CheckNonZeroSender","CheckSpecVersion","CheckTxVersion","CheckGenesis","CheckMortality","CheckNonce","CheckWeight","ChargeAssetTxPayment","CheckMetadataHash"],"specVersion":"0x000f4240","tip":"0x00000000000000000000000100000000","transactionVersion":"0x0000001a","version":4,"mode":1,"metadataHash":"0x7777777777777777777777777777777777777777777777777777777777777777"}`
	want := "0503008eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a480700e40b5402450244070000000001000140420f001a0000009191919191919191919191919191919191919191919191919191919191919191bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb017777777777777777777777777777777777777777777777777777777777777777"
	got, err := encodePayload(json.RawMessage(in), mustHex(alice))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got) != want {
		t.Fatalf("got  %x\nwant %s", got, want)
	}
}

func TestCompact(t *testing.T) {
	e := &enc{}
	for in, want := range map[string]string{
		"0x0": "00", "0x3f": "fc", "0x40": "0101", "0x3fff": "fdff", "0x4000": "02000100",
		"0x3fffffff": "feffffff", "0x40000000": "0300000040", "0xffffffffffffffffffffffffffffffff": "33ffffffffffffffffffffffffffffffff",
	} {
		if got := hex.EncodeToString(e.compact("n", in)); got != want {
			t.Errorf("%s: got %s want %s", in, got, want)
		}
	}
	if e.err != nil {
		t.Fatal(e.err)
	}
}

func TestBadInput(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	for _, c := range []struct{ kind, body, want string }{
		{"Eip712", `{}`, "not supported on Polkadot"},
		{KindSignerPayload, `{}`, "payload is required"},
		{KindSignerPayload, `{"payload":[1]}`, "SignerPayloadJSON"},
		{KindSignerPayload, `{"payload":{"version":3}}`, "version must be 4"},
		{KindSignerPayload, `{"payload":{"version":4,"address":"x"}}`, "wallet's address"},
		{KindTransaction, `{"transaction":"0x"}`, "must not be empty"},
	} {
		_, err := Adapter{}.Sign(context.Background(), "Polkadot", s.Key(), s, chain.Request{Kind: c.kind, Body: json.RawMessage(c.body)})
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want 400 with %q", c.body, err, c.want)
		}
	}
}

func FuzzSign(f *testing.F) {
	f.Add(`{"payload":{"version":4,"address":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","method":"0x00","signedExtensions":["CheckNonce","CheckMetadataHash"],"nonce":"0x1","mode":1,"metadataHash":"0x00"}}`)
	f.Add(`{"payload":"0x0102"}`)
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: mustHex(alice)}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := Adapter{}.Sign(context.Background(), "Westend", key, s, chain.Request{Kind: KindSignerPayload, Body: json.RawMessage(body)})
		var ae *apierr.Error
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("non-API error %v", err)
		}
	})
}
