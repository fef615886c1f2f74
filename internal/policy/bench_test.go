package policy_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/custos-dev/custos/internal/policy"
)

// benchEvaluate measures what the policy seam adds to a signature request
// of wallet wa-1 when the org has n active policies whose filters select
// other wallets: the cached policy list and the filter loop, no database
// round trip and nothing to record.
func benchEvaluate(b *testing.B, n int) {
	e := newEngine(b)
	for i := range n {
		var body policy.Body
		_ = json.Unmarshal([]byte(fmt.Sprintf(`{"name":"p%d","activityKind":"Wallets:Sign","rule":{"kind":"AlwaysTrigger"},
			"action":{"kind":"Block"},"filters":{"walletId":{"in":["wa-other-%d"]}}}`, i, i)), &body)
		if _, err := e.s.CreatePolicy(bg, e.p, nil, &body); err != nil {
			b.Fatal(err)
		}
	}
	a := policy.Activity{Kind: policy.KindWalletsSign, Principal: e.p, WalletID: "wa-1", Network: "EthereumSepolia",
		RequestKind: "Hash", Body: json.RawMessage(`{"kind":"Hash"}`), RequestID: "sig-1"}
	if d, err := e.s.Evaluate(bg, a); err != nil || d.Outcome != policy.Allow || d.Commit != nil {
		b.Fatalf("%+v %v", d, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.s.Evaluate(bg, a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluateNoPolicies(b *testing.B)           { benchEvaluate(b, 0) }
func BenchmarkEvaluate100UnmatchedPolicies(b *testing.B) { benchEvaluate(b, 100) }
