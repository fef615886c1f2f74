package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pemkey"
)

var ctx = context.Background()

// signedAction runs init → sign → complete for method, path, payload and
// returns the user action token.
func signedAction(t *testing.T, id *apitest.Identity, method, path, payload string) string {
	t.Helper()
	tok, err := actionToken(ctx, id, method, path, []byte(payload))
	if err != nil {
		t.Fatalf("user action: %v", err)
	}
	return tok
}

func wantStatus(t *testing.T, err error, want int) {
	t.Helper()
	if got := apitest.Status(err); got != want {
		t.Fatalf("status %d, want %d (err: %v)", got, want, err)
	}
	if err != nil {
		var e *client.Error
		if ok := asErr(err, &e); ok && (e.Body.Error.Message == "" || e.Body.Error.Status != want || e.Body.Error.ID == "") {
			t.Fatalf("error body is not the Dfns shape: %s", e.Raw)
		}
	}
}

func asErr(err error, target **client.Error) bool {
	e, ok := err.(*client.Error)
	if ok {
		*target = e
	}
	return ok
}

func permBody(name string) string {
	return `{"name":"` + name + `","operations":["Wallets:Read"]}`
}

func TestUserActionSingleUse(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	body := permBody("single-use")
	tok := signedAction(t, sa, "POST", "/permissions", body)
	if err := sa.DoWithAction(ctx, "POST", "/permissions", []byte(body), tok, nil); err != nil {
		t.Fatalf("first use: %v", err)
	}
	err := sa.DoWithAction(ctx, "POST", "/permissions", []byte(permBody("single-use-2")), tok, nil)
	wantStatus(t, err, http.StatusBadRequest)
	if !strings.Contains(err.Error(), "already been used") {
		t.Fatalf("replay error: %v", err)
	}
}

func TestUserActionBinding(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	body := permBody("bound")
	cases := []struct {
		name, method, path, body string
	}{
		{"other body", "POST", "/permissions", permBody("other")},
		{"other path", "POST", "/auth/users", body},
		{"empty body", "POST", "/permissions", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := signedAction(t, sa, "POST", "/permissions", body)
			err := sa.DoWithAction(ctx, tc.method, tc.path, []byte(tc.body), tok, nil)
			wantStatus(t, err, http.StatusForbidden)
		})
	}
	t.Run("other method", func(t *testing.T) {
		// Same path and body, other method: a token for deactivating a PAT
		// must not archive it.
		root := env.Root(t)
		k, _ := pemkey.Generate(pemkey.Ed25519)
		var pat struct {
			TokenID string `json:"tokenId"`
		}
		if err := root.Do(ctx, "POST", "/auth/pats", map[string]any{"name": "m", "publicKey": k.Public().MarshalPEM()}, &pat); err != nil {
			t.Fatal(err)
		}
		path := "/auth/pats/" + pat.TokenID
		tok := signedAction(t, root, "PUT", path, `{}`)
		wantStatus(t, root.DoWithAction(ctx, "DELETE", path, []byte(`{}`), tok, nil), http.StatusForbidden)
		var got struct {
			IsActive bool `json:"isActive"`
		}
		if err := root.Do(ctx, "GET", path, nil, &got); err != nil || !got.IsActive {
			t.Fatalf("PAT changed by a token signed for another method: %v %+v", err, got)
		}
	})
	t.Run("same JSON, other bytes", func(t *testing.T) {
		tok := signedAction(t, sa, "POST", "/permissions", `{"name":"spaced","operations":["Wallets:Read"]}`)
		err := sa.DoWithAction(ctx, "POST", "/permissions", []byte(`{ "operations": ["Wallets:Read"], "name": "spaced" }`), tok, nil)
		wantStatus(t, err, 0)
	})
	t.Run("query string ignored", func(t *testing.T) {
		pm := createPerm(t, sa, "query")
		tok := signedAction(t, sa, "PUT", "/permissions/"+pm+"/archive?force=true", `{"isArchived":true}`)
		err := sa.DoWithAction(ctx, "PUT", "/permissions/"+pm+"/archive", []byte(`{"isArchived":true}`), tok, nil)
		wantStatus(t, err, 0)
	})
	t.Run("missing header", func(t *testing.T) {
		err := sa.DoWithAction(ctx, "POST", "/permissions", []byte(body), "", nil)
		wantStatus(t, err, http.StatusForbidden)
	})
	t.Run("forged token", func(t *testing.T) {
		err := sa.DoWithAction(ctx, "POST", "/permissions", []byte(body), "ua-forged", nil)
		wantStatus(t, err, http.StatusForbidden)
	})
}

func createPerm(t *testing.T, id *apitest.Identity, name string) string {
	t.Helper()
	var p struct {
		ID string `json:"id"`
	}
	if err := id.Do(ctx, "POST", "/permissions", map[string]any{"name": name, "operations": []string{"Wallets:Read"}}, &p); err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func TestUserActionOnlyForItsCaller(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	root := env.Root(t)
	body := permBody("caller")
	tok := signedAction(t, root, "POST", "/permissions", body)
	err := sa.DoWithAction(ctx, "POST", "/permissions", []byte(body), tok, nil)
	wantStatus(t, err, http.StatusForbidden)

	// A challenge issued to one identity cannot be completed by another.
	ch, err := root.ActionInit(ctx, "POST", "/permissions", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	a, err := root.Signer.Sign(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sa.ActionComplete(ctx, ch.ChallengeIdentifier, a)
	wantStatus(t, err, http.StatusBadRequest)

	// Racing completions of one challenge: exactly one gets a token.
	ch, err = sa.ActionInit(ctx, "POST", "/permissions", []byte(permBody("race")))
	if err != nil {
		t.Fatal(err)
	}
	a, _ = sa.Signer.Sign(ctx, ch)
	const racers = 8
	var wg sync.WaitGroup
	var won atomic.Int32
	for range racers {
		wg.Go(func() {
			if _, err := sa.ActionComplete(ctx, ch.ChallengeIdentifier, a); err == nil {
				won.Add(1)
			} else if apitest.Status(err) != http.StatusBadRequest {
				t.Errorf("racing completion: %v", err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d of %d racing completions got a token", won.Load(), racers)
	}
}

func TestExpiry(t *testing.T) {
	t.Run("challenge", func(t *testing.T) {
		env := apitest.New(t, func(c *app.Config) { c.ChallengeTTL = 300 * time.Millisecond })
		sa := env.SA(t)
		ch, err := sa.ActionInit(ctx, "POST", "/permissions", []byte(permBody("late")))
		if err != nil {
			t.Fatal(err)
		}
		a, _ := sa.Signer.Sign(ctx, ch)
		time.Sleep(400 * time.Millisecond)
		_, err = sa.ActionComplete(ctx, ch.ChallengeIdentifier, a)
		wantStatus(t, err, http.StatusBadRequest)
	})
	t.Run("action", func(t *testing.T) {
		env := apitest.New(t, func(c *app.Config) { c.ActionTTL = 300 * time.Millisecond })
		sa := env.SA(t)
		body := permBody("late-action")
		tok := signedAction(t, sa, "POST", "/permissions", body)
		time.Sleep(400 * time.Millisecond)
		err := sa.DoWithAction(ctx, "POST", "/permissions", []byte(body), tok, nil)
		wantStatus(t, err, http.StatusForbidden)
	})
	t.Run("login token", func(t *testing.T) {
		env := apitest.New(t, func(c *app.Config) { c.LoginTTL = time.Second })
		root := env.Root(t)
		if err := root.Do(ctx, "GET", "/auth/users", nil, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(7 * time.Second) // past expiry plus the 5 s leeway
		wantStatus(t, root.Do(ctx, "GET", "/auth/users", nil, nil), http.StatusUnauthorized)
	})
}

func TestChallengeSingleUse(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	ch, err := sa.ActionInit(ctx, "POST", "/permissions", []byte(permBody("twice")))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := sa.Signer.Sign(ctx, ch)
	if _, err := sa.ActionComplete(ctx, ch.ChallengeIdentifier, a); err != nil {
		t.Fatal(err)
	}
	_, err = sa.ActionComplete(ctx, ch.ChallengeIdentifier, a)
	wantStatus(t, err, http.StatusBadRequest)
}

// signWith completes a challenge issued to id with an assertion made by
// signer (another credential, key or credId).
func signWith(t *testing.T, id *apitest.Identity, signer *client.KeySigner) error {
	t.Helper()
	ch, err := id.ActionInit(ctx, "POST", "/permissions", []byte(permBody("x")))
	if err != nil {
		t.Fatal(err)
	}
	// Let the foreign signer answer even when its credId is not listed.
	ch.AllowCredentials.Key = append(ch.AllowCredentials.Key, client.AllowCredential{Type: "public-key", ID: signer.CredID})
	a, err := signer.Sign(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	_, err = id.ActionComplete(ctx, ch.ChallengeIdentifier, a)
	return err
}

func TestCredentialChecks(t *testing.T) {
	env := apitest.New(t)
	alice := env.User(t, pemkey.P256, "Wallets:Read")
	bob := env.User(t, pemkey.Ed25519, "Wallets:Read")
	stranger, _ := pemkey.Generate(pemkey.Ed25519)

	t.Run("credential of another user", func(t *testing.T) {
		wantStatus(t, signWith(t, alice, bob.Signer), http.StatusUnauthorized)
	})
	t.Run("unknown key for a known credId", func(t *testing.T) {
		wantStatus(t, signWith(t, alice, &client.KeySigner{CredID: alice.Signer.CredID, Key: stranger}), http.StatusUnauthorized)
	})
	t.Run("unknown credId", func(t *testing.T) {
		wantStatus(t, signWith(t, alice, &client.KeySigner{CredID: "nope", Key: stranger}), http.StatusUnauthorized)
	})
	t.Run("service account with a user's credential", func(t *testing.T) {
		wantStatus(t, signWith(t, env.SA(t), env.Root(t).Signer), http.StatusUnauthorized)
	})
	t.Run("own credential works", func(t *testing.T) {
		wantStatus(t, signWith(t, alice, alice.Signer), 0)
	})
}

// addKeyCredential registers a second Key credential for id and returns a
// signer for it and its uuid.
// credSeq makes the credential ids of addKeyCredential unique in an org.
var credSeq atomic.Int64

func addKeyCredential(t *testing.T, id *apitest.Identity, algo pemkey.Algo) (*client.KeySigner, string) {
	t.Helper()
	var ch client.RegistrationChallenge
	if err := id.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Key"}, &ch); err != nil {
		t.Fatal(err)
	}
	k, _ := pemkey.Generate(algo)
	s := &client.KeySigner{CredID: fmt.Sprintf("second-%s-%d", algo, credSeq.Add(1)), Key: k}
	info, err := s.Attest(ch.Challenge)
	if err != nil {
		t.Fatal(err)
	}
	var cred struct {
		CredentialUUID string `json:"credentialUuid"`
		Kind           string `json:"kind"`
		IsActive       bool   `json:"isActive"`
	}
	err = id.Do(ctx, "POST", "/auth/credentials", map[string]any{
		"credentialKind": "Key", "credentialInfo": info, "credentialName": "second", "challengeIdentifier": ch.ChallengeIdentifier,
	}, &cred)
	if err != nil {
		t.Fatalf("create credential: %v", err)
	}
	if cred.Kind != "Key" || !cred.IsActive || cred.CredentialUUID == "" {
		t.Fatalf("credential: %+v", cred)
	}
	return s, cred.CredentialUUID
}

func TestDeactivatedCredential(t *testing.T) {
	env := apitest.New(t)
	alice := env.User(t, pemkey.Secp256k1, "Permissions:Create")
	second, uuid := addKeyCredential(t, alice, pemkey.RSA)
	wantStatus(t, signWith(t, alice, second), 0)

	// An action signed now but used after deactivation is refused too.
	body := permBody("after-deactivation")
	ch, _ := alice.ActionInit(ctx, "POST", "/permissions", []byte(body))
	a, _ := second.Sign(ctx, ch)
	pending, err := alice.ActionComplete(ctx, ch.ChallengeIdentifier, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.Do(ctx, "PUT", "/auth/credentials/deactivate", map[string]string{"credentialUuid": uuid}, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, signWith(t, alice, second), http.StatusUnauthorized)
	wantStatus(t, alice.DoWithAction(ctx, "POST", "/permissions", []byte(body), pending, nil), http.StatusForbidden)

	if err := alice.Do(ctx, "PUT", "/auth/credentials/activate", map[string]string{"credentialUuid": uuid}, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, signWith(t, alice, second), 0)
}

func TestArchiveCredential(t *testing.T) {
	env := apitest.New(t)
	alice := env.User(t, pemkey.Ed25519, "Permissions:Create")
	second, uuid := addKeyCredential(t, alice, pemkey.P256)
	var list struct {
		Items []struct {
			CredentialUUID string `json:"credentialUuid"`
		} `json:"items"`
	}
	if err := alice.Do(ctx, "GET", "/auth/credentials", nil, &list); err != nil || len(list.Items) != 2 {
		t.Fatalf("list: %v %+v", err, list)
	}
	if err := alice.Do(ctx, "DELETE", "/auth/credentials/"+uuid, nil, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, signWith(t, alice, second), http.StatusUnauthorized)
	// The last active credential stays.
	first := list.Items[0].CredentialUUID
	if first == uuid {
		first = list.Items[1].CredentialUUID
	}
	wantStatus(t, alice.Do(ctx, "DELETE", "/auth/credentials/"+first, nil, nil), http.StatusBadRequest)
	wantStatus(t, alice.Do(ctx, "PUT", "/auth/credentials/deactivate", map[string]string{"credentialUuid": first}, nil), http.StatusBadRequest)
	// Another user's credential is not found.
	bob := env.User(t, pemkey.Ed25519)
	wantStatus(t, bob.Do(ctx, "DELETE", "/auth/credentials/"+first, nil, nil), http.StatusNotFound)
}

func TestPruneKeepsAuditLog(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	body := permBody("pruned")
	if err := sa.Do(ctx, "POST", "/permissions", body, nil); err != nil {
		t.Fatal(err)
	}
	unused := signedAction(t, sa, "POST", "/permissions", permBody("never-used"))
	n, err := env.App.DB.Prune(ctx, time.Now().Add(time.Hour), time.Time{})
	if err != nil || n < 1 {
		t.Fatalf("pruned %d rows: %v", n, err)
	}
	// The unconsumed action is gone, the consumed one is still in the log.
	wantStatus(t, sa.DoWithAction(ctx, "POST", "/permissions", []byte(permBody("never-used")), unused, nil), http.StatusForbidden)
	var logs struct {
		Items []map[string]any `json:"items"`
	}
	if err := sa.Do(ctx, "GET", "/auth/action/logs?startTime=2000-01-01T00:00:00Z", nil, &logs); err != nil || len(logs.Items) != 1 {
		t.Fatalf("audit log after prune: %v %d", err, len(logs.Items))
	}
}

// A correctly signed bearer for a PAT that is not the string issued for it
// (only its hash is stored) is refused: the signature alone does not make a
// long-lived token.
// A credential deactivated between action init and completion cannot
// complete the challenge it was allowed for.
func TestCredentialDeactivatedDuringChallenge(t *testing.T) {
	env := apitest.New(t)
	alice := env.User(t, pemkey.Ed25519, "Permissions:Create")
	second, uuid := addKeyCredential(t, alice, pemkey.P256)
	ch, err := alice.ActionInit(ctx, "POST", "/permissions", []byte(permBody("race")))
	if err != nil {
		t.Fatal(err)
	}
	a, err := second.Sign(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if err := alice.Do(ctx, "PUT", "/auth/credentials/deactivate", map[string]string{"credentialUuid": uuid}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = alice.ActionComplete(ctx, ch.ChallengeIdentifier, a)
	wantStatus(t, err, http.StatusUnauthorized)
}
