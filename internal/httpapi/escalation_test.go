package httpapi_test

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/permission"
	"github.com/custos-dev/custos/internal/principal"
)

// Issue 7, findings 2 and 3: no identity ever gets more than its creator
// holds (docs/security.md, "Grants and escalation").

var walletBody = map[string]any{"network": "EthereumSepolia"}

// newPerm makes (as the admin service account) a permission holding ops.
func newPerm(t *testing.T, env *apitest.Env, ops ...string) string {
	t.Helper()
	var p struct {
		ID string `json:"id"`
	}
	if err := env.SA(t).Do(ctx, "POST", "/permissions", map[string]any{"name": "p-" + strconv.FormatInt(tokenSeq.Add(1), 10), "operations": ops}, &p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// managedPerm returns the id of the managed permission named name.
func managedPerm(t *testing.T, env *apitest.Env, name string) string {
	t.Helper()
	var l struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := env.SA(t).Do(ctx, "GET", "/permissions?limit=100", nil, &l); err != nil {
		t.Fatal(err)
	}
	for _, p := range l.Items {
		if p.Name == name {
			return p.ID
		}
	}
	t.Fatalf("no permission %s", name)
	return ""
}

// token is a PAT or service account made through the API, with its
// principal for permission.Service.Effective.
type token struct {
	*apitest.Identity
	ID string // token id
	P  principal.Principal
}

func tokenBody(k *pemkey.PrivateKey, name, permID string) map[string]any {
	b := map[string]any{"name": name, "publicKey": k.Public().MarshalPEM()}
	if permID != "" {
		b["permissionId"] = permID
	}
	return b
}

var tokenSeq atomic.Int64

// createPat makes a PAT as by (a user's login session or one of its PATs),
// narrowed by permID unless it is "".
func createPat(t *testing.T, env *apitest.Env, by *apitest.Identity, permID string) (*token, error) {
	t.Helper()
	k, err := pemkey.Generate(pemkey.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		TokenID      string `json:"tokenId"`
		AccessToken  string `json:"accessToken"`
		CredID       string `json:"credId"`
		LinkedUserID string `json:"linkedUserId"`
	}
	if err := by.Do(ctx, "POST", "/auth/pats", tokenBody(k, "pat-"+strconv.FormatInt(tokenSeq.Add(1), 10), permID), &v); err != nil {
		return nil, err
	}
	s := &client.KeySigner{CredID: v.CredID, Key: k}
	c := client.New(env.URL, v.AccessToken, s)
	c.HTTP = env.HTTP
	return &token{
		Identity: &apitest.Identity{Client: c, UserID: v.LinkedUserID, OrgID: env.Admin.OrgID, Key: k, Signer: s},
		ID:       v.TokenID,
		P:        principal.Principal{OrgID: env.Admin.OrgID, UserID: v.LinkedUserID, TokenKind: principal.KindPat, TokenID: v.TokenID},
	}, nil
}

// createSA makes a service account as by, with permID unless it is "".
func createSA(t *testing.T, env *apitest.Env, by *apitest.Identity, permID string) (*token, error) {
	t.Helper()
	k, err := pemkey.Generate(pemkey.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		UserInfo struct {
			UserID string `json:"userId"`
		} `json:"userInfo"`
		AccessTokens []struct {
			TokenID     string `json:"tokenId"`
			AccessToken string `json:"accessToken"`
			CredID      string `json:"credId"`
		} `json:"accessTokens"`
	}
	if err := by.Do(ctx, "POST", "/auth/service-accounts", tokenBody(k, "sa-"+strconv.FormatInt(tokenSeq.Add(1), 10), permID), &v); err != nil {
		return nil, err
	}
	tv := v.AccessTokens[0]
	s := &client.KeySigner{CredID: tv.CredID, Key: k}
	c := client.New(env.URL, tv.AccessToken, s)
	c.HTTP = env.HTTP
	return &token{
		Identity: &apitest.Identity{Client: c, UserID: v.UserInfo.UserID, OrgID: env.Admin.OrgID, Key: k, Signer: s},
		ID:       tv.TokenID,
		P: principal.Principal{OrgID: env.Admin.OrgID, UserID: v.UserInfo.UserID, TokenKind: principal.KindServiceAccount,
			TokenID: tv.TokenID, IsServiceAccount: true},
	}, nil
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func assign(id *apitest.Identity, permID, identityID string) error {
	return id.Do(ctx, "POST", "/permissions/"+permID+"/assignments", map[string]any{"identityId": identityID}, nil)
}

func effective(t *testing.T, env *apitest.Env, p *principal.Principal) permission.Ops {
	t.Helper()
	ops, err := env.App.Perms.Effective(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

// Finding 2: a PAT narrowed to Auth:ServiceAccounts:Create mints a service
// account that may do no more than the PAT.
func TestNarrowedPatServiceAccountInheritsOnlyThePat(t *testing.T) {
	env := apitest.New(t)
	root := env.Root(t)
	pat := must[*token](t)(createPat(t, env, root, newPerm(t, env, "Auth:ServiceAccounts:Create")))
	wantStatus(t, pat.Do(ctx, "POST", "/wallets", walletBody, nil), http.StatusForbidden)
	sa := must[*token](t)(createSA(t, env, pat.Identity, ""))
	wantStatus(t, sa.Do(ctx, "POST", "/wallets", walletBody, nil), http.StatusForbidden)
	if !effective(t, env, &sa.P).Within(effective(t, env, &pat.P)) {
		t.Fatalf("service account %v exceeds the PAT %v", effective(t, env, &sa.P).List(), effective(t, env, &pat.P).List())
	}
	// What the PAT holds it passes on (Dfns: the same permissions as the caller).
	if err := sa.Do(ctx, "POST", "/auth/service-accounts", tokenBody(mustKey(t), "next", ""), nil); err != nil {
		t.Fatalf("the copy keeps Auth:ServiceAccounts:Create: %v", err)
	}
	// A login user's service account still gets the user's grants.
	full := must[*token](t)(createSA(t, env, root, ""))
	if err := full.Do(ctx, "POST", "/wallets", walletBody, nil); err != nil {
		t.Fatalf("root's service account: %v", err)
	}
}

func mustKey(t *testing.T) *pemkey.PrivateKey {
	k, err := pemkey.Generate(pemkey.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Finding 3: granting needs Permissions:Assign and every operation granted.
func TestCreationWithPermissionNeedsTheRightToGrantIt(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	fullID := managedPerm(t, env, permission.FullAdmin)
	creator := must[*token](t)(createSA(t, env, sa, newPerm(t, env, "Auth:ServiceAccounts:Create")))
	_, err := createSA(t, env, creator.Identity, fullID)
	wantStatus(t, err, http.StatusForbidden)
	// Holding the operations is not enough without Permissions:Assign.
	_, err = createSA(t, env, creator.Identity, newPerm(t, env, "Auth:ServiceAccounts:Create"))
	wantStatus(t, err, http.StatusForbidden)
	// Permissions:Assign is not enough for full access nor for operations not held.
	assigner := must[*token](t)(createSA(t, env, sa, newPerm(t, env, "Auth:ServiceAccounts:Create", "Permissions:Assign", "Wallets:Read")))
	_, err = createSA(t, env, assigner.Identity, fullID)
	wantStatus(t, err, http.StatusForbidden)
	_, err = createSA(t, env, assigner.Identity, newPerm(t, env, "Wallets:Create"))
	wantStatus(t, err, http.StatusForbidden)
	// Nothing was created by the refused requests.
	var l struct {
		Items []any `json:"items"`
	}
	if err := sa.Do(ctx, "GET", "/auth/service-accounts", nil, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 3 {
		t.Fatalf("%d service accounts, want 3 (admin, creator, assigner)", len(l.Items))
	}
	// Within what it holds, it may grant.
	ok := must[*token](t)(createSA(t, env, assigner.Identity, newPerm(t, env, "Wallets:Read")))
	wantStatus(t, ok.Do(ctx, "GET", "/wallets", nil, nil), 0)
}

// Finding 3: a PAT narrowed to Auth:Pats:Create cannot mint an unrestricted PAT.
func TestNarrowedPatCannotMintAWiderPat(t *testing.T) {
	env := apitest.New(t)
	root := env.Root(t)
	pat := must[*token](t)(createPat(t, env, root, newPerm(t, env, "Auth:Pats:Create")))
	child := must[*token](t)(createPat(t, env, pat.Identity, ""))
	wantStatus(t, child.Do(ctx, "POST", "/wallets", walletBody, nil), http.StatusForbidden)
	if !effective(t, env, &child.P).Within(effective(t, env, &pat.P)) {
		t.Fatalf("child PAT %v exceeds its creator %v", effective(t, env, &child.P).List(), effective(t, env, &pat.P).List())
	}
	_, err := createPat(t, env, pat.Identity, managedPerm(t, env, permission.FullAdmin))
	wantStatus(t, err, http.StatusForbidden)
	_, err = createPat(t, env, pat.Identity, newPerm(t, env, "Wallets:Create"))
	wantStatus(t, err, http.StatusForbidden)
	// The owner's login session still makes PATs that mirror it.
	mirror := must[*token](t)(createPat(t, env, root, ""))
	wantStatus(t, mirror.Do(ctx, "POST", "/wallets", walletBody, nil), 0)
}

// Finding 3: Permissions:Assign alone grants nothing, to others or to itself.
func TestAssignNeedsTheOperationsGranted(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	fullID := managedPerm(t, env, permission.FullAdmin)
	self := env.User(t, pemkey.Ed25519, "Permissions:Assign", "Permissions:Create")
	wantStatus(t, assign(self, fullID, self.UserID), http.StatusForbidden)
	var p struct {
		ID string `json:"id"`
	}
	// Creating a permission with operations it lacks is fine; assigning it is not.
	if err := self.Do(ctx, "POST", "/permissions", map[string]any{"name": "mine", "operations": []string{"Wallets:Create"}}, &p); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, assign(self, p.ID, self.UserID), http.StatusForbidden)
	other := env.User(t, pemkey.Ed25519)
	wantStatus(t, assign(self, p.ID, other.UserID), http.StatusForbidden)
	wantStatus(t, self.Do(ctx, "POST", "/wallets", walletBody, nil), http.StatusForbidden)

	// Positive: Permissions:Assign + X grants any subset of X; the full admin grants anything.
	granter := env.User(t, pemkey.Ed25519, "Permissions:Assign", "Wallets:Read", "Wallets:Create")
	if err := assign(granter, newPerm(t, env, "Wallets:Read"), other.UserID); err != nil {
		t.Fatalf("subset: %v", err)
	}
	if err := assign(granter, newPerm(t, env, "Wallets:Create", "Wallets:Read"), other.UserID); err != nil {
		t.Fatalf("all of it: %v", err)
	}
	wantStatus(t, assign(granter, newPerm(t, env, "Wallets:Create", "Keys:Read"), other.UserID), http.StatusForbidden)
	if err := assign(sa, fullID, other.UserID); err != nil {
		t.Fatalf("full admin: %v", err)
	}
	wantStatus(t, other.Do(ctx, "POST", "/wallets", walletBody, nil), 0)
}

// Changing or restoring an assigned permission grants its operations.
func TestUpdateAndRestoreNeedTheOperations(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	upd := env.User(t, pemkey.Ed25519, "Permissions:Update", "Permissions:Archive", "Wallets:Read")
	pid := newPerm(t, env, "Wallets:Read")
	if err := assign(sa, pid, upd.UserID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, upd.Do(ctx, "PUT", "/permissions/"+pid, map[string]any{"operations": []string{"Wallets:Read", "Wallets:Create"}}, nil), http.StatusForbidden)
	wantStatus(t, upd.Do(ctx, "POST", "/wallets", walletBody, nil), http.StatusForbidden)
	wantStatus(t, upd.Do(ctx, "PUT", "/permissions/"+pid, map[string]any{"name": "renamed", "operations": []string{"Wallets:Read"}}, nil), 0)

	// Restoring an archived permission gives its operations back.
	wide := newPerm(t, env, "Wallets:Create")
	if err := assign(sa, wide, upd.UserID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, sa.Do(ctx, "PUT", "/permissions/"+wide+"/archive", map[string]any{"isArchived": true}, nil), 0)
	wantStatus(t, upd.Do(ctx, "PUT", "/permissions/"+wide+"/archive", map[string]any{"isArchived": false}, nil), http.StatusForbidden)
	wantStatus(t, upd.Do(ctx, "POST", "/wallets", walletBody, nil), http.StatusForbidden)
	wantStatus(t, sa.Do(ctx, "PUT", "/permissions/"+wide+"/archive", map[string]any{"isArchived": false}, nil), 0)
}

// A narrowed PAT that drops its own narrowing would mirror its owner.
func TestPatCannotLiftItsOwnNarrowing(t *testing.T) {
	env := apitest.New(t)
	root := env.Root(t)
	pid := newPerm(t, env, "Permissions:Revoke", "Permissions:Archive", "Permissions:Assignments:Read")
	pat := must[*token](t)(createPat(t, env, root, pid))
	var l struct {
		Items []struct {
			ID         string `json:"id"`
			IdentityID string `json:"identityId"`
		} `json:"items"`
	}
	if err := pat.Do(ctx, "GET", "/permissions/"+pid+"/assignments", nil, &l); err != nil || len(l.Items) != 1 || l.Items[0].IdentityID != pat.ID {
		t.Fatalf("assignments %+v: %v", l, err)
	}
	wantStatus(t, pat.Do(ctx, "DELETE", "/permissions/"+pid+"/assignments/"+l.Items[0].ID, nil, nil), http.StatusForbidden)
	wantStatus(t, pat.Do(ctx, "PUT", "/permissions/"+pid+"/archive", map[string]any{"isArchived": true}, nil), http.StatusForbidden)
	wantStatus(t, pat.Do(ctx, "POST", "/wallets", walletBody, nil), http.StatusForbidden)
	// The owner (who holds everything the PAT would get) may.
	wantStatus(t, root.Do(ctx, "DELETE", "/permissions/"+pid+"/assignments/"+l.Items[0].ID, nil, nil), 0)
	wantStatus(t, pat.Do(ctx, "POST", "/wallets", walletBody, nil), 0)
}
