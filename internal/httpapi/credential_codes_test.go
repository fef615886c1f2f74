package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
)

// TestCredentialCodes: a logged-in user makes a code; another device,
// without any token, opens a challenge with it and registers a passkey,
// which then logs in. Codes are single use and bounded in time, and the
// two challenge kinds do not mix.
func TestCredentialCodes(t *testing.T) {
	env := passkeyEnv(t)
	root := env.Root(t)
	ctx := context.Background()
	anon := client.New(env.URL, "", nil)
	newCode := func() string {
		t.Helper()
		var out struct {
			Code       string `json:"code"`
			Expiration string `json:"expiration"`
		}
		if err := root.Do(ctx, "POST", "/auth/credentials/code",
			map[string]any{"expiration": time.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339)}, &out); err != nil {
			t.Fatalf("create code: %v", err)
		}
		if len(out.Code) != 11 || out.Expiration == "" {
			t.Fatalf("code answer: %+v", out)
		}
		return out.Code
	}
	initWith := func(code string) (*client.RegistrationChallenge, error) {
		var ch client.RegistrationChallenge
		err := anon.Do(ctx, "POST", "/auth/credentials/code/init", map[string]string{"credentialKind": "Fido2", "code": code}, &ch)
		return &ch, err
	}
	verify := func(ch *client.RegistrationChallenge, pk *client.Passkey) error {
		info, err := pk.Create(ch)
		if err != nil {
			t.Fatal(err)
		}
		return anon.Do(ctx, "POST", "/auth/credentials/code/verify", map[string]any{"challengeIdentifier": ch.ChallengeIdentifier,
			"credentialKind": "Fido2", "credentialInfo": info, "credentialName": "phone"}, nil)
	}

	code := newCode()
	ch, err := initWith(code)
	if err != nil {
		t.Fatalf("code init: %v", err)
	}
	if ch.User.ID != env.Admin.User.UserID || ch.AuthenticatorSelection == nil {
		t.Fatalf("code challenge: %+v", ch)
	}
	pk := client.NewPasskey(testOrigin)
	if err := verify(ch, pk); err != nil {
		t.Fatalf("code verify: %v", err)
	}
	if _, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, env.Admin.User.Username, pk); err != nil {
		t.Fatalf("login with the passkey added by code: %v", err)
	}

	t.Run("used code", func(t *testing.T) {
		if _, err := initWith(code); apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
	t.Run("wrong code", func(t *testing.T) {
		if _, err := initWith("000-000-000"); apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
	t.Run("expiration bounds", func(t *testing.T) {
		for _, exp := range []any{time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).Unix(), "soon"} {
			if err := root.Do(ctx, "POST", "/auth/credentials/code", map[string]any{"expiration": exp}, nil); apitest.Status(err) != 400 {
				t.Fatalf("expiration %v: got %v, want 400", exp, err)
			}
		}
	})
	t.Run("a regular credential challenge cannot be completed without a signature", func(t *testing.T) {
		var reg client.RegistrationChallenge
		if err := root.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Fido2"}, &reg); err != nil {
			t.Fatal(err)
		}
		if err := verify(&reg, client.NewPasskey(testOrigin)); apitest.Status(err) != 400 {
			t.Fatalf("got %v, want 400", err)
		}
	})
	t.Run("a code challenge is not a regular one", func(t *testing.T) {
		ch, err := initWith(newCode())
		if err != nil {
			t.Fatal(err)
		}
		info, err := client.NewPasskey(testOrigin).Create(ch)
		if err != nil {
			t.Fatal(err)
		}
		err = root.Do(ctx, "POST", "/auth/credentials", map[string]any{"challengeIdentifier": ch.ChallengeIdentifier,
			"credentialKind": "Fido2", "credentialInfo": info}, nil)
		if apitest.Status(err) != 400 {
			t.Fatalf("got %v, want 400", err)
		}
	})
}
