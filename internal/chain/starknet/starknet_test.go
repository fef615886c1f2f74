package starknet

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/stark"
)

// softSigner signs with an in-memory STARK key.
type softSigner struct{ d []byte }

func (softSigner) SignECDSA(context.Context, []byte) ([]byte, byte, error) {
	return nil, 0, errors.New("no secp256k1")
}
func (softSigner) SignEdDSA(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("no ed25519")
}
func (softSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("no schnorr")
}
func (s softSigner) SignStark(_ context.Context, h []byte) ([]byte, []byte, error) {
	return stark.Sign(s.d, h)
}

// Starkware's published signing-vector key.
var vectorKey, _ = hex.DecodeString("03c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc")

func testKey(t testing.TB) (chain.Key, softSigner) {
	t.Helper()
	pub, err := stark.PublicKey(vectorKey)
	if err != nil {
		t.Fatal(err)
	}
	return chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveStark, PublicKey: pub}, softSigner{vectorKey}
}

// fixture holds values starknet.js 10.8.0 computed (testdata/starknetjs.json,
// written by test/networks/starknet-fixture.mjs).
type fixture struct {
	StarkKey string `json:"starkKey"`
	Address  string `json:"address"`
	Invoke   struct {
		Tx      json.RawMessage `json:"tx"`
		ChainID string          `json:"chainId"`
		Hash    string          `json:"hash"`
	} `json:"invoke"`
	Deploy struct {
		Tx      json.RawMessage `json:"tx"`
		ChainID string          `json:"chainId"`
		Hash    string          `json:"hash"`
	} `json:"deploy"`
	Rev1, Rev1None, Rev0 typedCase
}

type typedCase struct {
	TD   json.RawMessage `json:"td"`
	Hash string          `json:"hash"`
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/starknetjs.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func big0x(t *testing.T, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(strings.TrimPrefix(s, "0x"), 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return v
}

func TestAddress(t *testing.T) {
	f := loadFixture(t)
	key, _ := testKey(t)
	for _, n := range []string{NetworkStarknet, NetworkStarknetSepolia} {
		addr, err := Adapter{}.Address(n, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(addr) != 66 || big0x(t, addr).Cmp(big0x(t, f.Address)) != 0 {
			t.Errorf("%s address %s, starknet.js %s", n, addr, f.Address)
		}
	}
	if _, err := (Adapter{}).Address(NetworkStarknet, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)}); status(err) != 400 {
		t.Errorf("secp256k1 key: %v", err)
	}
}

func TestTransactionHash(t *testing.T) {
	f := loadFixture(t)
	key, _ := testKey(t)
	acct := account(key)
	for _, tc := range []struct {
		name        string
		tx          json.RawMessage
		chain, want string
	}{
		{"invoke", f.Invoke.Tx, f.Invoke.ChainID, f.Invoke.Hash},
		{"deploy_account", f.Deploy.Tx, f.Deploy.ChainID, f.Deploy.Hash},
	} {
		h, err := txHash(tc.tx, big0x(t, tc.chain), acct)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if h.Cmp(big0x(t, tc.want)) != 0 {
			t.Errorf("%s: hash %#x, starknet.js %s", tc.name, h, tc.want)
		}
		// The same transaction as a JSON string.
		s, _ := json.Marshal(string(tc.tx))
		if h2, err := txHash(s, big0x(t, tc.chain), acct); err != nil || h2.Cmp(h) != 0 {
			t.Errorf("%s as a string: %v", tc.name, err)
		}
	}
}

func TestSnip12Hash(t *testing.T) {
	f := loadFixture(t)
	acct := big0x(t, f.Address)
	for name, c := range map[string]typedCase{"rev1": f.Rev1, "rev1 unit variant": f.Rev1None, "rev0": f.Rev0} {
		h, err := snip12Hash(c.TD, acct)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if h.Cmp(big0x(t, c.Hash)) != 0 {
			t.Errorf("%s: hash %#x, starknet.js %s", name, h, c.Hash)
		}
	}
}

func status(err error) int {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func TestSign(t *testing.T) {
	f := loadFixture(t)
	key, s := testKey(t)
	body := func(kv ...string) json.RawMessage { return json.RawMessage("{" + strings.Join(kv, ",") + "}") }
	res, err := Adapter{}.Sign(context.Background(), NetworkStarknetSepolia, key, s,
		chain.Request{Kind: KindTransaction, Body: body(`"kind":"Transaction"`, `"transaction":`+string(f.Invoke.Tx))})
	if err != nil {
		t.Fatal(err)
	}
	h := big0x(t, f.Invoke.Hash).FillBytes(make([]byte, 32))
	r, _ := hex.DecodeString(res.Signature.R[2:])
	sv, _ := hex.DecodeString(res.Signature.S[2:])
	if !stark.Verify(key.PublicKey, h, r, sv) {
		t.Fatal("signature does not verify over starknet.js's hash")
	}
	// On mainnet the same INVOKE hashes differently (chain id).
	res2, err := Adapter{}.Sign(context.Background(), NetworkStarknet, key, s,
		chain.Request{Kind: KindTransaction, Body: body(`"transaction":` + string(f.Invoke.Tx))})
	if err != nil || res2.Signature.R == res.Signature.R {
		t.Fatalf("mainnet signature: %v", err)
	}
	if _, err := (Adapter{}).Sign(context.Background(), NetworkStarknet, key, s,
		chain.Request{Kind: KindSnip12, Body: f.Rev0.TD}); err != nil {
		t.Fatal(err)
	}
}

func TestSignRejects(t *testing.T) {
	f := loadFixture(t)
	key, s := testKey(t)
	var inv map[string]any
	_ = json.Unmarshal(f.Invoke.Tx, &inv)
	with := func(k string, v any) string {
		m := map[string]any{}
		for a, b := range inv {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(map[string]any{"transaction": m})
		return string(b)
	}
	var dep map[string]any
	_ = json.Unmarshal(f.Deploy.Tx, &dep)
	dep["class_hash"] = "0x1"
	depBody, _ := json.Marshal(map[string]any{"transaction": dep})
	for _, tc := range []struct {
		name, kind, body, want string
	}{
		{"wrong kind", "Eip712", `{}`, "Eip712"},
		{"message", "Message", `{"message":"0x00"}`, "Message"},
		{"no kind", "", `{}`, "kind"},
		{"no transaction", KindTransaction, `{}`, "transaction"},
		{"hex string", KindTransaction, `{"transaction":"0x00"}`, "transaction"},
		{"version", KindTransaction, with("version", "0x1"), "version"},
		{"query version", KindTransaction, with("version", "0x100000000000000000000000000000003"), "version"},
		{"no nonce", KindTransaction, with("nonce", nil), "nonce"},
		{"bad nonce", KindTransaction, with("nonce", "7"), "nonce"},
		{"big felt", KindTransaction, with("nonce", "0x800000000000011000000000000000000000000000000000000000000000001"), "nonce"},
		{"calldata item", KindTransaction, with("calldata", []any{"0x1", 2}), "calldata"},
		{"calldata hex", KindTransaction, with("calldata", []string{"zz"}), "calldata"},
		{"sender", KindTransaction, with("sender_address", "0x1"), "sender_address"},
		{"type", KindTransaction, with("type", "DECLARE"), "type"},
		{"da mode", KindTransaction, with("fee_data_availability_mode", "L3"), "fee_data_availability_mode"},
		{"no l1_data_gas", KindTransaction, with("resource_bounds", map[string]any{"l1_gas": map[string]string{"max_amount": "0x1", "max_price_per_unit": "0x1"}, "l2_gas": map[string]string{"max_amount": "0x1", "max_price_per_unit": "0x1"}}), "l1_data_gas"},
		{"amount above 2^64", KindTransaction, with("resource_bounds", map[string]any{"l1_gas": map[string]string{"max_amount": "0x10000000000000000", "max_price_per_unit": "0x1"}, "l2_gas": map[string]string{"max_amount": "0x1", "max_price_per_unit": "0x1"}, "l1_data_gas": map[string]string{"max_amount": "0x1", "max_price_per_unit": "0x1"}}), "l1_gas"},
		{"deploy other account", KindTransaction, string(depBody), "deploys account"},
		{"snip12 no types", KindSnip12, `{"primaryType":"M","domain":{},"message":{}}`, "types"},
		{"snip12 revision", KindSnip12, `{"primaryType":"M","types":{"StarknetDomain":[],"M":[]},"domain":{"revision":"2"},"message":{}}`, "revision"},
		{"snip12 missing field", KindSnip12, `{"primaryType":"M","types":{"StarknetDomain":[{"name":"name","type":"shortstring"}],"M":[{"name":"a","type":"felt"}]},"domain":{"name":"x","revision":"1"},"message":{}}`, "message.a"},
		{"snip12 unknown type", KindSnip12, `{"primaryType":"M","types":{"StarknetDomain":[],"M":[{"name":"a","type":"u999"}]},"domain":{"revision":1},"message":{"a":1}}`, "u999"},
		{"snip12 u128 range", KindSnip12, `{"primaryType":"M","types":{"StarknetDomain":[],"M":[{"name":"a","type":"u128"}]},"domain":{"revision":1},"message":{"a":"0x100000000000000000000000000000000"}}`, "message.a"},
		{"snip12 long shortstring", KindSnip12, `{"primaryType":"M","types":{"StarkNetDomain":[],"M":[{"name":"a","type":"felt"}]},"domain":{},"message":{"a":"this short string has more than 31 characters"}}`, "message.a"},
		{"snip12 preset redefined", KindSnip12, `{"primaryType":"M","types":{"StarknetDomain":[],"u256":[],"M":[]},"domain":{"revision":"1"},"message":{}}`, "u256"},
		{"snip12 unsafe number", KindSnip12, `{"primaryType":"M","types":{"StarkNetDomain":[],"M":[{"name":"a","type":"felt"}]},"domain":{},"message":{"a":9007199254740993}}`, "2^53"},
		{"snip12 huge exponent", KindSnip12, `{"primaryType":"M","types":{"StarkNetDomain":[],"M":[{"name":"a","type":"felt"}]},"domain":{},"message":{"a":1e999999999}}`, "message.a"},
		{"snip12 long number", KindSnip12, `{"primaryType":"M","types":{"StarkNetDomain":[],"M":[{"name":"a","type":"felt"}]},"domain":{},"message":{"a":"` + strings.Repeat("9", 300) + `"}}`, "more than 256"},
		{"snip12 empty merkle", KindSnip12, `{"primaryType":"M","types":{"StarkNetDomain":[],"M":[{"name":"a","type":"merkletree","contains":"M"}]},"domain":{},"message":{"a":[]}}`, "message.a"},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkStarknet, key, s, chain.Request{Kind: tc.kind, Body: json.RawMessage(tc.body)})
		if status(err) != http.StatusBadRequest || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a 400 naming %q", tc.name, err, tc.want)
		}
	}
}

// TestTypedDataBudget checks that a message whose hashing would cost more
// than maxTypedFelts field elements is refused before the work is done.
func TestTypedDataBudget(t *testing.T) {
	items := strings.Repeat(`1,`, maxTypedFelts) + `1`
	body := `{"primaryType":"M","types":{"StarkNetDomain":[],"M":[{"name":"a","type":"felt*"}]},"domain":{},"message":{"a":[` + items + `]}}`
	_, err := snip12Hash(json.RawMessage(body), big.NewInt(1))
	if status(err) != 400 || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("got %v", err)
	}
}
