package httpapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/credential"
)

// The relying party of the passkey tests: a page at testOrigin whose
// passkeys are scoped to testRPID.
const (
	testOrigin = "https://wallet.custos.test"
	testRPID   = "custos.test"
)

func passkeyEnv(t *testing.T) *apitest.Env {
	return apitest.New(t, func(c *app.Config) { c.RPID, c.Origins = testRPID, []string{testOrigin} })
}

// createdCredential is the wire credential POST /auth/credentials answers.
type createdCredential struct {
	Kind           string `json:"kind"`
	CredentialID   string `json:"credentialId"`
	CredentialUUID string `json:"credentialUuid"`
	PublicKey      string `json:"publicKey"`
	RelyingPartyID string `json:"relyingPartyId"`
	Origin         string `json:"origin"`
}

// addPasskey registers pk as a Fido2 credential of id (the request signed
// by id's current signer); edit, when not nil, changes the attestation
// before it is sent.
func addPasskey(t *testing.T, id *apitest.Identity, pk *client.Passkey, edit func(*credential.CredentialInfo)) (*createdCredential, error) {
	t.Helper()
	ctx := context.Background()
	var ch client.RegistrationChallenge
	if err := id.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Fido2"}, &ch); err != nil {
		t.Fatalf("credential init: %v", err)
	}
	if ch.AuthenticatorSelection == nil || ch.AuthenticatorSelection.UserVerification != "required" || ch.RP == nil || ch.RP.ID != testRPID {
		t.Fatalf("Fido2 credential challenge: %+v", ch)
	}
	info, err := pk.Create(&ch)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(info)
	}
	var out createdCredential
	err = id.Do(ctx, "POST", "/auth/credentials", map[string]any{"challengeIdentifier": ch.ChallengeIdentifier,
		"credentialKind": "Fido2", "credentialInfo": info, "credentialName": "laptop"}, &out)
	return &out, err
}

// TestPasskeyRegisterLoginSign registers a passkey, logs in with it and
// signs a user action (createUser) with it, as the browser SDK does.
func TestPasskeyRegisterLoginSign(t *testing.T) {
	env := passkeyEnv(t)
	root := env.Root(t)
	ctx := context.Background()
	pk := client.NewPasskey(testOrigin)
	cred, err := addPasskey(t, root, pk, nil)
	if err != nil {
		t.Fatalf("register passkey: %v", err)
	}
	if cred.Kind != "Fido2" || cred.CredentialID != pk.CredID() || cred.RelyingPartyID != testRPID ||
		cred.Origin != testOrigin || len(cred.PublicKey) < 100 {
		t.Fatalf("created credential: %+v", cred)
	}
	tok, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, env.Admin.User.Username, pk)
	if err != nil {
		t.Fatalf("login with passkey: %v", err)
	}
	c := client.New(env.URL, tok, pk)
	c.HTTP = env.HTTP
	var u struct {
		UserID string `json:"userId"`
	}
	if err := c.Do(ctx, "POST", "/auth/users", map[string]any{"email": "signed.by.passkey@example.com", "kind": "CustomerEmployee"}, &u); err != nil {
		t.Fatalf("createUser signed with passkey: %v", err)
	}
	if pk.Counter() != 2 {
		t.Fatalf("counter %d after two signatures", pk.Counter())
	}
	// The audit log keeps the passkey's authenticator data.
	var logs struct {
		Items []struct {
			First struct {
				Kind      string `json:"kind"`
				Assertion struct {
					AuthenticatorData string `json:"authenticatorData"`
				} `json:"assertion"`
			} `json:"firstFactorCredential"`
		} `json:"items"`
	}
	if err := c.Do(ctx, "GET", "/auth/action/logs", nil, &logs); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range logs.Items {
		found = found || (l.First.Kind == "Fido2" && l.First.Assertion.AuthenticatorData != "")
	}
	if !found {
		t.Errorf("no audit log entry keeps the passkey's authenticatorData: %+v", logs.Items)
	}
}

// TestPasskeyRegistrationRefused: each broken attestation is refused and
// registers nothing.
func TestPasskeyRegistrationRefused(t *testing.T) {
	env := passkeyEnv(t)
	root := env.Root(t)
	for _, tc := range []struct {
		name string
		pk   func() *client.Passkey
		edit func(*credential.CredentialInfo)
		want int
	}{
		{"wrong origin", func() *client.Passkey { return client.NewPasskey("https://evil.test") }, nil, 401},
		{"wrong rp id hash", func() *client.Passkey { p := client.NewPasskey(testOrigin); p.RPID = "evil.test"; return p }, nil, 401},
		{"no user verification", func() *client.Passkey { p := client.NewPasskey(testOrigin); p.Flags = client.FlagUP; return p }, nil, 401},
		{"no user presence", func() *client.Passkey { p := client.NewPasskey(testOrigin); p.Flags = client.FlagUV; return p }, nil, 401},
		{"packed attestation with a bad signature", func() *client.Passkey {
			p := client.NewPasskey(testOrigin)
			p.Format = "packed"
			return p
		}, corruptPackedSig(t), 401},
		{"credId not the attested one", func() *client.Passkey { return client.NewPasskey(testOrigin) },
			func(i *credential.CredentialInfo) {
				i.CredID = base64.RawURLEncoding.EncodeToString([]byte("another id"))
			}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := addPasskey(t, root, tc.pk(), tc.edit)
			if apitest.Status(err) != tc.want {
				t.Fatalf("got %v, want %d", err, tc.want)
			}
		})
	}
	t.Run("packed self attestation accepted", func(t *testing.T) {
		p := client.NewPasskey(testOrigin)
		p.Format = "packed"
		if _, err := addPasskey(t, root, p, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// corruptPackedSig flips a bit of the packed attestation signature.
func corruptPackedSig(t *testing.T) func(*credential.CredentialInfo) {
	return func(info *credential.CredentialInfo) {
		raw, _ := base64.RawURLEncoding.DecodeString(info.AttestationData)
		var att map[string]any
		if err := webauthncbor.Unmarshal(raw, &att); err != nil {
			t.Fatal(err)
		}
		stmt := att["attStmt"].(map[any]any)
		sig := stmt["sig"].([]byte)
		sig[len(sig)-1] ^= 1
		out, err := webauthncbor.Marshal(att)
		if err != nil {
			t.Fatal(err)
		}
		info.AttestationData = base64.RawURLEncoding.EncodeToString(out)
	}
}

// TestPasskeyAssertionRefused: each broken login assertion is refused;
// a good login after each shows nothing else broke (and resets backoff).
func TestPasskeyAssertionRefused(t *testing.T) {
	env := passkeyEnv(t)
	root := env.Root(t)
	ctx := context.Background()
	pk := client.NewPasskey(testOrigin)
	if _, err := addPasskey(t, root, pk, nil); err != nil {
		t.Fatal(err)
	}
	login := func(s client.Signer) error {
		_, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, env.Admin.User.Username, s)
		return err
	}
	for _, tc := range []struct {
		name   string
		break_ func()
		want   int
	}{
		{"wrong origin", func() { pk.Origin = "https://evil.test" }, 401},
		{"wrong rp id hash", func() { pk.RPID = "evil.test" }, 401},
		{"no user presence", func() { pk.Flags = client.FlagUV }, 401},
		{"no user verification", func() { pk.Flags = client.FlagUP }, 401},
		{"replayed counter", func() { pk.SetCounter(pk.Counter() - 1) }, 401},
		{"backwards counter", func() { pk.SetCounter(0) }, 401},
		{"counter stuck at 0 after counting", func() { pk.SetCounter(0); pk.ZeroCounter = true }, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i < 2; i++ { // counter above 1, so that backwards means something
				if err := login(pk); err != nil {
					t.Fatalf("good login: %v", err)
				}
			}
			saved := pk.Counter()
			tc.break_()
			if err := login(pk); apitest.Status(err) != tc.want {
				t.Fatalf("got %v, want %d", err, tc.want)
			}
			pk.Origin, pk.RPID, pk.Flags, pk.ZeroCounter = testOrigin, "", client.FlagUP|client.FlagUV, false
			pk.SetCounter(saved)
		})
	}
	t.Run("userHandle of another user", func(t *testing.T) {
		s := &editSigner{pk, func(a *credential.Assertion) {
			a.CredentialAssertion.UserHandle = base64.RawURLEncoding.EncodeToString([]byte("us-someone-else"))
		}}
		if err := login(s); apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
	t.Run("challenge of another flow", func(t *testing.T) {
		// A login challenge signed, presented for a user action.
		c := client.New(env.URL, root.AuthToken, pk)
		c.HTTP = env.HTTP
		act, err := c.ActionInit(ctx, "POST", "/auth/users", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		var lch client.Challenge
		if err := client.New(env.URL, "", nil).Do(ctx, "POST", "/auth/login/init",
			map[string]string{"username": env.Admin.User.Username, "orgId": env.Admin.OrgID}, &lch); err != nil {
			t.Fatal(err)
		}
		a, err := pk.Sign(ctx, &lch)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ActionComplete(ctx, act.ChallengeIdentifier, a); apitest.Status(err) != 401 {
			t.Fatalf("got %v, want 401", err)
		}
	})
}

// TestPasskeyAlgorithms: RS256 and EdDSA passkeys register, log in and
// sign like ES256 ones.
func TestPasskeyAlgorithms(t *testing.T) {
	env := passkeyEnv(t)
	root := env.Root(t)
	for _, alg := range []int{-7, -257, -8} {
		t.Run(fmt.Sprint(alg), func(t *testing.T) {
			pk := client.NewPasskey(testOrigin)
			pk.Alg = alg
			if _, err := addPasskey(t, root, pk, nil); err != nil {
				t.Fatalf("register: %v", err)
			}
			tok, err := client.Login(context.Background(), env.HTTP, env.URL, env.Admin.OrgID, env.Admin.User.Username, pk)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			c := client.New(env.URL, tok, pk)
			c.HTTP = env.HTTP
			if err := c.Do(context.Background(), "POST", "/auth/users", map[string]any{"email": fmt.Sprintf("alg%d@example.com", -alg), "kind": "CustomerEmployee"}, nil); err != nil {
				t.Fatalf("sign: %v", err)
			}
		})
	}
}

// TestPasskeyZeroCounter: an authenticator that always reports 0 (synced
// passkeys) is accepted every time.
func TestPasskeyZeroCounter(t *testing.T) {
	env := passkeyEnv(t)
	root := env.Root(t)
	pk := client.NewPasskey(testOrigin)
	pk.ZeroCounter = true
	if _, err := addPasskey(t, root, pk, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := client.Login(context.Background(), env.HTTP, env.URL, env.Admin.OrgID, env.Admin.User.Username, pk); err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
	}
}

// editSigner signs with s, then lets edit change the assertion.
type editSigner struct {
	s    client.Signer
	edit func(*credential.Assertion)
}

func (e *editSigner) Sign(ctx context.Context, ch *client.Challenge) (*credential.Assertion, error) {
	a, err := e.s.Sign(ctx, ch)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	e.edit(a)
	return a, nil
}
