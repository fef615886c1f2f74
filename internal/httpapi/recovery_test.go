package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/pemkey"
)

// recoverable is a registered user with a passkey and a recovery key.
type recoverable struct {
	email    string
	userID   string
	passkey  *client.Passkey
	recovery *client.KeySigner
}

func (e *regEnv) registerRecoverable(t *testing.T, email string) *recoverable {
	t.Helper()
	userID, code := e.invite(t, email)
	ch, err := e.regInit(email, code)
	if err != nil {
		t.Fatal(err)
	}
	pk := client.NewPasskey(testOrigin)
	rec, rs := keyAttestation(t, credential.KindRecoveryKey, ch)
	if _, err := e.register(ch.TemporaryAuthenticationToken, map[string]any{
		"firstFactorCredential": fido2Attestation(t, pk, ch), "recoveryCredential": rec}); err != nil {
		t.Fatalf("register: %v", err)
	}
	return &recoverable{email: email, userID: userID, passkey: pk, recovery: rs}
}

// recoveryInit asks for a recovery code by email and trades it for the
// recovery challenge of u's recovery key.
func (e *regEnv) recoveryInit(t *testing.T, u *recoverable) *client.RegistrationChallenge {
	t.Helper()
	anon := client.New(e.URL, "", nil)
	if err := anon.Do(context.Background(), "POST", "/auth/recover/user/code",
		map[string]string{"orgId": e.Admin.OrgID, "username": u.email}, nil); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	code := e.sink.Code(u.email, "Recovery code")
	if code == "" {
		t.Fatal("no recovery code mailed")
	}
	var ch client.RegistrationChallenge
	if err := anon.Do(context.Background(), "POST", "/auth/recover/user/init", map[string]string{"orgId": e.Admin.OrgID,
		"username": u.email, "verificationCode": code, "credentialId": u.recovery.CredID}, &ch); err != nil {
		t.Fatalf("recovery init: %v", err)
	}
	if len(ch.AllowedRecoveryCredentials) != 1 || ch.AllowedRecoveryCredentials[0].ID != u.recovery.CredID ||
		ch.AllowedRecoveryCredentials[0].EncryptedRecoveryKey != "opaque-recovery-blob" {
		t.Fatalf("allowedRecoveryCredentials: %+v", ch.AllowedRecoveryCredentials)
	}
	return &ch
}

// recoverySignature signs challenge (a string) with u's recovery key, as
// a RecoveryKey assertion.
func recoverySignature(t *testing.T, u *recoverable, challenge string) *credential.Assertion {
	t.Helper()
	a, err := u.recovery.Sign(context.Background(), &client.Challenge{Challenge: challenge,
		AllowCredentials: client.AllowCredentials{Key: []client.AllowCredential{{ID: u.recovery.CredID}}}})
	if err != nil {
		t.Fatal(err)
	}
	a.Kind = string(credential.KindRecoveryKey)
	return a
}

func (e *regEnv) recover(tempToken string, recovery *credential.Assertion, newCreds any) error {
	return client.New(e.URL, tempToken, nil).Do(context.Background(), "POST", "/auth/recover/user",
		map[string]any{"recovery": recovery, "newCredentials": newCreds}, nil)
}

// TestRecovery: a user who lost their passkey recovers with the emailed
// code and the recovery key, in both signature forms; the old passkey and
// the PATs stop working, the new passkey logs in.
func TestRecovery(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	for _, form := range []string{"over the challenge", "over the new credentials"} {
		t.Run(form, func(t *testing.T) {
			u := e.registerRecoverable(t, strings.ReplaceAll(form, " ", ".")+"@example.com")
			username := strings.ToLower(u.email)
			tok, err := client.Login(ctx, e.HTTP, e.URL, e.Admin.OrgID, username, u.passkey)
			if err != nil {
				t.Fatal(err)
			}
			old := client.New(e.URL, tok, u.passkey)
			old.HTTP = e.HTTP
			// A personal access token made before the recovery.
			grantOps(t, e.Env, u.userID, "Auth:Pats:Create")
			k, err := pemkey.Generate(pemkey.P256)
			if err != nil {
				t.Fatal(err)
			}
			var pat struct {
				AccessToken string `json:"accessToken"`
			}
			if err := old.Do(ctx, "POST", "/auth/pats", map[string]any{"name": "before recovery",
				"publicKey": k.Public().MarshalPEM()}, &pat); err != nil || pat.AccessToken == "" {
				t.Fatalf("create PAT: %v", err)
			}
			patClient := client.New(e.URL, pat.AccessToken, nil)
			patClient.HTTP = e.HTTP
			if err := patClient.Do(ctx, "GET", "/auth/credentials", nil, nil); err != nil {
				t.Fatalf("PAT before recovery: %v", err)
			}

			ch := e.recoveryInit(t, u)
			pk2 := client.NewPasskey(testOrigin)
			rec2, _ := keyAttestation(t, credential.KindRecoveryKey, ch)
			newCreds := map[string]any{"firstFactorCredential": fido2Attestation(t, pk2, ch), "recoveryCredential": rec2}
			signed := ch.Challenge
			if form == "over the new credentials" {
				b, _ := json.Marshal(newCreds)
				signed = base64.RawURLEncoding.EncodeToString(b)
			}
			if err := e.recover(ch.TemporaryAuthenticationToken, recoverySignature(t, u, signed), newCreds); err != nil {
				t.Fatalf("recover: %v", err)
			}
			// The old passkey is no longer offered; signing anyway is refused.
			forced := &forceAllowed{u.passkey}
			if _, err := client.Login(ctx, e.HTTP, e.URL, e.Admin.OrgID, username, forced); apitest.Status(err) != 401 {
				t.Fatalf("old passkey after recovery: got %v, want 401", err)
			}
			if err := old.Do(ctx, "GET", "/auth/credentials", nil, nil); apitest.Status(err) != 401 {
				t.Fatalf("login token of before the recovery: got %v, want 401", err)
			}
			if err := patClient.Do(ctx, "GET", "/auth/credentials", nil, nil); apitest.Status(err) != 401 {
				t.Fatalf("PAT after recovery: got %v, want 401", err)
			}
			tok2, err := client.Login(ctx, e.HTTP, e.URL, e.Admin.OrgID, username, pk2)
			if err != nil {
				t.Fatalf("new passkey: %v", err)
			}
			c := client.New(e.URL, tok2, pk2)
			c.HTTP = e.HTTP
			var creds struct {
				Items []struct {
					Kind string `json:"kind"`
				} `json:"items"`
			}
			if err := c.Do(ctx, "GET", "/auth/credentials", nil, &creds); err != nil || len(creds.Items) != 2 {
				t.Fatalf("credentials after recovery: %v %+v", err, creds)
			}
			// The old recovery key is archived too.
			if err := e.recover(ch.TemporaryAuthenticationToken, recoverySignature(t, u, ch.Challenge), newCreds); apitest.Status(err) != 401 {
				t.Fatalf("used recovery token: got %v, want 401", err)
			}
		})
	}
}

// TestRecoveryRefusals covers what must not recover an account.
func TestRecoveryRefusals(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	u := e.registerRecoverable(t, "refusals@example.com")
	anon := client.New(e.URL, "", nil)

	t.Run("wrong code", func(t *testing.T) {
		if err := anon.Do(ctx, "POST", "/auth/recover/user/code", map[string]string{"orgId": e.Admin.OrgID, "username": u.email}, nil); err != nil {
			t.Fatal(err)
		}
		err := anon.Do(ctx, "POST", "/auth/recover/user/init", map[string]string{"orgId": e.Admin.OrgID,
			"username": u.email, "verificationCode": "0000-0000-0000-0000", "credentialId": u.recovery.CredID}, nil)
		if apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
	t.Run("a passkey is not a recovery key", func(t *testing.T) {
		if err := anon.Do(ctx, "POST", "/auth/recover/user/code", map[string]string{"orgId": e.Admin.OrgID, "username": u.email}, nil); err != nil {
			t.Fatal(err)
		}
		code := e.sink.Code(u.email, "Recovery code")
		err := anon.Do(ctx, "POST", "/auth/recover/user/init", map[string]string{"orgId": e.Admin.OrgID,
			"username": u.email, "verificationCode": code, "credentialId": u.passkey.CredID()}, nil)
		if apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
	t.Run("signature over other credentials", func(t *testing.T) {
		ch := e.recoveryInit(t, u)
		pk2 := client.NewPasskey(testOrigin)
		newCreds := map[string]any{"firstFactorCredential": fido2Attestation(t, pk2, ch)}
		other := map[string]any{"firstFactorCredential": fido2Attestation(t, client.NewPasskey(testOrigin), ch)}
		b, _ := json.Marshal(other)
		err := e.recover(ch.TemporaryAuthenticationToken, recoverySignature(t, u, base64.RawURLEncoding.EncodeToString(b)), newCreds)
		if apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
		// Signed by another key claiming the recovery key's id.
		k, err := pemkey.Generate(pemkey.P256)
		if err != nil {
			t.Fatal(err)
		}
		wrong := &recoverable{recovery: &client.KeySigner{CredID: u.recovery.CredID, Key: k}}
		if err := e.recover(ch.TemporaryAuthenticationToken, recoverySignature(t, wrong, ch.Challenge), newCreds); apitest.Status(err) != 401 {
			t.Fatalf("forged recovery signature: got %v, want 401", err)
		}
		// The account still works with its passkey.
		if _, err := client.Login(ctx, e.HTTP, e.URL, e.Admin.OrgID, strings.ToLower(u.email), u.passkey); err != nil {
			t.Fatalf("login after refused recoveries: %v", err)
		}
	})
	t.Run("delegated recovery by a service account", func(t *testing.T) {
		var ch client.RegistrationChallenge
		if err := e.SA(t).Do(ctx, "POST", "/auth/recover/user/delegated",
			map[string]string{"username": u.email, "credentialId": u.recovery.CredID}, &ch); err != nil {
			t.Fatalf("delegated recovery init: %v", err)
		}
		pk2 := client.NewPasskey(testOrigin)
		newCreds := map[string]any{"firstFactorCredential": fido2Attestation(t, pk2, &ch)}
		if err := e.recover(ch.TemporaryAuthenticationToken, recoverySignature(t, u, ch.Challenge), newCreds); err != nil {
			t.Fatalf("recover: %v", err)
		}
		if _, err := client.Login(ctx, e.HTTP, e.URL, e.Admin.OrgID, strings.ToLower(u.email), pk2); err != nil {
			t.Fatalf("login with the recovered passkey: %v", err)
		}
	})
}

// grantOps gives identityID a new permission holding ops.
func grantOps(t *testing.T, env *apitest.Env, identityID string, ops ...string) {
	t.Helper()
	sa := env.SA(t)
	var p struct {
		ID string `json:"id"`
	}
	if err := sa.Do(context.Background(), "POST", "/permissions", map[string]any{"name": "grant-" + identityID + "-" + strings.Join(ops, "-"),
		"operations": ops}, &p); err != nil {
		t.Fatal(err)
	}
	if err := sa.Do(context.Background(), "POST", "/permissions/"+p.ID+"/assignments", map[string]any{"identityId": identityID}, nil); err != nil {
		t.Fatal(err)
	}
}

// forceAllowed signs with a passkey the challenge does not list.
type forceAllowed struct{ pk *client.Passkey }

func (f *forceAllowed) Sign(ctx context.Context, ch *client.Challenge) (*credential.Assertion, error) {
	c := *ch
	c.AllowCredentials.Webauthn = append(c.AllowCredentials.Webauthn, client.AllowCredential{Type: "public-key", ID: f.pk.CredID()})
	if c.RP == nil {
		c.RP = &client.RelyingParty{ID: testRPID}
	}
	return f.pk.Sign(ctx, &c)
}
