package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

type approvalJSON struct {
	ID          string          `json:"id"`
	InitiatorID string          `json:"initiatorId"`
	Status      string          `json:"status"`
	Activity    json.RawMessage `json:"activity"`
	Evaluations []struct {
		PolicyID  string `json:"policyId"`
		Triggered bool   `json:"triggered"`
		Reason    string `json:"reason"`
	} `json:"policyEvaluations"`
	Decisions []struct {
		UserID string `json:"userId"`
		Value  string `json:"value"`
	} `json:"decisions"`
	DateResolved string `json:"dateResolved"`
}

type policySigJSON struct {
	sigReqJSON
	ApprovalID string `json:"approvalId"`
	Reason     string `json:"reason"`
}

// approvalPolicy is a Wallets:Sign policy asking groups for approval on
// the wallets listed.
func approvalPolicy(walletIDs []string, groups ...map[string]any) map[string]any {
	return map[string]any{
		"name": "approval", "activityKind": "Wallets:Sign",
		"rule":    map[string]any{"kind": "AlwaysTrigger"},
		"action":  map[string]any{"kind": "RequestApproval", "approvalGroups": groups},
		"filters": map[string]any{"walletId": map[string]any{"in": walletIDs}},
	}
}

func group(quorum int, users ...string) map[string]any {
	return map[string]any{"quorum": quorum, "approvers": map[string]any{"userId": map[string]any{"in": users}}}
}

func createPolicy(t *testing.T, id *apitest.Identity, body map[string]any) string {
	t.Helper()
	var p struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	expect(t, id.Do(bg, "POST", "/v2/policies", body, &p), 0)
	if p.Status != "Active" || p.ID == "" {
		t.Fatalf("policy %+v", p)
	}
	return p.ID
}

func signMessage(t *testing.T, id *apitest.Identity, walletID string) policySigJSON {
	t.Helper()
	var r policySigJSON
	expect(t, id.Do(bg, "POST", "/wallets/"+walletID+"/signatures", map[string]any{"kind": "Message", "message": "0x68656c6c6f"}, &r), 0)
	return r
}

func decide(id *apitest.Identity, approvalID, value string) (approvalJSON, error) {
	var a approvalJSON
	err := id.Do(bg, "POST", "/v2/policy-approvals/"+approvalID+"/decisions", map[string]any{"value": value}, &a)
	return a, err
}

func TestPolicyApprovalQuorumOne(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	approver := env.User(t, pemkey.Ed25519, "Policies:Approvals:Read", "Policies:Approvals:Approve")
	stranger := env.User(t, pemkey.P256, "Policies:Approvals:Read", "Policies:Approvals:Approve")
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	free := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	pid := createPolicy(t, sa, approvalPolicy([]string{w.ID}, group(1, approver.UserID)))

	// A wallet the filter does not select signs at once.
	if r := signMessage(t, sa, free.ID); r.Status != "Signed" || r.ApprovalID != "" {
		t.Fatalf("unfiltered wallet: %+v", r)
	}

	r := signMessage(t, sa, w.ID)
	if r.Status != "Pending" || r.ApprovalID == "" || r.Signature != nil {
		t.Fatalf("request %+v, want Pending with an approvalId", r)
	}
	var l listJSON[approvalJSON]
	expect(t, approver.Do(bg, "GET", "/v2/policy-approvals?status=Pending", nil, &l), 0)
	if len(l.Items) != 1 || l.Items[0].ID != r.ApprovalID || l.Items[0].InitiatorID != sa.UserID ||
		len(l.Items[0].Evaluations) != 1 || l.Items[0].Evaluations[0].PolicyID != pid || !l.Items[0].Evaluations[0].Triggered {
		t.Fatalf("pending approvals %+v", l.Items)
	}
	expect(t, approver.Do(bg, "GET", "/v2/policy-approvals?approverId="+approver.UserID, nil, &l), 0)
	if len(l.Items) != 1 {
		t.Fatalf("approverId filter: %d items", len(l.Items))
	}
	expect(t, approver.Do(bg, "GET", "/v2/policy-approvals?approverId="+stranger.UserID, nil, &l), 0)
	if len(l.Items) != 0 {
		t.Fatalf("approverId filter for a stranger: %d items", len(l.Items))
	}

	// Neither the initiator nor a user outside the group may approve.
	_, err := decide(sa, r.ApprovalID, "Approved")
	expect(t, err, 403)
	_, err = decide(stranger, r.ApprovalID, "Approved")
	expect(t, err, 403)
	_, err = decide(approver, r.ApprovalID, "Maybe")
	expect(t, err, 400)

	a, err := decide(approver, r.ApprovalID, "Approved")
	expect(t, err, 0)
	if a.Status != "Approved" || len(a.Decisions) != 1 || a.DateResolved == "" {
		t.Fatalf("approval %+v", a)
	}
	var got policySigJSON
	expect(t, sa.Do(bg, "GET", "/wallets/"+w.ID+"/signatures/"+r.ID, nil, &got), 0)
	if got.Status != "Signed" || got.Signature == nil {
		t.Fatalf("approved request %+v", got)
	}
	// A resolved approval takes no more decisions.
	_, err = decide(approver, r.ApprovalID, "Denied")
	expect(t, err, 400)

	// Denied: the request ends Rejected and is never signed.
	r2 := signMessage(t, sa, w.ID)
	a, err = decide(approver, r2.ApprovalID, "Denied")
	expect(t, err, 0)
	if a.Status != "Denied" {
		t.Fatalf("approval %+v", a)
	}
	got = policySigJSON{}
	expect(t, sa.Do(bg, "GET", "/wallets/"+w.ID+"/signatures/"+r2.ID, nil, &got), 0)
	if got.Status != "Rejected" || got.Signature != nil || got.Reason == "" {
		t.Fatalf("denied request %+v", got)
	}

	// externalId: the duplicate answers the original request, with no new
	// evaluation and no new approval.
	ext := map[string]any{"kind": "Message", "message": "0x0102", "externalId": "policy-ext-1"}
	var e1, e2 policySigJSON
	expect(t, sa.Do(bg, "POST", "/wallets/"+w.ID+"/signatures", ext, &e1), 0)
	expect(t, sa.Do(bg, "POST", "/wallets/"+w.ID+"/signatures", ext, &e2), 0)
	if e1.Status != "Pending" || e2.ID != e1.ID || e2.ApprovalID != e1.ApprovalID {
		t.Fatalf("externalId replay: %+v then %+v", e1, e2)
	}
	expect(t, approver.Do(bg, "GET", "/v2/policy-approvals?status=Pending", nil, &l), 0)
	if len(l.Items) != 1 || l.Items[0].ID != e1.ApprovalID {
		t.Fatalf("pending approvals after a replay: %+v", l.Items)
	}

	// Another organisation sees none of it.
	other := env.OtherOrg(t)
	expect(t, other.Do(bg, "GET", "/v2/policy-approvals/"+r.ApprovalID, nil, nil), 404)
	expect(t, other.Do(bg, "GET", "/v2/policies/"+pid, nil, nil), 404)
	_, err = decide(other, r2.ApprovalID, "Approved")
	expect(t, err, 404)
}

func TestPolicyQuorumAcrossGroups(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	ops := []string{"Policies:Approvals:Read", "Policies:Approvals:Approve"}
	u1, u2, u3 := env.User(t, pemkey.Ed25519, ops...), env.User(t, pemkey.Ed25519, ops...), env.User(t, pemkey.Ed25519, ops...)
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	// Group A needs 2 of u1, u2, u3; group B needs 1 of u3.
	createPolicy(t, sa, approvalPolicy([]string{w.ID}, group(2, u1.UserID, u2.UserID, u3.UserID), group(1, u3.UserID)))
	r := signMessage(t, sa, w.ID)

	a, err := decide(u1, r.ApprovalID, "Approved")
	expect(t, err, 0)
	if a.Status != "Pending" {
		t.Fatalf("after one approval: %s", a.Status)
	}
	_, err = decide(u1, r.ApprovalID, "Approved")
	expect(t, err, 400) // one decision per user
	a, err = decide(u2, r.ApprovalID, "Approved")
	expect(t, err, 0)
	if a.Status != "Pending" { // group A has its quorum, group B not yet
		t.Fatalf("after u1, u2: %s", a.Status)
	}
	a, err = decide(u3, r.ApprovalID, "Approved")
	expect(t, err, 0)
	if a.Status != "Approved" {
		t.Fatalf("after u3: %s", a.Status)
	}
	var got policySigJSON
	expect(t, sa.Do(bg, "GET", "/wallets/"+w.ID+"/signatures/"+r.ID, nil, &got), 0)
	if got.Status != "Signed" {
		t.Fatalf("request %+v", got)
	}

	// u3 counts for both groups: u1 + u3 approve it.
	r = signMessage(t, sa, w.ID)
	if a, _ = decide(u3, r.ApprovalID, "Approved"); a.Status != "Pending" {
		t.Fatalf("after u3 alone: %s", a.Status)
	}
	if a, _ = decide(u1, r.ApprovalID, "Approved"); a.Status != "Approved" {
		t.Fatalf("after u3 and u1: %s", a.Status)
	}

	// One Denied rejects, whatever the approvals so far.
	r = signMessage(t, sa, w.ID)
	if a, _ = decide(u1, r.ApprovalID, "Approved"); a.Status != "Pending" {
		t.Fatal(a.Status)
	}
	if a, _ = decide(u2, r.ApprovalID, "Denied"); a.Status != "Denied" {
		t.Fatalf("after a denial: %s", a.Status)
	}
}

func TestPolicyInitiatorAndServiceAccounts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	ops := []string{"Policies:Approvals:Read", "Policies:Approvals:Approve", "Wallets:Read", "Keys:Signatures:Create"}
	u := env.User(t, pemkey.Ed25519, ops...)
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	// Any user of the org may approve (no userId), the initiator only
	// with initiatorCanApprove, service accounts only with
	// serviceAccountsCanApprove.
	anyone := map[string]any{"quorum": 1, "approvers": map[string]any{}}
	createPolicy(t, sa, approvalPolicy([]string{w.ID}, anyone))

	// The service account initiated: it may deny (withdraw) but not approve.
	r := signMessage(t, sa, w.ID)
	_, err := decide(sa, r.ApprovalID, "Approved")
	expect(t, err, 403)
	a, err := decide(sa, r.ApprovalID, "Denied")
	expect(t, err, 0)
	if a.Status != "Denied" {
		t.Fatal(a.Status)
	}
	// A user initiated: the service account may not approve (not
	// allowed to service accounts), the user neither (initiator).
	r = signMessage(t, u, w.ID)
	_, err = decide(sa, r.ApprovalID, "Approved")
	expect(t, err, 403)
	_, err = decide(u, r.ApprovalID, "Approved")
	expect(t, err, 403)

	yes := true
	w2 := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	createPolicy(t, sa, approvalPolicy([]string{w2.ID}, map[string]any{"quorum": 1, "approvers": map[string]any{},
		"initiatorCanApprove": yes, "serviceAccountsCanApprove": yes}))
	r = signMessage(t, u, w2.ID)
	if a, err = decide(u, r.ApprovalID, "Approved"); err != nil || a.Status != "Approved" {
		t.Fatalf("initiator with initiatorCanApprove: %+v %v", a, err)
	}
	r = signMessage(t, u, w2.ID)
	if a, err = decide(sa, r.ApprovalID, "Approved"); err != nil || a.Status != "Approved" {
		t.Fatalf("service account with serviceAccountsCanApprove: %+v %v", a, err)
	}
}

func TestPolicyBlockAndValidation(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	pid := createPolicy(t, sa, map[string]any{"name": "block", "activityKind": "Wallets:Sign",
		"rule": map[string]any{"kind": "AlwaysTrigger"}, "action": map[string]any{"kind": "Block"},
		"filters": map[string]any{"walletId": map[string]any{"in": []string{w.ID}}}})
	r := signMessage(t, sa, w.ID)
	if r.Status != "Rejected" || r.Signature != nil || r.Reason == "" {
		t.Fatalf("blocked request %+v", r)
	}
	// Archived, the policy no longer applies.
	var p struct{ Status string }
	expect(t, sa.Do(bg, "DELETE", "/v2/policies/"+pid, map[string]any{}, &p), 0)
	if p.Status != "Archived" {
		t.Fatalf("archive: %+v", p)
	}
	if r := signMessage(t, sa, w.ID); r.Status != "Signed" {
		t.Fatalf("after archive: %+v", r)
	}
	var l listJSON[struct{ ID, Status string }]
	expect(t, sa.Do(bg, "GET", "/v2/policies?status=Archived", nil, &l), 0)
	if len(l.Items) != 1 || l.Items[0].ID != pid {
		t.Fatalf("archived list %+v", l.Items)
	}

	block := map[string]any{"kind": "Block"}
	always := map[string]any{"kind": "AlwaysTrigger"}
	for name, body := range map[string]map[string]any{
		"Policies:Modify with Block":  {"name": "x", "activityKind": "Policies:Modify", "rule": always, "action": block},
		"walletId filter on policies": {"name": "x", "activityKind": "Policies:Modify", "rule": always, "action": map[string]any{"kind": "RequestApproval", "approvalGroups": []any{group(1, "us-1")}}, "filters": map[string]any{"walletId": map[string]any{"in": []string{"wa-1"}}}},
		"registry":                    {"name": "x", "activityKind": "Registry:Addresses:Modify", "rule": always, "action": block},
		"chainalysis":                 {"name": "x", "activityKind": "Wallets:Sign", "rule": map[string]any{"kind": "ChainalysisTransactionPrescreening", "configuration": map[string]any{}}, "action": block},
		"unknown kind":                {"name": "x", "activityKind": "Wallets:Fly", "rule": always, "action": block},
		"no name":                     {"activityKind": "Wallets:Sign", "rule": always, "action": block},
		"quorum 0":                    {"name": "x", "activityKind": "Wallets:Sign", "rule": always, "action": map[string]any{"kind": "RequestApproval", "approvalGroups": []any{group(0, "us-1")}}},
		"quorum over approvers":       {"name": "x", "activityKind": "Wallets:Sign", "rule": always, "action": map[string]any{"kind": "RequestApproval", "approvalGroups": []any{group(2, "us-1")}}},
		"no groups":                   {"name": "x", "activityKind": "Wallets:Sign", "rule": always, "action": map[string]any{"kind": "RequestApproval", "approvalGroups": []any{}}},
		"limit without currency":      {"name": "x", "activityKind": "Wallets:Sign", "rule": map[string]any{"kind": "TransactionAmountLimit", "configuration": map[string]any{"limit": 5}}, "action": block},
		"timeframe out of range":      {"name": "x", "activityKind": "Wallets:Sign", "rule": map[string]any{"kind": "TransactionCountVelocity", "configuration": map[string]any{"limit": 5, "timeframe": 50000}}, "action": block},
		"unknown rule field":          {"name": "x", "activityKind": "Wallets:Sign", "rule": map[string]any{"kind": "AlwaysTrigger", "extra": 1}, "action": block},
	} {
		expect(t, sa.Do(bg, "POST", "/v2/policies", body, nil), 400)
		_ = name
	}
}
