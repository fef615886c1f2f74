package all

import (
	"slices"
	"testing"

	"github.com/custos-dev/custos/internal/chain"
)

func TestRegistry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		network, scheme string
	}{
		{"Ethereum", chain.SchemeECDSA}, {"Bitcoin", chain.SchemeECDSA}, {"Litecoin", chain.SchemeECDSA},
		{"Solana", chain.SchemeEdDSA}, {"KeyECDSA", chain.SchemeECDSA}, {"KeyEdDSA", chain.SchemeEdDSA},
	} {
		a, ok := For(tc.network)
		if !ok || a == nil {
			t.Fatalf("%s: no adapter", tc.network)
		}
		scheme, _, _ := DefaultKey(tc.network)
		if scheme != tc.scheme {
			t.Errorf("%s: default scheme %s, want %s", tc.network, scheme, tc.scheme)
		}
	}
	for _, n := range []string{"Nope", "TronShasta", ""} {
		if _, ok := For(n); ok {
			t.Errorf("%s is served", n)
		}
	}
	if !Known("Tron") || !Known("KeyECDSAStark") || Known("Nope") {
		t.Error("Known is wrong")
	}
	for _, n := range Networks() {
		if !Known(n) && !slices.Contains(Extensions, n) {
			t.Errorf("served network %s is not a Dfns network name", n)
		}
	}
}
