package httpapi_test

import (
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// changeJSON is a permission, an assignment or a change request: a 202
// answer carries operationKind and approvalId.
type changeJSON struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	OperationKind string `json:"operationKind"`
	Status        string `json:"status"`
	EntityID      string `json:"entityId"`
	ApprovalID    string `json:"approvalId"`
}

func guard(kind string, action map[string]any, filter map[string]any) map[string]any {
	b := map[string]any{"name": "guard " + kind, "activityKind": kind, "rule": map[string]any{"kind": "AlwaysTrigger"}, "action": action}
	if filter != nil {
		b["filters"] = filter
	}
	return b
}

func TestPermissionChangeRequests(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	approver := env.User(t, pemkey.Ed25519, "Policies:Approvals:Read", "Policies:Approvals:Approve")
	other := env.User(t, pemkey.Ed25519)
	ask := map[string]any{"kind": "RequestApproval", "approvalGroups": []any{group(1, approver.UserID)}}

	var perm, spare changeJSON
	expect(t, sa.Do(bg, "POST", "/permissions", map[string]any{"name": "governed", "operations": []string{"Wallets:Read"}}, &perm), 0)
	expect(t, sa.Do(bg, "POST", "/permissions", map[string]any{"name": "spare", "operations": []string{"Wallets:Read"}}, &spare), 0)
	createPolicy(t, sa, guard("Permissions:Modify", ask, map[string]any{"permissionId": map[string]any{"in": []string{perm.ID}}}))

	// Permissions:Modify: the update waits (202) and is applied on approval.
	var cr changeJSON
	expect(t, sa.Do(bg, "PUT", "/permissions/"+perm.ID, map[string]any{"name": "renamed"}, &cr), 0)
	if cr.OperationKind != "Update" || cr.Kind != "Permission" || cr.Status != "Pending" || cr.EntityID != perm.ID || cr.ApprovalID == "" {
		t.Fatalf("change request %+v", cr)
	}
	var got struct {
		Name                 string
		PendingChangeRequest *changeJSON `json:"pendingChangeRequest"`
	}
	expect(t, sa.Do(bg, "GET", "/permissions/"+perm.ID, nil, &got), 0)
	if got.Name != "governed" || got.PendingChangeRequest == nil || got.PendingChangeRequest.ID != cr.ID {
		t.Fatalf("before approval: %+v", got)
	}
	// A second change while one is pending is refused.
	expect(t, sa.Do(bg, "PUT", "/permissions/"+perm.ID, map[string]any{"name": "again"}, nil), 409)
	if a, err := decide(approver, cr.ApprovalID, "Approved"); err != nil || a.Status != "Approved" {
		t.Fatalf("decision %+v %v", a, err)
	}
	got.PendingChangeRequest = nil
	expect(t, sa.Do(bg, "GET", "/permissions/"+perm.ID, nil, &got), 0)
	if got.Name != "renamed" || got.PendingChangeRequest != nil {
		t.Fatalf("after approval: %+v", got)
	}
	// The filter: another permission changes at once.
	var sp changeJSON
	expect(t, sa.Do(bg, "PUT", "/permissions/"+spare.ID, map[string]any{"name": "spare2"}, &sp), 0)
	if sp.Name != "spare2" || sp.OperationKind != "" {
		t.Fatalf("unfiltered permission: %+v", sp)
	}

	// Permissions:Assign: an assignment waits; denied, nothing is assigned.
	createPolicy(t, sa, guard("Permissions:Assign", ask, nil))
	expect(t, sa.Do(bg, "POST", "/permissions/"+spare.ID+"/assignments", map[string]any{"identityId": other.UserID}, &cr), 0)
	if cr.Kind != "Assignment" || cr.OperationKind != "Create" || cr.ApprovalID == "" {
		t.Fatalf("assignment change request %+v", cr)
	}
	if a, err := decide(approver, cr.ApprovalID, "Denied"); err != nil || a.Status != "Denied" {
		t.Fatalf("decision %+v %v", a, err)
	}
	var l listJSON[changeJSON]
	expect(t, sa.Do(bg, "GET", "/permissions/"+spare.ID+"/assignments", nil, &l), 0)
	if len(l.Items) != 0 {
		t.Fatalf("denied assignment exists: %+v", l.Items)
	}
	expect(t, sa.Do(bg, "POST", "/permissions/"+spare.ID+"/assignments", map[string]any{"identityId": other.UserID}, &cr), 0)
	if a, err := decide(approver, cr.ApprovalID, "Approved"); err != nil || a.Status != "Approved" {
		t.Fatalf("decision %+v %v", a, err)
	}
	expect(t, sa.Do(bg, "GET", "/permissions/"+spare.ID+"/assignments", nil, &l), 0)
	if len(l.Items) != 1 {
		t.Fatalf("approved assignment: %+v", l.Items)
	}

	// A revocation waits too, and shows on the assignment.
	expect(t, sa.Do(bg, "DELETE", "/permissions/"+spare.ID+"/assignments/"+l.Items[0].ID, map[string]any{}, &cr), 0)
	if cr.Kind != "Assignment" || cr.OperationKind != "Delete" || cr.EntityID != l.Items[0].ID {
		t.Fatalf("revocation change request %+v", cr)
	}
	var pl listJSON[struct {
		ID                   string      `json:"id"`
		PendingChangeRequest *changeJSON `json:"pendingChangeRequest"`
	}]
	expect(t, sa.Do(bg, "GET", "/permissions/"+spare.ID+"/assignments", nil, &pl), 0)
	if len(pl.Items) != 1 || pl.Items[0].PendingChangeRequest == nil || pl.Items[0].PendingChangeRequest.ID != cr.ID {
		t.Fatalf("assignment with a pending revocation: %+v", pl.Items)
	}
	if a, err := decide(approver, cr.ApprovalID, "Approved"); err != nil || a.Status != "Approved" {
		t.Fatalf("decision %+v %v", a, err)
	}
	expect(t, sa.Do(bg, "GET", "/permissions/"+spare.ID+"/assignments", nil, &l), 0)
	if len(l.Items) != 0 {
		t.Fatalf("revoked assignment still listed: %+v", l.Items)
	}

	// Block: the change is refused.
	var blocked changeJSON
	expect(t, sa.Do(bg, "POST", "/permissions", map[string]any{"name": "blocked", "operations": []string{"Wallets:Read"}}, &blocked), 0)
	createPolicy(t, sa, guard("Permissions:Modify", map[string]any{"kind": "Block"},
		map[string]any{"permissionId": map[string]any{"in": []string{blocked.ID}}}))
	expect(t, sa.Do(bg, "PUT", "/permissions/"+blocked.ID+"/archive", map[string]any{"isArchived": true}, nil), 403)
}
