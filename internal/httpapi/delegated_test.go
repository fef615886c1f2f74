package httpapi_test

import (
	"context"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/pemkey"
)

// TestDelegatedEndUser: a service account registers an end user (who
// completes the registration with their own passkey) and logs them in by
// delegation; the end-user token reads, but the service account cannot
// sign as the end user.
func TestDelegatedEndUser(t *testing.T) {
	e := newRegEnv(t)
	ctx := context.Background()
	sa := e.SA(t)
	email := "end.user@example.com"
	var ch client.RegistrationChallenge
	if err := sa.Do(ctx, "POST", "/auth/registration/delegated", map[string]any{"email": email, "kind": "EndUser"}, &ch); err != nil {
		t.Fatalf("delegated registration: %v", err)
	}
	if ch.TemporaryAuthenticationToken == "" || ch.User.Name != email {
		t.Fatalf("challenge: %+v", ch)
	}
	pk := client.NewPasskey(testOrigin)
	if _, err := e.register(ch.TemporaryAuthenticationToken, map[string]any{"firstFactorCredential": fido2Attestation(t, pk, &ch)}); err != nil {
		t.Fatalf("end user registers: %v", err)
	}
	var u struct {
		Kind         string `json:"kind"`
		IsRegistered bool   `json:"isRegistered"`
	}
	if err := sa.Do(ctx, "GET", "/auth/users/"+ch.User.ID, nil, &u); err != nil || u.Kind != "EndUser" || !u.IsRegistered {
		t.Fatalf("end user: %+v %v", u, err)
	}

	var out struct {
		Token string `json:"token"`
	}
	if err := sa.Do(ctx, "POST", "/auth/login/delegated", map[string]string{"username": email}, &out); err != nil || out.Token == "" {
		t.Fatalf("delegated login: %v", err)
	}
	// The service account holds the end user's token, but not their passkey.
	asEndUser := client.New(e.URL, out.Token, sa.Signer)
	asEndUser.HTTP = e.HTTP
	if err := asEndUser.Do(ctx, "GET", "/auth/credentials", nil, nil); err != nil {
		t.Fatalf("read with the delegated token: %v", err)
	}
	forced := &keySignerAnyChallenge{sa.Signer}
	asEndUser.Signer = forced
	if err := asEndUser.Do(ctx, "PUT", "/auth/credentials/deactivate", map[string]string{"credentialUuid": "cr-x"}, nil); apitest.Status(err) != 401 {
		t.Fatalf("service account signing as the end user: got %v, want 401", err)
	}
	// The end user signs with their own passkey in the same session.
	asEndUser.Signer = pk
	var ch2 client.RegistrationChallenge
	if err := asEndUser.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Fido2"}, &ch2); err != nil {
		t.Fatal(err)
	}
	info, err := client.NewPasskey(testOrigin).Create(&ch2)
	if err != nil {
		t.Fatal(err)
	}
	if err := asEndUser.Do(ctx, "POST", "/auth/credentials", map[string]any{"challengeIdentifier": ch2.ChallengeIdentifier,
		"credentialKind": "Fido2", "credentialInfo": info}, nil); err != nil {
		t.Fatalf("end user signing with their passkey: %v", err)
	}

	t.Run("delegated login is for end users only", func(t *testing.T) {
		err := sa.Do(ctx, "POST", "/auth/login/delegated", map[string]string{"username": e.Admin.User.Username}, nil)
		if apitest.Status(err) != 400 {
			t.Fatalf("got %v, want 400", err)
		}
	})
	t.Run("needs the operation", func(t *testing.T) {
		low := e.User(t, pemkey.P256)
		err := low.Do(ctx, "POST", "/auth/login/delegated", map[string]string{"username": email}, nil)
		if apitest.Status(err) != 403 {
			t.Fatalf("got %v, want 403", err)
		}
	})
}

// keySignerAnyChallenge signs with a key whether or not the challenge lists it.
type keySignerAnyChallenge struct{ s *client.KeySigner }

func (k *keySignerAnyChallenge) Sign(ctx context.Context, ch *client.Challenge) (*credential.Assertion, error) {
	c := *ch
	c.AllowCredentials.Key = append(c.AllowCredentials.Key, client.AllowCredential{ID: k.s.CredID})
	return k.s.Sign(ctx, &c)
}
