package ton

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

// The Ton example of the Dfns API documentation: an unsigned external
// message, the signature Dfns returned and the signed message.
const (
	docsTx     = "b5ee9c724101020100830001618800bec17721846d82efc580cf4f1a16dd2f32aae224be7462079437be6b0ba9a512014d4d18bb37ff027000000598000c01009a62002fb05dc8611b60bbf16033d3c685b74bccaab8892f9d1881e50def9ac2ea6944a1dcd6500000000000000000000000000000000000004578616d706c65207472616e7366657220626f647977310dbd"
	docsSig    = "375a53d683f661152d343227b3e13cb3a90bdc1a182d2338b08607ad051ab7642e6796fda1e2707a3098739dfbedb66dcd5b32c0e4b618ccd767178acb290f0d"
	docsSigned = "b5ee9c724101020100c30001e18800bec17721846d82efc580cf4f1a16dd2f32aae224be7462079437be6b0ba9a51201bad29eb41fb308a969a1913d9f09e59d485ee0d0c16919c584303d6828d5bb21733cb7ed0f1383d184c39cefdf6db36e6ad9960725b0c666bb38bc56594878694d4d18bb37ff044000000598000c01009a62002fb05dc8611b60bbf16033d3c685b74bccaab8892f9d1881e50def9ac2ea6944a1dcd6500000000000000000000000000000000000004578616d706c65207472616e7366657220626f6479b73ce2c9"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestDocsVector: Custos puts the published signature where Dfns did and
// serializes the signed message as Dfns does. The published signed message
// carries another valid_until than the published unsigned one (…ff044…
// for …ff027…), so that field is aligned and the CRC32C left out.
func TestDocsVector(t *testing.T) {
	root, err := parseBoC(mustHex(docsTx))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(serializeBoC(root)); got != docsTx {
		t.Fatalf("re-serialized\n got %s\nwant %s", got, docsTx)
	}
	m, err := parseExternal(root)
	if err != nil {
		t.Fatal(err)
	}
	var b builder
	b.bytes(mustHex(docsSig))
	b.slice(m.body.bits, 0, m.body.nbits)
	body, _ := b.done(m.body.refs...)
	out, ok := m.rebuild(body)
	if !ok {
		t.Fatal("does not fit")
	}
	want := strings.Replace(docsSigned, "37ff0440", "37ff0270", 1)
	want = want[:len(want)-8]
	if got := hex.EncodeToString(serializeBoC(out)); got[:len(got)-8] != want {
		t.Fatalf("signed\n got %s\nwant %s", got, want)
	}
}

// TestAddress: the v4R2 wallet of the key 07×32 as @ton/ton's
// WalletContractV4 gives it (non-bounceable, then test-only).
func TestAddress(t *testing.T) {
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: []byte(strings.Repeat("\x07", 32))}
	for network, want := range map[string]string{
		NetworkTon:        "UQCQ1LbxOAZaBNioBH64kszbC41MwpjA0r_ijIiqIE9hlf-z",
		NetworkTonTestnet: "0QCQ1LbxOAZaBNioBH64kszbC41MwpjA0r_ijIiqIE9hlUQ5",
	} {
		got, err := Adapter{}.Address(network, key)
		if err != nil || got != want {
			t.Errorf("%s: got %s %v want %s", network, got, err, want)
		}
	}
}

func TestBadInput(t *testing.T) {
	s := chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(make([]byte, 32))}
	for _, c := range []struct{ kind, body, want string }{
		{"Hash", `{}`, "not supported on Ton"},
		{KindTransaction, `{"transaction":"0x00"}`, "bag of cells"},
		{KindTransaction, `{"transaction":"0x` + docsTx + `"}`, "not addressed to the wallet"},
		{KindTransaction, `{"transaction":"0x` + docsTx[:len(docsTx)-2] + `00"}`, "bag of cells"},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkTon, s.Key(), s, chain.Request{Kind: c.kind, Body: json.RawMessage(c.body)})
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want 400 with %q", c.body, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(mustHex(docsTx))
	f.Add(mustHex(docsSigned))
	f.Fuzz(func(t *testing.T, b []byte) {
		root, err := parseBoC(b)
		if err != nil {
			return
		}
		root.repr()
		if m, err := parseExternal(root); err == nil {
			m.rebuild(m.body)
		}
		if _, err := parseBoC(serializeBoC(root)); err != nil {
			t.Fatalf("re-serialized BoC does not parse: %v", err)
		}
	})
}
