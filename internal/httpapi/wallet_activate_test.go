package httpapi_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// TestInactiveWallets: wallets on the networks whose accounts the chain
// creates start Inactive without an address, sign with their key, and
// POST /wallets/{walletId}/activate checks its body and answers a 400
// naming what the activation needs (docs/protocol/networks-hedera-concordium.md,
// networks-canton.md).
func TestInactiveWallets(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	create := func(network string) map[string]any {
		t.Helper()
		var raw json.RawMessage
		if err := sa.Do(bg, "POST", "/wallets", map[string]any{"network": network}, &raw); err != nil {
			t.Fatalf("%s: %v", network, err)
		}
		var w map[string]any
		_ = json.Unmarshal(raw, &w)
		if w["status"] != "Inactive" || bytes.Contains(raw, []byte(`"address"`)) {
			t.Fatalf("%s: want Inactive without address: %s", network, raw)
		}
		return w
	}
	says := func(err error, want int, words string) {
		t.Helper()
		expect(t, err, want)
		var e *client.Error
		if words != "" && (!errors.As(err, &e) || !strings.Contains(e.Body.Error.Message, words)) {
			t.Fatalf("error %v does not say %q", err, words)
		}
	}

	conc := create("ConcordiumTestnet")
	id := conc["id"].(string)
	var got map[string]any
	if err := sa.Do(bg, "GET", "/wallets/"+id, nil, &got); err != nil || got["status"] != "Inactive" {
		t.Fatalf("get: %v %v", got, err)
	}
	// The key signs while the wallet waits.
	if err := sa.Do(bg, "POST", "/wallets/"+id+"/signatures", map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("ab", 32)}, nil); err != nil {
		t.Fatalf("sign: %v", err)
	}
	pub := conc["signingKey"].(map[string]any)["publicKey"].(string)
	cdi := func(key string) string {
		b, _ := json.Marshal(map[string]any{
			"credId":               strings.Repeat("aa", 48),
			"credentialPublicKeys": map[string]any{"threshold": 1, "keys": map[string]any{"0": map[string]any{"schemeId": "Ed25519", "verifyKey": key}}},
		})
		return string(b)
	}
	future := time.Now().Add(time.Hour).Unix()
	act := "/wallets/" + id + "/activate"
	says(sa.Do(bg, "POST", act, map[string]any{}, nil), 400, "expiry and unsignedCdiStr are required")
	says(sa.Do(bg, "POST", act, map[string]any{"expiry": future, "unsignedCdiStr": "{"}, nil), 400, "unsignedCdiStr")
	says(sa.Do(bg, "POST", act, map[string]any{"expiry": 1, "unsignedCdiStr": cdi(pub)}, nil), 400, "expiry 1 has passed")
	says(sa.Do(bg, "POST", act, map[string]any{"expiry": future, "unsignedCdiStr": cdi(strings.Repeat("11", 32))}, nil), 400, "does not hold this wallet's key")
	// The account the credential would create, as @concordium/web-sdk's
	// getAccountAddress computes it for credId aa×48.
	says(sa.Do(bg, "POST", act, map[string]any{"expiry": future, "unsignedCdiStr": cdi(pub)}, nil), 400, "account 4dFTxRqwdVtyhtge8zAbWDWRAKqkeeYmjCKBdTd2YjCW7kmx2N")
	if err := sa.Do(bg, "GET", "/wallets/"+id, nil, &got); err != nil || got["status"] != "Inactive" {
		t.Fatalf("after activate: %v %v", got, err)
	}

	canton := create("CantonDevnet")
	cpub, _ := hex.DecodeString(canton["signingKey"].(map[string]any)["publicKey"].(string))
	if len(cpub) != 32 {
		t.Fatalf("canton key %v", canton["signingKey"])
	}
	cact := "/wallets/" + canton["id"].(string) + "/activate"
	says(sa.Do(bg, "POST", cact, map[string]any{}, nil), 400, "validatorId is required")
	says(sa.Do(bg, "POST", cact, map[string]any{"validatorId": "cv-1"}, nil), 400, "manages no Canton validators")

	var eth map[string]any
	if err := sa.Do(bg, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"}, &eth); err != nil {
		t.Fatal(err)
	}
	says(sa.Do(bg, "POST", "/wallets/"+eth["id"].(string)+"/activate", map[string]any{}, nil), 400, "only Inactive wallets are activated")
	says(sa.Do(bg, "POST", "/wallets/wa-aaaaa-bbbbb-cccccccccccccccc/activate", map[string]any{}, nil), 404, "")
	reader := env.User(t, pemkey.Ed25519, "Wallets:Read")
	says(reader.Do(bg, "POST", act, map[string]any{}, nil), 403, "")
	says(env.OtherOrg(t).Do(bg, "POST", act, map[string]any{}, nil), 404, "")
}
