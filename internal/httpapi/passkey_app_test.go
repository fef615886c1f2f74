package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
)

// An application with a relying party of its own (relyingPartyId, origin):
// a passkey made through it is made for that party and answers from its
// origin; the server's origins do not serve it, nor it theirs
// (docs/protocol/passkeys.md, "Relying parties").
func TestPasskeyForAnApplicationsRelyingParty(t *testing.T) {
	const rp, origin = "shop.example", "https://shop.example"
	env := passkeyEnv(t)
	ctx := context.Background()
	sa := env.SA(t)
	var app struct {
		AppID string `json:"appId"`
	}
	expect(t, sa.Do(ctx, "POST", "/auth/apps", map[string]any{"name": "shop", "kind": "ClientSideApplication",
		"relyingPartyId": rp, "origin": origin}, &app), 0)
	root := env.Root(t)
	root.Header = http.Header{"X-Dfns-Appid": {app.AppID}}

	register := func(pk *client.Passkey) (*createdCredential, error) {
		var ch client.RegistrationChallenge
		expect(t, root.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Fido2"}, &ch), 0)
		if ch.RP == nil || ch.RP.ID != rp {
			t.Fatalf("challenge through the application: rp %+v, want %s", ch.RP, rp)
		}
		info, err := pk.Create(&ch)
		if err != nil {
			t.Fatal(err)
		}
		var out createdCredential
		err = root.Do(ctx, "POST", "/auth/credentials", map[string]any{"challengeIdentifier": ch.ChallengeIdentifier,
			"credentialKind": "Fido2", "credentialInfo": info, "credentialName": "shop"}, &out)
		return &out, err
	}
	// Another site's origin cannot make a passkey for the application's party.
	if _, err := register(client.NewPasskey("https://evil.example")); apitest.Status(err) != http.StatusUnauthorized &&
		apitest.Status(err) != http.StatusBadRequest {
		t.Fatalf("passkey from another origin: %v, want a refusal", err)
	}
	pk := client.NewPasskey(origin)
	cred, err := register(pk)
	if err != nil {
		t.Fatalf("register through the application: %v", err)
	}
	if cred.RelyingPartyID != rp || cred.Origin != origin {
		t.Fatalf("created credential %+v", cred)
	}
	if _, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, env.Admin.User.Username, pk); err != nil {
		t.Fatalf("login with the application's passkey: %v", err)
	}
	// The same passkey answering from the server's own origin is refused.
	pk.Origin = testOrigin
	if _, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, env.Admin.User.Username, pk); apitest.Status(err) != http.StatusUnauthorized {
		t.Fatalf("login from another party's origin: %v, want 401", err)
	}
	// Archived, the application's party serves no more ceremonies.
	pk.Origin = origin
	expect(t, sa.Do(ctx, "DELETE", "/auth/apps/"+app.AppID, map[string]any{}, nil), 0)
	if _, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, env.Admin.User.Username, pk); apitest.Status(err) != http.StatusUnauthorized {
		t.Fatalf("login after the application was archived: %v, want 401", err)
	}
}
