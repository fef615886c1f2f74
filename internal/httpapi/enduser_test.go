package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// endUserResult is the answer of POST /auth/registration/enduser.
type endUserResult struct {
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Authentication struct {
		Token string `json:"token"`
	} `json:"authentication"`
	Wallets []struct {
		ID         string `json:"id"`
		Network    string `json:"network"`
		Address    string `json:"address"`
		Name       string `json:"name"`
		Custodial  bool   `json:"custodial"`
		SigningKey struct {
			ID          string `json:"id"`
			DelegatedTo string `json:"delegatedTo"`
		} `json:"signingKey"`
	} `json:"wallets"`
}

// endUser is a registered end user: its passkey and its client (its login
// token from the registration, signing with the passkey).
type endUser struct {
	ID  string
	PK  *client.Passkey
	API *client.Client
	Reg endUserResult
}

// delegatedChallenge starts the delegated registration of email as the
// service account does.
func (e *regEnv) delegatedChallenge(t *testing.T, email string) *client.RegistrationChallenge {
	t.Helper()
	var ch client.RegistrationChallenge
	if err := e.SA(t).Do(context.Background(), "POST", "/auth/registration/delegated", map[string]any{"email": email, "kind": "EndUser"}, &ch); err != nil {
		t.Fatalf("delegated registration: %v", err)
	}
	return &ch
}

// registerEndUser registers email as an end user with a passkey and the
// wallets of nets.
func (e *regEnv) registerEndUser(t *testing.T, email string, nets ...string) *endUser {
	t.Helper()
	ch := e.delegatedChallenge(t, email)
	pk := client.NewPasskey(testOrigin)
	ws := []map[string]any{}
	for _, n := range nets {
		ws = append(ws, map[string]any{"network": n, "name": "w-" + n})
	}
	var out endUserResult
	err := client.New(e.URL, ch.TemporaryAuthenticationToken, nil).Do(context.Background(), "POST", "/auth/registration/enduser",
		map[string]any{"firstFactorCredential": fido2Attestation(t, pk, ch), "wallets": ws}, &out)
	if err != nil {
		t.Fatalf("register end user: %v", err)
	}
	api := client.New(e.URL, out.Authentication.Token, pk)
	api.HTTP = e.HTTP
	return &endUser{ID: out.User.ID, PK: pk, API: api, Reg: out}
}

// TestEndUserWallets: an end user registered with wallets owns them: the
// registration answers a login token and wallets delegated to the end user,
// who alone signs with them; other end users cannot see them, and the
// service account and the root user can read them but not sign.
func TestEndUserWallets(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	sa, root := e.SA(t), e.Root(t)
	alice := e.registerEndUser(t, "alice.end@example.com", "EthereumSepolia", "Solana")
	bob := e.registerEndUser(t, "bob.end@example.com", "EthereumSepolia")

	if len(alice.Reg.Wallets) != 2 || alice.Reg.Authentication.Token == "" {
		t.Fatalf("registration: %+v", alice.Reg)
	}
	for _, w := range alice.Reg.Wallets {
		if w.Custodial || w.SigningKey.DelegatedTo != alice.ID || w.Address == "" || w.Name != "w-"+w.Network {
			t.Fatalf("wallet %+v, want one delegated to %s", w, alice.ID)
		}
	}
	aw := alice.Reg.Wallets[0]
	hash := map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("ab", 32)}
	sigPath := "/wallets/" + aw.ID + "/signatures"

	t.Run("the end user gets DfnsDefaultEndUserAccess", func(t *testing.T) {
		var u struct {
			PermissionAssignments []struct {
				PermissionName string `json:"permissionName"`
			} `json:"permissionAssignments"`
		}
		expect(t, sa.Do(ctx, "GET", "/auth/users/"+alice.ID, nil, &u), 0)
		if len(u.PermissionAssignments) != 1 || u.PermissionAssignments[0].PermissionName != "DfnsDefaultEndUserAccess" {
			t.Fatalf("assignments %+v", u.PermissionAssignments)
		}
	})
	t.Run("the end user signs with their wallet", func(t *testing.T) {
		var r sigReqJSON
		expect(t, alice.API.Do(ctx, "POST", sigPath, hash, &r), 0)
		if r.Status != "Signed" || r.WalletID != aw.ID {
			t.Fatalf("signature request %+v", r)
		}
		expect(t, alice.API.Do(ctx, "POST", "/keys/"+aw.SigningKey.ID+"/signatures", hash, nil), 0)
	})
	t.Run("a delegated login token signs with the end user's passkey", func(t *testing.T) {
		var out struct {
			Token string `json:"token"`
		}
		expect(t, sa.Do(ctx, "POST", "/auth/login/delegated", map[string]string{"username": "alice.end@example.com"}, &out), 0)
		api := client.New(e.URL, out.Token, alice.PK)
		api.HTTP = e.HTTP
		expect(t, api.Do(ctx, "POST", sigPath, hash, nil), 0)
		// The service account holding that token cannot sign for her.
		api.Signer = &keySignerAnyChallenge{sa.Signer}
		expect(t, api.Do(ctx, "POST", sigPath, hash, nil), 401)
	})
	t.Run("the service account and the root user cannot sign with it", func(t *testing.T) {
		for name, id := range map[string]*apitest.Identity{"service account": sa, "root": root} {
			var w struct {
				ID string `json:"id"`
			}
			expect(t, id.Do(ctx, "GET", "/wallets/"+aw.ID, nil, &w), 0) // reading is allowed
			if err := id.Do(ctx, "POST", sigPath, hash, nil); apitest.Status(err) != 403 {
				t.Fatalf("%s signing with the end user's wallet: %v, want 403", name, err)
			}
			expect(t, id.Do(ctx, "POST", "/keys/"+aw.SigningKey.ID+"/signatures", hash, nil), 403)
			expect(t, id.Do(ctx, "POST", "/wallets/"+aw.ID+"/transfers",
				map[string]any{"kind": "Native", "to": "0x" + strings.Repeat("11", 20), "amount": "1"}, nil), 403)
		}
	})
	t.Run("another end user's wallet is a 404", func(t *testing.T) {
		expect(t, bob.API.Do(ctx, "GET", "/wallets/"+aw.ID, nil, nil), 404)
		expect(t, bob.API.Do(ctx, "POST", sigPath, hash, nil), 404)
		expect(t, bob.API.Do(ctx, "GET", "/keys/"+aw.SigningKey.ID, nil, nil), 404)
		expect(t, bob.API.Do(ctx, "GET", sigPath, nil, nil), 404)
		var l struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		expect(t, bob.API.Do(ctx, "GET", "/wallets", nil, &l), 0)
		if len(l.Items) != 1 || l.Items[0].ID != bob.Reg.Wallets[0].ID {
			t.Fatalf("bob lists %+v, want only his wallet", l.Items)
		}
	})
	t.Run("GET /wallets?ownerId lists an end user's wallets", func(t *testing.T) {
		var l struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		expect(t, sa.Do(ctx, "GET", "/wallets?ownerId="+alice.ID, nil, &l), 0)
		if len(l.Items) != 2 {
			t.Fatalf("alice's wallets %+v", l.Items)
		}
		expect(t, bob.API.Do(ctx, "GET", "/wallets?ownerId="+alice.ID, nil, &l), 0)
		if len(l.Items) != 1 || l.Items[0].ID != bob.Reg.Wallets[0].ID {
			t.Fatalf("bob asking for alice's wallets gets %+v, want only his own", l.Items)
		}
		expect(t, sa.Do(ctx, "GET", "/wallets?ownerId=x%20y", nil, nil), 400)
	})
	t.Run("a custodial wallet is a 404 to end users", func(t *testing.T) {
		w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
		expect(t, alice.API.Do(ctx, "GET", "/wallets/"+w.ID, nil, nil), 404)
		expect(t, alice.API.Do(ctx, "POST", "/wallets/"+w.ID+"/signatures", hash, nil), 404)
	})
	t.Run("a wallet an end user creates is theirs", func(t *testing.T) {
		var w struct {
			ID         string `json:"id"`
			Custodial  bool   `json:"custodial"`
			SigningKey struct {
				DelegatedTo string `json:"delegatedTo"`
			} `json:"signingKey"`
		}
		expect(t, alice.API.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"}, &w), 0)
		if w.Custodial || w.SigningKey.DelegatedTo != alice.ID {
			t.Fatalf("wallet %+v", w)
		}
		expect(t, sa.Do(ctx, "POST", "/wallets/"+w.ID+"/signatures", hash, nil), 403)
	})
}

// TestEndUserRegistrationRefusals: the negatives of
// POST /auth/registration/enduser and of delegated registration.
func TestEndUserRegistrationRefusals(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	post := func(tok string, body map[string]any) error {
		return client.New(e.URL, tok, nil).Do(ctx, "POST", "/auth/registration/enduser", body, nil)
	}
	t.Run("bad wallets leave the challenge usable", func(t *testing.T) {
		ch := e.delegatedChallenge(t, "carol.end@example.com")
		pk := client.NewPasskey(testOrigin)
		many := make([]map[string]any, 11)
		for i := range many {
			many[i] = map[string]any{"network": "EthereumSepolia"}
		}
		for name, ws := range map[string]any{
			"unknown network": []map[string]any{{"network": "Nope"}},
			"no network":      []map[string]any{{"name": "x"}},
			"too many":        many,
			"missing":         nil,
		} {
			body := map[string]any{"firstFactorCredential": fido2Attestation(t, pk, ch)}
			if ws != nil {
				body["wallets"] = ws
			}
			if err := post(ch.TemporaryAuthenticationToken, body); apitest.Status(err) != 400 {
				t.Fatalf("%s: %v, want 400", name, err)
			}
		}
		body := map[string]any{"firstFactorCredential": fido2Attestation(t, pk, ch), "wallets": []map[string]any{}}
		expect(t, post(ch.TemporaryAuthenticationToken, body), 0)
		expect(t, post(ch.TemporaryAuthenticationToken, body), 401) // used
	})
	t.Run("an invited employee cannot register here", func(t *testing.T) {
		_, code := e.invite(t, "dave.employee@example.com")
		ch, err := e.regInit("dave.employee@example.com", code)
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"firstFactorCredential": fido2Attestation(t, client.NewPasskey(testOrigin), ch),
			"wallets": []map[string]any{{"network": "EthereumSepolia"}}}
		expect(t, post(ch.TemporaryAuthenticationToken, body), 400)
	})
	t.Run("createUser with kind EndUser is refused; end users list by kind", func(t *testing.T) {
		sa := e.SA(t)
		expect(t, sa.Do(ctx, "POST", "/auth/users", map[string]any{"email": "frank.end@example.com", "kind": "EndUser"}, nil), 400)
		var l struct {
			Items []struct {
				Kind     string `json:"kind"`
				Username string `json:"username"`
			} `json:"items"`
		}
		expect(t, sa.Do(ctx, "GET", "/auth/users?kind=EndUser", nil, &l), 0)
		if len(l.Items) == 0 {
			t.Fatal("no end users listed")
		}
		for _, u := range l.Items {
			if u.Kind != "EndUser" || u.Username == "frank.end@example.com" {
				t.Fatalf("listed %+v", u)
			}
		}
	})
	t.Run("not a registration token", func(t *testing.T) {
		body := map[string]any{"wallets": []any{}, "firstFactorCredential": map[string]any{"credentialKind": "Fido2",
			"credentialInfo": map[string]string{"credId": "x", "clientData": "x", "attestationData": "x"}}}
		expect(t, post("ch-nope.secret", body), 401)
		expect(t, post(e.Admin.ServiceAccount.AuthToken, body), 401)
	})
	t.Run("a registrar without the end-user operations is refused", func(t *testing.T) {
		low := e.User(t, pemkey.P256, "Auth:Register:Delegated")
		err := low.Do(ctx, "POST", "/auth/registration/delegated", map[string]any{"email": "erin.end@example.com", "kind": "EndUser"}, nil)
		expect(t, err, 403)
		// Nothing was created: a full registrar can still use the address.
		e.delegatedChallenge(t, "erin.end@example.com")
	})
}

// TestDelegateKeysAndWallets: a custodial key or wallet is delegated to an
// end user with delegateTo at creation or with …/delegate later; from then
// on only the end user signs with it.
func TestDelegateKeysAndWallets(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	sa := e.SA(t)
	alice := e.registerEndUser(t, "alice.delegate@example.com")
	hash := map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("ef", 32)}
	type delegated struct {
		ID         string `json:"id"`
		Custodial  bool   `json:"custodial"`
		SigningKey struct {
			ID          string `json:"id"`
			DelegatedTo string `json:"delegatedTo"`
		} `json:"signingKey"`
	}
	ownedByAlice := func(t *testing.T, walletPath, keyPath string) {
		t.Helper()
		expect(t, sa.Do(ctx, "POST", walletPath+"/signatures", hash, nil), 403)
		expect(t, alice.API.Do(ctx, "POST", walletPath+"/signatures", hash, nil), 0)
		expect(t, sa.Do(ctx, "POST", keyPath+"/signatures", hash, nil), 403)
		expect(t, alice.API.Do(ctx, "POST", keyPath+"/signatures", hash, nil), 0)
	}

	t.Run("POST /wallets/{id}/delegate", func(t *testing.T) {
		w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
		expect(t, alice.API.Do(ctx, "GET", "/wallets/"+w.ID, nil, nil), 404)
		expect(t, sa.Do(ctx, "POST", "/wallets/"+w.ID+"/signatures", hash, nil), 0)
		var out struct {
			WalletID string `json:"walletId"`
			Status   string `json:"status"`
		}
		expect(t, sa.Do(ctx, "POST", "/wallets/"+w.ID+"/delegate", map[string]string{"userId": alice.ID}, &out), 0)
		if out.WalletID != w.ID || out.Status != "Delegated" {
			t.Fatalf("delegate: %+v", out)
		}
		var got delegated
		expect(t, sa.Do(ctx, "GET", "/wallets/"+w.ID, nil, &got), 0)
		if got.Custodial || got.SigningKey.DelegatedTo != alice.ID {
			t.Fatalf("wallet after delegation %+v", got)
		}
		ownedByAlice(t, "/wallets/"+w.ID, "/keys/"+w.SigningKey.ID)
		expect(t, sa.Do(ctx, "POST", "/wallets/"+w.ID+"/delegate", map[string]string{"userId": alice.ID}, nil), 400)
		expect(t, sa.Do(ctx, "POST", "/keys/"+w.SigningKey.ID+"/delegate", map[string]string{"delegateTo": alice.ID}, nil), 400)
	})
	t.Run("delegateTo at creation", func(t *testing.T) {
		var w delegated
		expect(t, sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia", "delegateTo": alice.ID}, &w), 0)
		if w.Custodial || w.SigningKey.DelegatedTo != alice.ID {
			t.Fatalf("wallet %+v", w)
		}
		ownedByAlice(t, "/wallets/"+w.ID, "/keys/"+w.SigningKey.ID)
		var k struct {
			ID        string `json:"id"`
			Custodial bool   `json:"custodial"`
		}
		expect(t, sa.Do(ctx, "POST", "/keys", map[string]any{"scheme": "ECDSA", "curve": "secp256k1", "delegateTo": alice.ID}, &k), 0)
		if k.Custodial {
			t.Fatalf("key %+v", k)
		}
		expect(t, sa.Do(ctx, "POST", "/keys/"+k.ID+"/signatures", hash, nil), 403)
		expect(t, alice.API.Do(ctx, "POST", "/keys/"+k.ID+"/signatures", hash, nil), 0)
	})
	t.Run("delayDelegation, then POST /keys/{id}/delegate", func(t *testing.T) {
		var w delegated
		expect(t, sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia", "delegateTo": alice.ID, "delayDelegation": true}, &w), 0)
		if !w.Custodial || w.SigningKey.DelegatedTo != "" {
			t.Fatalf("delayed wallet %+v", w)
		}
		var out struct {
			KeyID  string `json:"keyId"`
			Status string `json:"status"`
		}
		expect(t, sa.Do(ctx, "POST", "/keys/"+w.SigningKey.ID+"/delegate", map[string]string{"delegateTo": alice.ID}, &out), 0)
		if out.KeyID != w.SigningKey.ID || out.Status != "Delegated" {
			t.Fatalf("delegate key: %+v", out)
		}
		ownedByAlice(t, "/wallets/"+w.ID, "/keys/"+w.SigningKey.ID)
	})
	t.Run("refusals", func(t *testing.T) {
		w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
		for name, to := range map[string]string{"an employee": e.Admin.User.UserID, "unknown": "us-00000-00000-0000000000000000", "not an id": "x y"} {
			if err := sa.Do(ctx, "POST", "/wallets/"+w.ID+"/delegate", map[string]string{"userId": to}, nil); apitest.Status(err) != 400 {
				t.Errorf("delegate to %s: %v, want 400", name, err)
			}
			if err := sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia", "delegateTo": to}, nil); apitest.Status(err) != 400 {
				t.Errorf("create delegated to %s: %v, want 400", name, err)
			}
		}
		low := e.User(t, pemkey.P256, "Wallets:Create", "Keys:Create")
		expect(t, low.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia", "delegateTo": alice.ID}, nil), 403)
		expect(t, low.Do(ctx, "POST", "/keys", map[string]any{"scheme": "ECDSA", "curve": "secp256k1", "delegateTo": alice.ID}, nil), 403)
		expect(t, low.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"}, nil), 0)
		expect(t, sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia", "delegateTo": alice.ID,
			"signingKey": map[string]any{"id": w.SigningKey.ID}}, nil), 400)
	})
}
