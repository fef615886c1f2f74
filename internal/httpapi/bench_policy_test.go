package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
)

// BenchmarkSignatureFlowPolicies is BenchmarkSignatureFlowSecp256k1 on a
// wallet with 0 or 100 active Wallets:Sign policies whose filters select
// other wallets: the difference is what the policy engine adds to the
// signing hot path when nothing applies.
func BenchmarkSignatureFlowPolicies(b *testing.B) {
	for _, n := range []int{0, 100} {
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			env := apitest.New(b)
			sa := env.SA(b)
			var w struct{ ID string }
			if err := sa.Do(bg, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"}, &w); err != nil {
				b.Fatal(err)
			}
			for i := range n {
				if err := sa.Do(bg, "POST", "/v2/policies", map[string]any{"name": fmt.Sprint("p", i), "activityKind": "Wallets:Sign",
					"rule": map[string]any{"kind": "AlwaysTrigger"}, "action": map[string]any{"kind": "Block"},
					"filters": map[string]any{"walletId": map[string]any{"in": []string{fmt.Sprint("wa-other-", i)}}}}, nil); err != nil {
					b.Fatal(err)
				}
			}
			body := map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("ab", 32)}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var r struct{ Status string }
				if err := sa.Do(bg, "POST", "/wallets/"+w.ID+"/signatures", body, &r); err != nil || r.Status != "Signed" {
					b.Fatalf("status %q: %v", r.Status, err)
				}
			}
		})
	}
}
