package httpapi_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/stark"
	"github.com/custos-dev/custos/internal/chain/starknet"
)

// TestStarknetWallet creates a wallet on StarknetSepolia through the API
// and signs an INVOKE, SNIP-12 typed data and a Hash with it
// (docs/protocol/networks-starknet.md); starknet.js's own checks are in
// test/networks/starknet.test.mjs.
func TestStarknetWallet(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "StarknetSepolia"})
	key := chain.Key{Scheme: w.SigningKey.Scheme, Curve: w.SigningKey.Curve, PublicKey: unhex(t, w.SigningKey.PublicKey)}
	want, err := starknet.Adapter{}.Address("StarknetSepolia", key)
	if err != nil || w.Address != want || w.SigningKey.Curve != "stark" || len(w.Address) != 66 {
		t.Fatalf("wallet %+v, want address %s (%v)", w, want, err)
	}
	verify := func(r sigReqJSON, h []byte) {
		t.Helper()
		if r.Signature == nil || !stark.Verify(key.PublicKey, h, unhex(t, r.Signature.R), unhex(t, r.Signature.S)) {
			t.Fatalf("signature %+v does not verify", r.Signature)
		}
	}

	tx := map[string]any{
		"type": "INVOKE", "version": "0x3", "sender_address": w.Address, "calldata": []string{"0x1", "0x2"},
		"nonce": "0x1", "tip": "0x0", "paymaster_data": []string{}, "account_deployment_data": []string{},
		"nonce_data_availability_mode": "L1", "fee_data_availability_mode": "L1",
		"resource_bounds": map[string]any{
			"l1_gas":      map[string]string{"max_amount": "0x0", "max_price_per_unit": "0x1"},
			"l2_gas":      map[string]string{"max_amount": "0x100", "max_price_per_unit": "0x2"},
			"l1_data_gas": map[string]string{"max_amount": "0x10", "max_price_per_unit": "0x3"},
		},
	}
	raw, _ := json.Marshal(tx)
	h, err := starknet.TransactionHash("StarknetSepolia", key, raw)
	if err != nil {
		t.Fatal(err)
	}
	verify(signWallet(t, sa, w, map[string]any{"kind": "Transaction", "transaction": tx}), h)

	b, err := os.ReadFile("../chain/starknet/testdata/starknetjs.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Rev1 struct {
			TD map[string]any `json:"td"`
		} `json:"rev1"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	body := fx.Rev1.TD
	body["kind"] = "Snip12"
	raw, _ = json.Marshal(body)
	if h, err = starknet.MessageHash(key, raw); err != nil {
		t.Fatal(err)
	}
	verify(signWallet(t, sa, w, body), h)

	h = unhex(t, "0x01"+strings.Repeat("ab", 31))
	verify(signWallet(t, sa, w, map[string]any{"kind": "Hash", "hash": "0x01" + strings.Repeat("ab", 31)}), h)

	for _, tc := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"kind": "Message", "message": "0x00"}, "Message"},
		{map[string]any{"kind": "Eip712", "types": map[string]any{}, "domain": map[string]any{}, "message": map[string]any{}}, "Eip712"},
		{map[string]any{"kind": "Transaction", "transaction": map[string]any{"type": "INVOKE", "version": "0x3"}}, "transaction.nonce"},
	} {
		err := sa.Do(bg, "POST", "/wallets/"+w.ID+"/signatures", tc.body, nil)
		expect(t, err, 400)
		if !strings.Contains(err.Error(), tc.want) || (tc.want != "transaction.nonce" && !strings.Contains(err.Error(), "StarknetSepolia")) {
			t.Errorf("%v: want a 400 naming %s and the network", err, tc.want)
		}
	}
	expect(t, sa.Do(bg, "POST", "/wallets", map[string]any{"network": "Starknet", "signingKey": map[string]any{"scheme": "EdDSA"}}, nil), 400)
}
