package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/credential"
)

// passwordSigner answers a login challenge with a password.
type passwordSigner string

func (p passwordSigner) Sign(context.Context, *client.Challenge) (*credential.Assertion, error) {
	return &credential.Assertion{Kind: "Password", Password: string(p)}, nil
}

// TestPasswordCredential: a Password credential is a login first factor,
// kept as an Argon2id hash that is never shown, and cannot sign user
// actions.
func TestPasswordCredential(t *testing.T) {
	env := apitest.New(t)
	root := env.Root(t)
	ctx := context.Background()
	const pw = "correct horse battery staple"
	var ch client.RegistrationChallenge
	if err := root.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Password"}, &ch); err != nil {
		t.Fatalf("credential init: %v", err)
	}
	add := func(password string) error {
		return root.Do(ctx, "POST", "/auth/credentials", map[string]any{"challengeIdentifier": ch.ChallengeIdentifier,
			"credentialKind": "Password", "credentialInfo": map[string]string{"password": password}, "credentialName": "pw"}, nil)
	}
	if err := add("short"); apitest.Status(err) != 400 {
		t.Fatalf("short password: got %v, want 400", err)
	}
	if err := root.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Password"}, &ch); err != nil {
		t.Fatal(err)
	}
	if err := add(pw); err != nil {
		t.Fatalf("add password: %v", err)
	}
	_, body, _ := raw(t, env, "GET", "/auth/credentials", "", map[string]string{"Authorization": "Bearer " + root.AuthToken})
	if b := strings.ToLower(jsonText(t, body)); strings.Contains(b, "argon2") || strings.Contains(b, pw) {
		t.Fatalf("credential list shows the password hash: %s", b)
	}
	user := env.Admin.User.Username
	if _, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, user, passwordSigner("wrong password!")); apitest.Status(err) != 401 {
		t.Fatalf("wrong password: got %v, want 401", err)
	}
	tok, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, user, passwordSigner(pw))
	if err != nil {
		t.Fatalf("password login: %v", err)
	}
	// The password's session reads, but a password cannot sign.
	c := client.New(env.URL, tok, passwordSigner(pw))
	c.HTTP = env.HTTP
	if err := c.Do(ctx, "GET", "/auth/credentials", nil, nil); err != nil {
		t.Fatalf("read with the password session: %v", err)
	}
	if err := c.Do(ctx, "POST", "/auth/users", map[string]any{"email": "pw.signed@example.com", "kind": "CustomerEmployee"}, nil); apitest.Status(err) != 401 {
		t.Fatalf("user action signed with a password: got %v, want 401", err)
	}
	// The same session signs with the user's key.
	c.Signer = root.Signer
	if err := c.Do(ctx, "POST", "/auth/users", map[string]any{"email": "key.signed@example.com", "kind": "CustomerEmployee"}, nil); err != nil {
		t.Fatalf("user action signed with the key in a password session: %v", err)
	}
}

func jsonText(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
