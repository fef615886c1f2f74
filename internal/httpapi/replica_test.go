package httpapi_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// Two replicas on one PostgreSQL database (docs/replicas.md). Each test
// warms replica A's caches first, changes something on B, and asks A at
// once: a revocation takes effect on every replica before the write that
// causes it returns.

// on returns id's client pointed at env (another replica).
func on(env *apitest.Env, id *apitest.Identity) *apitest.Identity {
	c := *id.Client
	c.BaseURL, c.HTTP = env.URL, env.HTTP
	cp := *id
	cp.Client = &c
	return &cp
}

// Each revocation test repeats its check: a replica's poll of the shared
// generation may land between the write and the check by chance, so one
// check alone could miss a write that returned too early.
const revocationRounds = 8

func TestReplicaLogoutAtOnce(t *testing.T) {
	a := apitest.New(t, onPostgres(t))
	b := a.Replica(t)
	for range revocationRounds {
		alice := a.User(t, pemkey.Ed25519, "Wallets:Read")
		for range 2 { // the second answer comes from A's cache
			wantStatus(t, alice.Do(ctx, "GET", "/wallets", nil, nil), 0)
		}
		wantStatus(t, on(b, alice).Do(ctx, "PUT", "/auth/logout", map[string]any{}, nil), 0)
		wantStatus(t, alice.Do(ctx, "GET", "/wallets", nil, nil), http.StatusUnauthorized)
	}
}

func TestReplicaCredentialDeactivatedAtOnce(t *testing.T) {
	a := apitest.New(t, onPostgres(t))
	b := a.Replica(t)
	for range revocationRounds {
		alice := a.User(t, pemkey.Secp256k1, "Permissions:Create")
		second, uuid := addKeyCredential(t, alice, pemkey.Ed25519)
		wantStatus(t, signWith(t, alice, second), 0)
		wantStatus(t, signWith(t, alice, second), 0)
		wantStatus(t, on(b, alice).Do(ctx, "PUT", "/auth/credentials/deactivate", map[string]string{"credentialUuid": uuid}, nil), 0)
		wantStatus(t, signWith(t, alice, second), http.StatusUnauthorized)
	}
}

func TestReplicaPermissionRevokedAtOnce(t *testing.T) {
	a := apitest.New(t, onPostgres(t))
	b := a.Replica(t)
	sa := a.SA(t)
	alice := a.User(t, pemkey.Ed25519)
	permID := createPerm(t, sa, "replica-read")
	for range revocationRounds {
		var asg struct {
			ID string `json:"id"`
		}
		wantStatus(t, sa.Do(ctx, "POST", "/permissions/"+permID+"/assignments", map[string]any{"identityId": alice.UserID}, &asg), 0)
		for range 2 {
			wantStatus(t, alice.Do(ctx, "GET", "/wallets", nil, nil), 0)
		}
		wantStatus(t, on(b, sa).Do(ctx, "DELETE", "/permissions/"+permID+"/assignments/"+asg.ID, nil, nil), 0)
		wantStatus(t, alice.Do(ctx, "GET", "/wallets", nil, nil), http.StatusForbidden)
	}
}

// trials is the number of races a test runs: CUSTOS_REPLICA_TRIALS, or def.
func trials(t *testing.T, def int) int {
	if v := os.Getenv("CUSTOS_REPLICA_TRIALS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("CUSTOS_REPLICA_TRIALS=%q", v)
		}
		return n
	}
	return def
}

// race sends the two calls at once and returns their statuses.
func race(f, g func() error) (int, int) {
	var wg sync.WaitGroup
	var sf, sg int
	start := make(chan struct{})
	wg.Go(func() { <-start; sf = apitest.Status(f()) })
	wg.Go(func() { <-start; sg = apitest.Status(g()) })
	close(start)
	wg.Wait()
	return sf, sg
}

// One user action sent to both replicas at once is accepted exactly once:
// a signature request, so that the trials make no write that waits for the
// other replica's cache (docs/replicas.md).
func TestReplicaUserActionRace(t *testing.T) {
	a := apitest.New(t, onPostgres(t))
	b := a.Replica(t)
	sa := a.SA(t)
	saB := on(b, sa)
	var k struct {
		ID string `json:"id"`
	}
	wantStatus(t, sa.Do(ctx, "POST", "/keys", map[string]string{"scheme": "ECDSA", "curve": "secp256k1"}, &k), 0)
	path := "/keys/" + k.ID + "/signatures"
	n := trials(t, 1000)
	for i := range n {
		body := fmt.Sprintf(`{"kind":"Hash","hash":"0x%064x"}`, i)
		tok := signedAction(t, sa, "POST", path, body)
		sf, sg := race(
			func() error { return sa.DoWithAction(ctx, "POST", path, []byte(body), tok, nil) },
			func() error { return saB.DoWithAction(ctx, "POST", path, []byte(body), tok, nil) })
		if (sf == 0) == (sg == 0) || max(sf, sg) != http.StatusBadRequest {
			t.Fatalf("trial %d: statuses %d and %d, want one success and one 400", i, sf, sg)
		}
	}
	t.Logf("%d trials, one success each", n)
}

// One login challenge completed on both replicas at once yields one token.
func TestReplicaChallengeRace(t *testing.T) {
	a := apitest.New(t, onPostgres(t))
	b := a.Replica(t)
	s, err := client.NewKeySigner(a.Admin.User.CredID, a.Admin.User.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	anon := client.New(a.URL, "", nil)
	anon.HTTP = a.HTTP
	anonB := client.New(b.URL, "", nil)
	anonB.HTTP = b.HTTP
	n := trials(t, 1000) / 4
	for i := range n {
		var ch client.Challenge
		if err := anon.Do(ctx, "POST", "/auth/login/init", map[string]string{"username": a.Admin.User.Username, "orgId": a.Admin.OrgID}, &ch); err != nil {
			t.Fatal(err)
		}
		as, err := s.Sign(ctx, &ch)
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"challengeIdentifier": ch.ChallengeIdentifier, "firstFactor": as}
		sf, sg := race(
			func() error { return anon.Do(ctx, "POST", "/auth/login", body, nil) },
			func() error { return anonB.Do(ctx, "POST", "/auth/login", body, nil) })
		if (sf == 0) == (sg == 0) || max(sf, sg) >= 500 {
			t.Fatalf("trial %d: statuses %d and %d, want one token and one refusal", i, sf, sg)
		}
	}
	t.Logf("%d login races, one token each", n)
}
