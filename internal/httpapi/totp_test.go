package httpapi_test

import (
	"context"
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/pemkey"
)

// totpSecret returns the secret of an otpauth:// URL.
func totpSecret(t *testing.T, otpURL string) []byte {
	t.Helper()
	u, err := url.Parse(otpURL)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("otpUrl %q", otpURL)
	}
	q := u.Query()
	if q.Get("issuer") != "Custos" || q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Fatalf("otpUrl parameters %q", otpURL)
	}
	s, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(q.Get("secret"))
	if err != nil || len(s) != credential.TotpSecretSize {
		t.Fatalf("otpUrl secret %q: %v", q.Get("secret"), err)
	}
	return s
}

// totpCode is the code of secret d steps from now.
func totpCode(t *testing.T, secret []byte, d int) string {
	t.Helper()
	c, err := credential.TotpCode(secret, uint64(int64(credential.TotpStep(time.Now()))+int64(d)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loginTwoFactors logs username in with signer and second as secondFactor.
func loginTwoFactors(ctx context.Context, env *apitest.Env, username string, signer client.Signer, second any) (string, *client.Challenge, error) {
	anon := client.New(env.URL, "", nil)
	anon.HTTP = env.HTTP
	var ch client.Challenge
	if err := anon.Do(ctx, "POST", "/auth/login/init", map[string]string{"username": username, "orgId": env.Admin.OrgID}, &ch); err != nil {
		return "", nil, err
	}
	a, err := signer.Sign(ctx, &ch)
	if err != nil {
		return "", nil, err
	}
	body := map[string]any{"challengeIdentifier": ch.ChallengeIdentifier, "firstFactor": a}
	if second != nil {
		body["secondFactor"] = second
	}
	var out struct {
		Token string `json:"token"`
	}
	err = anon.Do(ctx, "POST", "/auth/login", body, &out)
	return out.Token, &ch, err
}

// TestTotpSecondFactor: a Totp credential (RFC 6238) is registered with a
// code of the secret its challenge's otpUrl offers, and from then on each
// login needs a fresh code of it as second factor: missing, wrong and
// replayed codes are refused.
func TestTotpSecondFactor(t *testing.T) {
	env := apitest.New(t)
	ctx := context.Background()
	alice := env.User(t, pemkey.P256)
	var u struct {
		Username string `json:"username"`
	}
	expect(t, env.SA(t).Do(ctx, "GET", "/auth/users/"+alice.UserID, nil, &u), 0)

	add := func(code string) ([]byte, error) {
		var ch client.RegistrationChallenge
		expect(t, alice.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Totp"}, &ch), 0)
		secret := totpSecret(t, ch.OtpURL)
		switch code {
		case "":
			code = totpCode(t, secret, 0)
		case "wrong":
			code = totpCode(t, secret, 5) // a code of the secret, outside the window
		}
		err := alice.Do(ctx, "POST", "/auth/credentials", map[string]any{"challengeIdentifier": ch.ChallengeIdentifier,
			"credentialKind": "Totp", "credentialInfo": map[string]string{"otpCode": code}, "credentialName": "phone"}, nil)
		return secret, err
	}
	_, err := add("000000x")
	expect(t, err, 401)
	_, err = add("12345")
	expect(t, err, 401)
	_, err = add("wrong")
	expect(t, err, 401)
	secret, err := add("")
	expect(t, err, 0)

	_, ch, err := loginTwoFactors(ctx, env, u.Username, alice.Signer, nil)
	expect(t, err, 401)
	found := false
	for _, k := range ch.SupportedCredentialKinds {
		found = found || (k.Kind == "Totp" && k.Factor == "second")
	}
	if !found {
		t.Fatalf("login challenge kinds %+v lack the Totp second factor", ch.SupportedCredentialKinds)
	}
	otp := func(code string) map[string]string { return map[string]string{"kind": "Totp", "otpCode": code} }
	wrong := totpCode(t, secret, 5)
	_, _, err = loginTwoFactors(ctx, env, u.Username, alice.Signer, otp(wrong))
	expect(t, err, 401)
	// The code the registration used is spent.
	_, _, err = loginTwoFactors(ctx, env, u.Username, alice.Signer, otp(totpCode(t, secret, 0)))
	expect(t, err, 401)
	next := totpCode(t, secret, 1)
	tok, _, err := loginTwoFactors(ctx, env, u.Username, alice.Signer, otp(next))
	if err != nil || tok == "" {
		t.Fatalf("login with a fresh code: %v", err)
	}
	// A code works once.
	_, _, err = loginTwoFactors(ctx, env, u.Username, alice.Signer, otp(next))
	expect(t, err, 401)

	t.Run("the secret is never shown", func(t *testing.T) {
		_, body, _ := raw(t, env, "GET", "/auth/credentials", "", map[string]string{"Authorization": "Bearer " + tok})
		if b := jsonText(t, body); strings.Contains(b, base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)) {
			t.Fatalf("credential list shows the secret: %s", b)
		}
	})
	t.Run("a Totp credential does not sign user actions", func(t *testing.T) {
		c := client.New(env.URL, tok, totpSigner(totpCode(t, secret, 0)))
		c.HTTP = env.HTTP
		expect(t, c.Do(ctx, "POST", "/permissions", map[string]any{"name": "totp-signed", "operations": []string{"Wallets:Read"}}, nil), 401)
	})
}

// totpSigner answers any challenge with a Totp code.
type totpSigner string

func (s totpSigner) Sign(context.Context, *client.Challenge) (*credential.Assertion, error) {
	return &credential.Assertion{Kind: "Totp", OtpCode: string(s)}, nil
}

// TestTotpAtRegistration: a registration challenge offers a TOTP secret
// (otpUrl); a Totp second factor registered over it is then needed at
// login, and a wrong code refuses the registration.
func TestTotpAtRegistration(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	const email = "totp.reg@example.com"
	_, code := e.invite(t, email)
	ch, err := e.regInit(email, code)
	if err != nil {
		t.Fatal(err)
	}
	if ch.SupportedCredentialKinds == nil {
		t.Fatal("no supportedCredentialKinds")
	}
	secret := totpSecret(t, ch.OtpURL)
	pk := client.NewPasskey(testOrigin)
	body := func(otpCode string) map[string]any {
		return map[string]any{"firstFactorCredential": fido2Attestation(t, pk, ch),
			"secondFactorCredential": map[string]any{"credentialKind": "Totp", "credentialInfo": map[string]string{"otpCode": otpCode}}}
	}
	_, err = e.register(ch.TemporaryAuthenticationToken, body(totpCode(t, secret, 7)))
	expect(t, err, 401)
	if _, err := e.register(ch.TemporaryAuthenticationToken, body(totpCode(t, secret, 0))); err != nil {
		t.Fatalf("register with a Totp second factor: %v", err)
	}
	_, _, err = loginTwoFactors(ctx, e.Env, email, pk, nil)
	expect(t, err, 401)
	tok, _, err := loginTwoFactors(ctx, e.Env, email, pk, map[string]string{"kind": "Totp", "otpCode": totpCode(t, secret, 1)})
	if err != nil || tok == "" {
		t.Fatalf("login with passkey and code: %v", err)
	}
}
