package httpapi_test

import (
	"context"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/pemkey"
)

// ppkSigner signs with a PasswordProtectedKey it found in the challenge,
// as a client that decrypted encryptedPrivateKey would.
type ppkSigner struct {
	s    *client.KeySigner
	seen string // the encryptedPrivateKey the challenge released
}

func (p *ppkSigner) Sign(ctx context.Context, ch *client.Challenge) (*credential.Assertion, error) {
	for _, c := range ch.AllowCredentials.PasswordProtectedKey {
		if c.ID == p.s.CredID {
			p.seen = c.EncryptedPrivateKey
		}
	}
	cp := *ch
	cp.AllowCredentials.Key = []client.AllowCredential{{ID: p.s.CredID}}
	a, err := p.s.Sign(ctx, &cp)
	if err != nil {
		return nil, err
	}
	a.Kind = string(credential.KindPasswordProtectedKey)
	return a, nil
}

// TestLoginCodeReleasesPasswordProtectedKey: the encrypted key of a
// PasswordProtectedKey is in a login challenge only with a valid emailed
// login code, which works once.
func TestLoginCodeReleasesPasswordProtectedKey(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	root := e.Root(t)
	var ch client.RegistrationChallenge
	if err := root.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "PasswordProtectedKey"}, &ch); err != nil {
		t.Fatal(err)
	}
	k, err := pemkey.Generate(pemkey.P256)
	if err != nil {
		t.Fatal(err)
	}
	ks := &client.KeySigner{CredID: "ppk-login-code-test", Key: k}
	info, err := ks.Attest(ch.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Do(ctx, "POST", "/auth/credentials", map[string]any{"challengeIdentifier": ch.ChallengeIdentifier,
		"credentialKind": "PasswordProtectedKey", "credentialInfo": info, "encryptedPrivateKey": "sealed-by-the-client"}, nil); err != nil {
		t.Fatalf("add PasswordProtectedKey: %v", err)
	}
	user := e.Admin.User.Username
	anon := client.New(e.URL, "", nil)
	loginInit := func(code string) (*client.Challenge, error) {
		var lc client.Challenge
		body := map[string]string{"username": user, "orgId": e.Admin.OrgID}
		if code != "" {
			body["loginCode"] = code
		}
		err := anon.Do(ctx, "POST", "/auth/login/init", body, &lc)
		return &lc, err
	}
	lc, err := loginInit("")
	if err != nil || len(lc.AllowCredentials.PasswordProtectedKey) != 0 {
		t.Fatalf("without a code the key is not released: %v %+v", err, lc.AllowCredentials)
	}
	if _, err := loginInit("1234-1234-1234-1234"); apitest.Status(err) != 403 {
		t.Fatalf("wrong login code: got %v, want 403", err)
	}
	if err := anon.Do(ctx, "POST", "/auth/login/code", map[string]string{"username": user, "orgId": e.Admin.OrgID}, nil); err != nil {
		t.Fatalf("login code: %v", err)
	}
	code := e.sink.Code(user, "Login code")
	if code == "" {
		t.Fatal("no login code mailed")
	}
	// Log in with the released key through the login flow, with the code.
	signer := &ppkSigner{s: ks}
	lc, err = loginInit(code)
	if err != nil {
		t.Fatalf("login init with the code: %v", err)
	}
	a, err := signer.Sign(ctx, lc)
	if err != nil {
		t.Fatal(err)
	}
	if signer.seen != "sealed-by-the-client" {
		t.Fatalf("released encryptedPrivateKey %q", signer.seen)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := anon.Do(ctx, "POST", "/auth/login", map[string]any{"challengeIdentifier": lc.ChallengeIdentifier, "firstFactor": a}, &out); err != nil || out.Token == "" {
		t.Fatalf("login with the PasswordProtectedKey: %v", err)
	}
	if _, err := loginInit(code); apitest.Status(err) != 403 {
		t.Fatalf("login code used twice: got %v, want 403", err)
	}
}
