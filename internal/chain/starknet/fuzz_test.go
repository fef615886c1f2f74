package starknet

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/custos-dev/custos/internal/chain"
)

// FuzzSign feeds arbitrary Transaction and Snip12 bodies to the adapter:
// it must never panic, and every refusal must be a 400 (bad input is never
// a 500).
func FuzzSign(f *testing.F) {
	b, err := os.ReadFile("testdata/starknetjs.json")
	if err != nil {
		f.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		f.Fatal(err)
	}
	f.Add(true, []byte(`{"transaction":`+string(fx.Invoke.Tx)+`}`))
	f.Add(true, []byte(`{"transaction":`+string(fx.Deploy.Tx)+`}`))
	f.Add(false, []byte(fx.Rev1.TD))
	f.Add(false, []byte(fx.Rev0.TD))
	f.Add(false, []byte(fx.Rev1None.TD))
	key, s := testKey(f)
	f.Fuzz(func(t *testing.T, tx bool, body []byte) {
		kind := KindSnip12
		if tx {
			kind = KindTransaction
		}
		res, err := Adapter{}.Sign(context.Background(), NetworkStarknet, key, s, chain.Request{Kind: kind, Body: body})
		if err != nil {
			if status(err) != 400 {
				t.Fatalf("%s %q: not a 400: %v", kind, body, err)
			}
			return
		}
		if res.Signature == nil || len(res.Signature.R) != 66 || len(res.Signature.S) != 66 {
			t.Fatalf("malformed result %+v", res)
		}
	})
}
