package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// Two approvers deciding at the same instant on two replicas: the request
// is decided once and signed once (docs/protocol/policies.md, docs/replicas.md).
func TestReplicaApproversRace(t *testing.T) {
	a := apitest.New(t, onPostgres(t))
	b := a.Replica(t)
	sa := a.SA(t)
	ops := []string{"Policies:Approvals:Read", "Policies:Approvals:Approve"}
	u1 := a.User(t, pemkey.Ed25519, ops...)
	u2 := on(b, a.User(t, pemkey.Ed25519, ops...))
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	createPolicy(t, sa, approvalPolicy([]string{w.ID}, group(1, u1.UserID, u2.UserID)))
	n := trials(t, 1000) / 20
	for i := range n {
		r := signMessage(t, sa, w.ID)
		if r.Status != "Pending" {
			t.Fatalf("trial %d: request %+v", i, r)
		}
		values := [2]string{"Approved", "Approved"}
		if i%2 == 1 {
			values[1] = "Denied" // one approves on A, the other denies on B
		}
		s1, s2 := race(
			func() error { _, err := decide(u1, r.ApprovalID, values[0]); return err },
			func() error { _, err := decide(u2, r.ApprovalID, values[1]); return err })
		if (s1 == 0) == (s2 == 0) || max(s1, s2) != http.StatusBadRequest {
			t.Fatalf("trial %d: decisions answered %d and %d, want one decision and one 400", i, s1, s2)
		}
		var got policySigJSON
		expect(t, sa.Do(bg, "GET", "/wallets/"+w.ID+"/signatures/"+r.ID, nil, &got), 0)
		won := values[0]
		if s1 != 0 {
			won = values[1]
		}
		switch {
		case won == "Approved" && (got.Status != "Signed" || got.Signature == nil):
			t.Fatalf("trial %d: approved request %+v", i, got)
		case won == "Denied" && (got.Status != "Rejected" || got.Signature != nil):
			t.Fatalf("trial %d: denied request %+v", i, got)
		}
	}
	var l listJSON[sigReqJSON]
	expect(t, sa.Do(bg, "GET", "/wallets/"+w.ID+"/signatures?limit=100", nil, &l), 0)
	if len(l.Items) != n {
		t.Fatalf("%d requests stored for %d trials", len(l.Items), n)
	}
	t.Logf("%d approval races across two replicas, each decided and carried out once", n)
}
