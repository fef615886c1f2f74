package policy_test

import (
	"context"
	"testing"

	"github.com/custos-dev/custos/internal/policy"
)

// ByPrefix hands each call to the runner of the target id's prefix, and
// refuses a target no route names; Resume reaches every runner.
func TestByPrefixRoutes(t *testing.T) {
	sig, evm := newCounter(), newCounter()
	r := policy.ByPrefix(policy.Route{Prefixes: []string{"sig"}, Runner: sig},
		policy.Route{Prefixes: []string{"xfr", "tx"}, Runner: evm})
	ctx := context.Background()
	for _, id := range []string{"sig-1", "xfr-1", "tx-1"} {
		if err := r.Approved(ctx, "or-1", id); err != nil {
			t.Fatal(err)
		}
		if err := r.Execute(ctx, "or-1", id); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Rejected(ctx, "or-1", "tx-2", "no"); err != nil {
		t.Fatal(err)
	}
	if sig.approved["sig-1"] != 1 || sig.executed["sig-1"] != 1 || len(sig.approved) != 1 ||
		evm.approved["xfr-1"] != 1 || evm.approved["tx-1"] != 1 || evm.executed["tx-1"] != 1 || evm.rejected["tx-2"] != 1 ||
		len(evm.approved) != 2 {
		t.Fatalf("signature runner %+v, evm runner %+v", sig, evm)
	}
	for _, id := range []string{"cr-1", "txx-1", "sig", ""} {
		if err := r.Approved(ctx, "or-1", id); err == nil {
			t.Errorf("target %q routed", id)
		}
	}
	if err := r.Resume(ctx); err != nil {
		t.Fatal(err)
	}
}
