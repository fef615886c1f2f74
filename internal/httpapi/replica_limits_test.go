package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/pgtest"
)

// onPostgres puts a test server on a fresh PostgreSQL database even when
// the suite runs on SQLite (it skips the test when there is no server).
func onPostgres(t *testing.T) apitest.Option {
	return func(c *app.Config) {
		if c.DB == "" {
			c.DB = pgtest.NewDatabase(t)
		}
	}
}

// Two replicas on one PostgreSQL database spend one organisation budget:
// requests alternating between them are admitted up to the budget once,
// not once per replica (docs/security.md, "Rate limits and backoff").
func TestReplicasShareRateLimit(t *testing.T) {
	a := apitest.New(t, onPostgres(t), apitest.RateLimits(20, 0, 0))
	b := a.Replica(t)
	sa := a.SA(t)
	start := time.Now()
	i := 0
	ok, limited := count429(t, 40, 3, func() (int, string, []byte) {
		env := a
		if i++; i%2 == 0 {
			env = b
		}
		return send(t, env.HTTP, "GET", env.URL+"/wallets", sa.AuthToken, "")
	})
	if ok < 20 || ok > 20+regained(20, start) || ok+limited != 40 {
		t.Fatalf("two replicas answered %d and refused %d of 40; want the one budget of 20 answered", ok, limited)
	}
}

// Failed logins on one replica hold the user back on the other.
func TestReplicasShareLoginBackoff(t *testing.T) {
	a := apitest.New(t, onPostgres(t))
	b := a.Replica(t)
	clock := &frozenClock{}
	clock.ns.Store(time.Now().UnixNano())
	a.App.Auth.SetBackoffClock(clock.now)
	b.App.Auth.SetBackoffClock(clock.now)
	right, err := client.NewKeySigner(a.Admin.User.CredID, a.Admin.User.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := pemkey.Generate(pemkey.Ed25519)
	wrong := &client.KeySigner{CredID: a.Admin.User.CredID, Key: k}
	if status, _ := login(t, b, b.HTTP, right); status != http.StatusOK { // b has looked
		t.Fatalf("right key on B: status %d", status)
	}
	for i := range 6 {
		if i == 5 {
			clock.advance(time.Second) // the wait after 5 failures
		}
		if status, _ := login(t, a, a.HTTP, wrong); status != http.StatusUnauthorized {
			t.Fatalf("wrong key %d on A: status %d, want 401", i+1, status)
		}
	}
	clock.advance(time.Second) // B rereads the users with recent failures
	if status, ra := login(t, b, b.HTTP, right); status != http.StatusTooManyRequests || ra != "1" {
		t.Fatalf("right key on B after 6 failures on A: status %d Retry-After %q, want 429 and 1", status, ra)
	}
	clock.advance(time.Second)
	if status, _ := login(t, b, b.HTTP, right); status != http.StatusOK {
		t.Fatalf("right key on B after the backoff: status %d", status)
	}
	// The success on B reset the user on A too.
	for i := range 5 {
		if status, _ := login(t, a, a.HTTP, wrong); status != http.StatusUnauthorized {
			t.Fatalf("wrong key %d on A after the success on B: status %d, want 401", i+1, status)
		}
	}
}
