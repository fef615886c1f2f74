package httpapi_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/pemkey"
)

func TestDeactivatedAndArchivedUsers(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	for _, op := range []string{"deactivate", "archive"} {
		t.Run(op, func(t *testing.T) {
			u := env.User(t, pemkey.Ed25519, "Auth:Users:Read")
			if err := u.Do(ctx, "GET", "/auth/users", nil, nil); err != nil {
				t.Fatal(err)
			}
			var err error
			if op == "deactivate" {
				err = sa.Do(ctx, "PUT", "/auth/users/"+u.UserID+"/deactivate", nil, nil)
			} else {
				err = sa.Do(ctx, "DELETE", "/auth/users/"+u.UserID, nil, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			wantStatus(t, u.Do(ctx, "GET", "/auth/users", nil, nil), http.StatusUnauthorized)
			var ch client.Challenge
			err = client.New(env.URL, "", nil).Do(ctx, "POST", "/auth/login/init", map[string]string{"username": userName(t, sa, u.UserID), "orgId": env.Admin.OrgID}, &ch)
			wantStatus(t, err, http.StatusBadRequest)
			if op == "deactivate" {
				if err := sa.Do(ctx, "PUT", "/auth/users/"+u.UserID+"/activate", nil, nil); err != nil {
					t.Fatal(err)
				}
				if err := u.Do(ctx, "GET", "/auth/users", nil, nil); err != nil {
					t.Fatalf("after reactivation: %v", err)
				}
			} else {
				wantStatus(t, sa.Do(ctx, "PUT", "/auth/users/"+u.UserID+"/activate", nil, nil), http.StatusBadRequest)
			}
		})
	}
}

func userName(t *testing.T, id *apitest.Identity, userID string) string {
	var u struct {
		Username string `json:"username"`
	}
	if err := id.Do(ctx, "GET", "/auth/users/"+userID, nil, &u); err != nil {
		t.Fatal(err)
	}
	return u.Username
}

func TestTokensLifecycle(t *testing.T) {
	env := apitest.New(t)
	root := env.Root(t)
	k, _ := pemkey.Generate(pemkey.P256)

	var pat struct {
		TokenID     string `json:"tokenId"`
		AccessToken string `json:"accessToken"`
		CredID      string `json:"credId"`
		Kind        string `json:"kind"`
	}
	if err := root.Do(ctx, "POST", "/auth/pats", map[string]any{"name": "ci", "publicKey": k.Public().MarshalPEM()}, &pat); err != nil {
		t.Fatal(err)
	}
	if pat.AccessToken == "" || pat.Kind != "Pat" {
		t.Fatalf("pat: %+v", pat)
	}
	pc := client.New(env.URL, pat.AccessToken, &client.KeySigner{CredID: pat.CredID, Key: k})
	if err := pc.Do(ctx, "POST", "/permissions", map[string]any{"name": "by-pat", "operations": []string{"Wallets:Read"}}, nil); err != nil {
		t.Fatalf("PAT signed call: %v", err)
	}
	// The token is shown once.
	var again map[string]any
	if err := root.Do(ctx, "GET", "/auth/pats/"+pat.TokenID, nil, &again); err != nil {
		t.Fatal(err)
	}
	if _, ok := again["accessToken"]; ok {
		t.Fatal("GET returned the access token again")
	}
	// A PAT may not sign with its user's credential.
	patID := &apitest.Identity{Client: pc}
	wantStatus(t, signWith(t, patID, root.Signer), http.StatusUnauthorized)

	if err := root.Do(ctx, "PUT", "/auth/pats/"+pat.TokenID+"/deactivate", nil, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, pc.Do(ctx, "GET", "/permissions", nil, nil), http.StatusUnauthorized)

	// Service account: deactivation ends its token.
	sk, _ := pemkey.Generate(pemkey.Ed25519)
	var sa struct {
		UserInfo struct {
			UserID           string `json:"userId"`
			IsServiceAccount bool   `json:"isServiceAccount"`
		} `json:"userInfo"`
		AccessTokens []struct {
			AccessToken string `json:"accessToken"`
			CredID      string `json:"credId"`
		} `json:"accessTokens"`
	}
	if err := root.Do(ctx, "POST", "/auth/service-accounts", map[string]any{"name": "bot", "publicKey": sk.Public().MarshalPEM()}, &sa); err != nil {
		t.Fatal(err)
	}
	if !sa.UserInfo.IsServiceAccount || len(sa.AccessTokens) != 1 || sa.AccessTokens[0].AccessToken == "" {
		t.Fatalf("service account: %+v", sa)
	}
	bot := client.New(env.URL, sa.AccessTokens[0].AccessToken, &client.KeySigner{CredID: sa.AccessTokens[0].CredID, Key: sk})
	if err := bot.Do(ctx, "POST", "/permissions", map[string]any{"name": "by-bot", "operations": []string{"Wallets:Read"}}, nil); err != nil {
		t.Fatalf("service account signed call: %v", err)
	}
	if err := root.Do(ctx, "PUT", "/auth/service-accounts/"+sa.UserInfo.UserID+"/deactivate", nil, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, bot.Do(ctx, "GET", "/permissions", nil, nil), http.StatusUnauthorized)
}

func TestLogout(t *testing.T) {
	env := apitest.New(t)
	a := env.Root(t)
	b := env.Root(t)
	if err := a.Do(ctx, "PUT", "/auth/logout", nil, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, a.Do(ctx, "GET", "/auth/users", nil, nil), http.StatusUnauthorized)
	if err := b.Do(ctx, "GET", "/auth/users", nil, nil); err != nil {
		t.Fatalf("other session ended too: %v", err)
	}
	if err := b.Do(ctx, "PUT", "/auth/logout", map[string]bool{"allSessions": true}, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.Do(ctx, "GET", "/auth/users", nil, nil), http.StatusUnauthorized)
}

func TestBadTokens(t *testing.T) {
	env := apitest.New(t)
	good := env.Admin.ServiceAccount.AuthToken
	parts := strings.Split(good, ".")
	enc := base64.RawURLEncoding
	payload, _ := enc.DecodeString(parts[1])
	var claims map[string]any
	_ = json.Unmarshal(payload, &claims)
	meta := claims["https://custom/app_metadata"].(map[string]any)
	meta["userId"] = env.Admin.User.UserID
	forged, _ := json.Marshal(claims)
	_, otherKey, _ := ed25519.GenerateKey(nil)
	header := enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT","kid":"x"}`))
	selfSigned := header + "." + parts[1] + "." + enc.EncodeToString(ed25519.Sign(otherKey, []byte(header+"."+parts[1])))
	cases := map[string]string{
		"tampered payload": parts[0] + "." + enc.EncodeToString(forged) + "." + parts[2],
		"no signature":     parts[0] + "." + parts[1] + ".",
		"alg none":         enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".",
		"other key":        selfSigned,
		"garbage":          "not-a-jwt",
		"empty":            "",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			c := client.New(env.URL, tok, nil)
			c.Header = http.Header{}
			wantStatus(t, c.Do(ctx, "GET", "/auth/users", nil, nil), http.StatusUnauthorized)
		})
	}
	t.Run("good", func(t *testing.T) {
		wantStatus(t, client.New(env.URL, good, nil).Do(ctx, "GET", "/auth/users", nil, nil), 0)
	})
}

func TestOrgIsolation(t *testing.T) {
	env := apitest.New(t)
	root := env.Root(t)
	other := env.OtherOrg(t)
	pm := createPerm(t, other, "theirs")
	for _, path := range []string{
		"/auth/users/" + other.UserID, "/permissions/" + pm, "/permissions/" + pm + "/assignments",
	} {
		wantStatus(t, root.Do(ctx, "GET", path, nil, nil), http.StatusNotFound)
	}
	wantStatus(t, root.Do(ctx, "PUT", "/auth/users/"+other.UserID+"/deactivate", nil, nil), http.StatusNotFound)
	wantStatus(t, root.Do(ctx, "POST", "/permissions/"+pm+"/assignments", map[string]string{"identityId": root.UserID}, nil), http.StatusNotFound)
	mine := createPerm(t, root, "mine")
	wantStatus(t, root.Do(ctx, "POST", "/permissions/"+mine+"/assignments", map[string]string{"identityId": other.UserID}, nil), http.StatusNotFound)
	var users struct {
		Items []struct {
			UserID string `json:"userId"`
		} `json:"items"`
	}
	if err := root.Do(ctx, "GET", "/auth/users", nil, &users); err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Items {
		if u.UserID == other.UserID {
			t.Fatal("user of another org listed")
		}
	}
}

func TestPermissionRequired(t *testing.T) {
	env := apitest.New(t)
	u := env.User(t, pemkey.Ed25519, "Auth:Users:Read")
	if err := u.Do(ctx, "GET", "/auth/users", nil, nil); err != nil {
		t.Fatal(err)
	}
	err := u.Do(ctx, "GET", "/permissions", nil, nil)
	wantStatus(t, err, http.StatusForbidden)
	if !strings.Contains(err.Error(), "is not authorized to perform operation (Permissions:Read)") {
		t.Fatalf("message: %v", err)
	}
	wantStatus(t, u.Do(ctx, "POST", "/permissions", map[string]any{"name": "n", "operations": []string{"Wallets:Read"}}, nil), http.StatusForbidden)
	// Archiving the permission takes the grant away.
	none := env.User(t, pemkey.Ed25519)
	wantStatus(t, none.Do(ctx, "GET", "/auth/users", nil, nil), http.StatusForbidden)
}

func TestLongLivedTokenMustBeTheIssuedOne(t *testing.T) {
	env := apitest.New(t)
	a := env.Admin.ServiceAccount
	c, err := env.App.Auth.Tokens().Parse(a.AuthToken)
	if err != nil {
		t.Fatal(err)
	}
	minted, err := env.App.Auth.Tokens().Issue(auth.Claims{App: c.App}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if minted == a.AuthToken {
		t.Fatal("minted the same token")
	}
	wantStatus(t, client.New(env.URL, minted, nil).Do(ctx, "GET", "/auth/users", nil, nil), http.StatusUnauthorized)
	wantStatus(t, client.New(env.URL, a.AuthToken, nil).Do(ctx, "GET", "/auth/users", nil, nil), 0)
}
