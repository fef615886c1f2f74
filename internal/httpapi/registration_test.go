package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/mail/mailtest"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/regcode"
)

// regEnv is a server with passkeys and email (to a sink the test reads).
type regEnv struct {
	*apitest.Env
	sink *mailtest.Sink
	logs *apitest.Logs
}

func newRegEnv(t *testing.T) *regEnv {
	sink := mailtest.Start(t)
	logs := &apitest.Logs{}
	env := apitest.New(t, apitest.LogTo(logs), func(c *app.Config) {
		c.RPID, c.Origins = testRPID, []string{testOrigin}
		c.SMTPURL, c.SMTPFrom = sink.URL(), "custos@custos.test"
	})
	return &regEnv{Env: env, sink: sink, logs: logs}
}

// invite creates a user without a key and returns its id, email and the
// code emailed to it.
func (e *regEnv) invite(t *testing.T, email string) (userID, code string) {
	t.Helper()
	var u struct {
		UserID       string `json:"userId"`
		IsRegistered bool   `json:"isRegistered"`
	}
	if err := e.SA(t).Do(context.Background(), "POST", "/auth/users", map[string]any{"email": email, "kind": "CustomerEmployee"}, &u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	if u.IsRegistered {
		t.Fatal("an invited user is registered already")
	}
	code = e.sink.Code(email, "Registration code")
	if code == "" {
		t.Fatalf("no registration code mailed to %s: %+v", email, e.sink.Messages())
	}
	return u.UserID, code
}

// regInit asks for a registration challenge with code.
func (e *regEnv) regInit(email, code string) (*client.RegistrationChallenge, error) {
	var ch client.RegistrationChallenge
	err := client.New(e.URL, "", nil).Do(context.Background(), "POST", "/auth/registration/init",
		map[string]string{"orgId": e.Admin.OrgID, "username": email, "registrationCode": code}, &ch)
	return &ch, err
}

// register completes a registration with tempToken as the bearer.
func (e *regEnv) register(tempToken string, body map[string]any) (map[string]any, error) {
	var out map[string]any
	err := client.New(e.URL, tempToken, nil).Do(context.Background(), "POST", "/auth/registration", body, &out)
	return out, err
}

func fido2Attestation(t *testing.T, pk *client.Passkey, ch *client.RegistrationChallenge) map[string]any {
	t.Helper()
	info, err := pk.Create(ch)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"credentialKind": "Fido2", "credentialInfo": info}
}

func keyAttestation(t *testing.T, kind credential.Kind, ch *client.RegistrationChallenge) (map[string]any, *client.KeySigner) {
	t.Helper()
	k, err := pemkey.Generate(pemkey.P256)
	if err != nil {
		t.Fatal(err)
	}
	s := &client.KeySigner{CredID: string(kind) + "-" + time.Now().Format("150405.000000000"), Key: k}
	info, err := s.Attest(ch.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	att := map[string]any{"credentialKind": string(kind), "credentialInfo": info}
	if kind == credential.KindRecoveryKey {
		att["encryptedPrivateKey"] = "opaque-recovery-blob"
	}
	return att, s
}

// TestRegistrationWithPasskey: an invited user registers with the emailed
// code, a passkey, a Key second factor and a recovery key, then logs in
// with the passkey and signs with it.
func TestRegistrationWithPasskey(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	email := "Invited.Person@example.com"
	userID, code := e.invite(t, email)
	ch, err := e.regInit(email, code)
	if err != nil {
		t.Fatalf("registration init: %v", err)
	}
	if ch.User.ID != userID || ch.TemporaryAuthenticationToken == "" || ch.RP == nil || ch.RP.ID != testRPID ||
		ch.SupportedCredentialKinds == nil || len(ch.SupportedCredentialKinds.FirstFactor) == 0 ||
		ch.AuthenticatorSelection == nil || ch.AuthenticatorSelection.UserVerification != "required" {
		t.Fatalf("registration challenge: %+v", ch)
	}
	pk := client.NewPasskey(testOrigin)
	second, _ := keyAttestation(t, credential.KindKey, ch)
	recovery, _ := keyAttestation(t, credential.KindRecoveryKey, ch)
	out, err := e.register(ch.TemporaryAuthenticationToken, map[string]any{
		"firstFactorCredential": fido2Attestation(t, pk, ch), "secondFactorCredential": second, "recoveryCredential": recovery})
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	cred, _ := out["credential"].(map[string]any)
	user, _ := out["user"].(map[string]any)
	if cred["kind"] != "Fido2" || !strings.HasPrefix(cred["uuid"].(string), "cr-") || user["id"] != userID ||
		user["username"] != strings.ToLower(email) || user["orgId"] != e.Admin.OrgID {
		t.Fatalf("registration answer: %v", out)
	}

	tok, err := client.Login(ctx, e.HTTP, e.URL, e.Admin.OrgID, strings.ToLower(email), pk)
	if err != nil {
		t.Fatalf("login with the registered passkey: %v", err)
	}
	c := client.New(e.URL, tok, pk)
	c.HTTP = e.HTTP
	var creds struct {
		Items []struct {
			Kind string `json:"kind"`
		} `json:"items"`
	}
	if err := c.Do(ctx, "GET", "/auth/credentials", nil, &creds); err != nil || len(creds.Items) != 3 {
		t.Fatalf("credentials after registration: %v %+v", err, creds)
	}
	var got struct {
		IsRegistered bool `json:"isRegistered"`
	}
	if err := e.SA(t).Do(ctx, "GET", "/auth/users/"+userID, nil, &got); err != nil || !got.IsRegistered {
		t.Fatalf("user after registration: %v %+v", err, got)
	}
	// Signing works with the passkey (a user action on the user's own credentials).
	var ch2 client.RegistrationChallenge
	if err := c.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Key"}, &ch2); err != nil {
		t.Fatal(err)
	}

	t.Run("used code", func(t *testing.T) {
		if _, err := e.regInit(email, code); apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
	t.Run("used temporary token", func(t *testing.T) {
		att, _ := keyAttestation(t, credential.KindKey, ch)
		if _, err := e.register(ch.TemporaryAuthenticationToken, map[string]any{"firstFactorCredential": att}); apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
	t.Run("code never logged", func(t *testing.T) {
		if strings.Contains(e.logs.String(), code) || strings.Contains(e.logs.String(), strings.ReplaceAll(code, "-", "")) {
			t.Fatal("the registration code is in the server log")
		}
	})
}

// TestRegistrationRefusals covers the codes and tokens that must not work.
func TestRegistrationRefusals(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()

	t.Run("wrong code", func(t *testing.T) {
		email := "wrong.code@example.com"
		_, code := e.invite(t, email)
		wrong := []byte(code)
		wrong[0] = '0' + (wrong[0]-'0'+1)%10
		if _, err := e.regInit(email, string(wrong)); apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
		if _, err := e.regInit(email, code); err != nil { // the right one still works
			t.Fatalf("right code after a wrong one: %v", err)
		}
		if _, err := e.regInit(email, code); apitest.Status(err) != 401 { // once
			t.Fatalf("code used a second time: got %v, want 401", err)
		}
	})
	t.Run("unknown user answers like a wrong code", func(t *testing.T) {
		_, err := e.regInit("nobody@example.com", "1234-1234-1234-1234")
		if apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
	t.Run("expired code", func(t *testing.T) {
		email := "expired.code@example.com"
		userID, _ := e.invite(t, email)
		code := "1111-2222-3333-4444"
		if ok, err := e.App.DB.SetRegistrationCode(ctx, e.Admin.OrgID, userID, regcode.Hash(userID, code), time.Now().Add(-time.Minute)); err != nil || !ok {
			t.Fatal(ok, err)
		}
		_, err := e.regInit(email, code)
		if apitest.Status(err) != 400 || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("got %v, want 400 expired", err)
		}
	})
	t.Run("resend invalidates the old code", func(t *testing.T) {
		email := "resend@example.com"
		_, old := e.invite(t, email)
		n := len(e.sink.Messages())
		if err := client.New(e.URL, "", nil).Do(ctx, "PUT", "/auth/registration/code",
			map[string]string{"orgId": e.Admin.OrgID, "username": email}, nil); err != nil {
			t.Fatalf("resend: %v", err)
		}
		if len(e.sink.Messages()) != n+1 {
			t.Fatalf("resend sent %d emails", len(e.sink.Messages())-n)
		}
		fresh := e.sink.Code(email, "Registration code")
		if fresh == old {
			t.Fatal("resend mailed the same code")
		}
		if _, err := e.regInit(email, old); apitest.Status(err) != 401 {
			t.Fatalf("old code: got %v, want 401", err)
		}
		if _, err := e.regInit(email, fresh); err != nil {
			t.Fatalf("new code: %v", err)
		}
	})
	t.Run("temporary token outside its endpoint", func(t *testing.T) {
		email := "temp.token@example.com"
		_, code := e.invite(t, email)
		ch, err := e.regInit(email, code)
		if err != nil {
			t.Fatal(err)
		}
		tmp := client.New(e.URL, ch.TemporaryAuthenticationToken, nil)
		for _, p := range []string{"/auth/users", "/auth/credentials"} {
			if err := tmp.Do(ctx, "GET", p, nil, nil); apitest.Status(err) != 401 {
				t.Fatalf("GET %s with a temporary token: got %v, want 401", p, err)
			}
		}
		if err := tmp.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Key"}, nil); apitest.Status(err) != 401 {
			t.Fatalf("credential init with a temporary token: got %v, want 401", err)
		}
	})
	t.Run("attestation over another challenge", func(t *testing.T) {
		email := "other.challenge@example.com"
		_, code := e.invite(t, email)
		ch, err := e.regInit(email, code)
		if err != nil {
			t.Fatal(err)
		}
		other := *ch
		other.Challenge = "another-challenge-entirely"
		att, _ := keyAttestation(t, credential.KindKey, &other)
		if _, err := e.register(ch.TemporaryAuthenticationToken, map[string]any{"firstFactorCredential": att}); apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
		// The challenge survives a refused attempt: the right one registers.
		att, _ = keyAttestation(t, credential.KindKey, ch)
		if _, err := e.register(ch.TemporaryAuthenticationToken, map[string]any{"firstFactorCredential": att}); err != nil {
			t.Fatalf("register after a refused attempt: %v", err)
		}
	})
	t.Run("password as first factor", func(t *testing.T) {
		email := "password.first@example.com"
		_, code := e.invite(t, email)
		ch, err := e.regInit(email, code)
		if err != nil {
			t.Fatal(err)
		}
		att := map[string]any{"credentialKind": "Password", "credentialInfo": map[string]string{"password": "registered with a password"}}
		if _, err := e.register(ch.TemporaryAuthenticationToken, map[string]any{"firstFactorCredential": att}); err != nil {
			t.Fatalf("register with a password: %v", err)
		}
		if _, err := client.Login(ctx, e.HTTP, e.URL, e.Admin.OrgID, email, passwordSigner("registered with a password")); err != nil {
			t.Fatalf("login with the password: %v", err)
		}
	})
	t.Run("recovery key as first factor", func(t *testing.T) {
		email := "recovery.first@example.com"
		_, code := e.invite(t, email)
		ch, err := e.regInit(email, code)
		if err != nil {
			t.Fatal(err)
		}
		att, _ := keyAttestation(t, credential.KindRecoveryKey, ch)
		if _, err := e.register(ch.TemporaryAuthenticationToken, map[string]any{"firstFactorCredential": att}); apitest.Status(err) != 400 {
			t.Fatalf("got %v, want 400", err)
		}
	})
}

// TestRegistrationGuessingThrottled: after the free wrong guesses, even the
// right code is refused (429) until the backoff passes; the clock is frozen
// so it never does during the test.
func TestRegistrationGuessingThrottled(t *testing.T) {
	e := newRegEnv(t)
	frozen := time.Now()
	e.App.Auth.SetBackoffClock(func() time.Time { return frozen })
	email := "guessed@example.com"
	_, code := e.invite(t, email)
	statuses := []int{}
	for i := 0; i < 7; i++ {
		_, err := e.regInit(email, "0000-0000-0000-000"+string(rune('0'+i)))
		statuses = append(statuses, apitest.Status(err))
	}
	if statuses[0] != 401 || statuses[6] != 429 {
		t.Fatalf("statuses of wrong guesses: %v", statuses)
	}
	if _, err := e.regInit(email, code); apitest.Status(err) != 429 {
		t.Fatalf("right code while backing off: got %v, want 429", err)
	}
}

// TestRegistrationWithoutEmail: without SMTP, sending a code answers 400.
func TestRegistrationWithoutEmail(t *testing.T) {
	env := apitest.New(t)
	res, err := env.HTTP.Do(mustReq(t, "PUT", env.URL+"/auth/registration/code",
		`{"orgId":"`+env.Admin.OrgID+`","username":"someone@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &body)
	if res.StatusCode != 400 || !strings.Contains(body.Error.Message, "email is not configured") {
		t.Fatalf("got %d %s", res.StatusCode, b)
	}
}

func mustReq(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	return r
}
