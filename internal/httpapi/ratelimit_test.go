package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// send makes one raw request (token "" for none) and returns the status,
// the Retry-After header and the body.
func send(t *testing.T, hc *http.Client, method, url, token, body string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Retry-After"), b
}

// count429 sends n requests and returns how many got 429; each 429 must
// carry the Dfns error body and a Retry-After of 1..maxWait seconds.
func count429(t *testing.T, n, maxWait int, do func() (int, string, []byte)) (ok, limited int) {
	t.Helper()
	for range n {
		status, ra, body := do()
		switch status {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
			if s, err := strconv.Atoi(ra); err != nil || s < 1 || s > maxWait {
				t.Fatalf("429 with Retry-After %q, want 1..%d", ra, maxWait)
			}
			var e apierr.Body
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Status != 429 || e.Error.ID == "" || e.Error.Message == "" {
				t.Fatalf("429 body is not the Dfns error shape: %s", body)
			}
		default:
			t.Fatalf("status %d: %s", status, body)
		}
	}
	return ok, limited
}

// regained bounds how many requests a budget of perMinute can regain
// while a test that started at start runs (the limiter is real-time).
func regained(perMinute int, start time.Time) int {
	return int(time.Since(start)*time.Duration(perMinute)/time.Minute) + 1
}

func TestRateLimitPerOrg(t *testing.T) {
	env := apitest.New(t, apitest.RateLimits(20, 0, 0))
	sa := env.SA(t)
	other := env.OtherOrg(t) // logs in on a public route: not budgeted by org
	start := time.Now()
	ok, limited := count429(t, 30, 3, func() (int, string, []byte) {
		return send(t, env.HTTP, "GET", env.URL+"/wallets", sa.AuthToken, "")
	})
	if ok < 20 || ok > 20+regained(20, start) || ok+limited != 30 {
		t.Fatalf("%d answered, %d refused; want the budget of 20 answered and the rest refused", ok, limited)
	}
	// Another organisation has its own budget.
	if status, _, body := send(t, env.HTTP, "GET", env.URL+"/wallets", other.AuthToken, ""); status != 200 {
		t.Fatalf("other organisation: %d %s", status, body)
	}
	// The refusals are counted by limiter.
	_, _, metrics := send(t, env.HTTP, "GET", env.URL+"/metrics", "", "")
	if !strings.Contains(string(metrics), `custos_rate_limited_total{limiter="organisation"} `+strconv.Itoa(limited)) {
		t.Fatalf("metrics do not count %d organisation refusals", limited)
	}
}

func TestRateLimitPerIdentity(t *testing.T) {
	env := apitest.New(t, apitest.RateLimits(1000, 5, 0))
	sa := env.SA(t)
	root := env.Root(t)
	start := time.Now()
	ok, limited := count429(t, 12, 12, func() (int, string, []byte) {
		return send(t, env.HTTP, "GET", env.URL+"/wallets", sa.AuthToken, "")
	})
	if ok < 5 || ok > 5+regained(5, start) || ok+limited != 12 {
		t.Fatalf("%d answered, %d refused; want the identity budget of 5 answered", ok, limited)
	}
	// Another identity of the same organisation still passes.
	for i := range 5 {
		if status, _, body := send(t, env.HTTP, "GET", env.URL+"/wallets", root.AuthToken, ""); status != 200 {
			t.Fatalf("root request %d: %d %s", i, status, body)
		}
	}
}

func TestRateLimitPerAddress(t *testing.T) {
	env := apitest.New(t, apitest.RateLimits(1000, 0, 10))
	body := `{"username":"` + env.Admin.User.Username + `","orgId":"` + env.Admin.OrgID + `"}`
	start := time.Now()
	ok, limited := count429(t, 25, 6, func() (int, string, []byte) {
		return send(t, env.HTTP, "POST", env.URL+"/auth/login/init", "", body)
	})
	if ok < 10 || ok > 10+regained(10, start) || ok+limited != 25 {
		t.Fatalf("%d answered, %d refused; want the address budget of 10 answered", ok, limited)
	}
	// Health probes are not budgeted.
	for range 20 {
		if status, _, b := send(t, env.HTTP, "GET", env.URL+"/healthz", "", ""); status != 200 {
			t.Fatalf("healthz: %d %s", status, b)
		}
	}
	// Another address has its own budget.
	if hc := fromAddr(t, "127.0.0.2"); hc != nil {
		if status, _, b := send(t, hc, "POST", env.URL+"/auth/login/init", "", body); status != 200 {
			t.Fatalf("login init from another address: %d %s", status, b)
		}
	}
}

// TestRateLimitZeroIsOff: with the organisation budget 0, no limit applies
// even where the others are set.
func TestRateLimitZeroIsOff(t *testing.T) {
	env := apitest.New(t, apitest.RateLimits(0, 1, 1))
	sa := env.SA(t)
	body := `{"username":"` + env.Admin.User.Username + `","orgId":"` + env.Admin.OrgID + `"}`
	for i := range 30 {
		if status, _, b := send(t, env.HTTP, "GET", env.URL+"/wallets", sa.AuthToken, ""); status != 200 {
			t.Fatalf("request %d: %d %s", i, status, b)
		}
		if status, _, b := send(t, env.HTTP, "POST", env.URL+"/auth/login/init", "", body); status != 200 {
			t.Fatalf("login init %d: %d %s", i, status, b)
		}
	}
}

// fromAddr returns a client whose connections come from local address ip
// (another loopback address), or nil where that cannot be dialed.
func fromAddr(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", "127.0.0.1:1")
	if c != nil {
		c.Close()
	}
	if err != nil && strings.Contains(err.Error(), "assign requested address") {
		t.Logf("cannot dial from %s: %v", ip, err)
		return nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	return hc
}

// frozenClock is a backoff clock the test advances.
type frozenClock struct{ ns atomic.Int64 }

func (c *frozenClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *frozenClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// login runs login init and login for the root user through hc with signer,
// returning the status and Retry-After of POST /auth/login.
func login(t *testing.T, env *apitest.Env, hc *http.Client, s *client.KeySigner) (int, string) {
	t.Helper()
	var ch client.Challenge
	c := client.New(env.URL, "", nil)
	c.HTTP = hc
	if err := c.Do(context.Background(), "POST", "/auth/login/init", map[string]string{"username": env.Admin.User.Username, "orgId": env.Admin.OrgID}, &ch); err != nil {
		t.Fatalf("login init: %v", err)
	}
	a, err := s.Sign(context.Background(), &ch)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"challengeIdentifier": ch.ChallengeIdentifier, "firstFactor": a})
	status, ra, _ := send(t, hc, "POST", env.URL+"/auth/login", "", string(b))
	return status, ra
}

func TestLoginBackoff(t *testing.T) {
	env := apitest.New(t) // rate limits off: the backoff is always on
	clock := &frozenClock{}
	clock.ns.Store(time.Now().UnixNano())
	env.App.Auth.SetBackoffClock(clock.now)
	right, err := client.NewKeySigner(env.Admin.User.CredID, env.Admin.User.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := pemkey.Generate(pemkey.Ed25519)
	wrong := &client.KeySigner{CredID: env.Admin.User.CredID, Key: k}

	for i := range 5 {
		if status, _ := login(t, env, env.HTTP, wrong); status != http.StatusUnauthorized {
			t.Fatalf("wrong key %d: status %d, want 401", i+1, status)
		}
	}
	// Now even the right key is refused, before verification, for 1 s.
	status, ra := login(t, env, env.HTTP, right)
	if status != http.StatusTooManyRequests || ra != "1" {
		t.Fatalf("right key after 5 failures: status %d Retry-After %q, want 429 and 1", status, ra)
	}
	// The user from another address is not held back.
	if hc := fromAddr(t, "127.0.0.2"); hc != nil {
		if status, _ := login(t, env, hc, right); status != http.StatusOK {
			t.Fatalf("right key from another address: status %d", status)
		}
	}
	// Another failure after the wait doubles it.
	clock.advance(time.Second)
	if status, _ := login(t, env, env.HTTP, wrong); status != http.StatusUnauthorized {
		t.Fatalf("wrong key after the wait: status %d", status)
	}
	if status, ra := login(t, env, env.HTTP, right); status != http.StatusTooManyRequests || ra != "2" {
		t.Fatalf("after 6 failures: status %d Retry-After %q, want 429 and 2", status, ra)
	}
	// After the backoff the right key works, and the success resets it.
	clock.advance(2 * time.Second)
	if status, _ := login(t, env, env.HTTP, right); status != http.StatusOK {
		t.Fatalf("right key after the backoff: status %d", status)
	}
	for i := range 4 {
		if status, _ := login(t, env, env.HTTP, wrong); status != http.StatusUnauthorized {
			t.Fatalf("wrong key %d after a success: status %d, want 401 (reset)", i+1, status)
		}
	}
	if status, _ := login(t, env, env.HTTP, right); status != http.StatusOK {
		t.Fatalf("right key after 4 failures: status %d", status)
	}
	_, _, metrics := send(t, env.HTTP, "GET", env.URL+"/metrics", "", "")
	if !strings.Contains(string(metrics), `custos_rate_limited_total{limiter="login_backoff"} 2`) {
		t.Fatal("metrics do not count the 2 login backoff refusals")
	}
}

func TestActionSignatureBackoff(t *testing.T) {
	env := apitest.New(t)
	clock := &frozenClock{}
	clock.ns.Store(time.Now().UnixNano())
	env.App.Auth.SetBackoffClock(clock.now)
	sa := env.SA(t)
	k, _ := pemkey.Generate(pemkey.Ed25519)
	wrong := &client.KeySigner{CredID: sa.Signer.CredID, Key: k}
	complete := func(s *client.KeySigner) int {
		ch, err := sa.ActionInit(ctx, "POST", "/permissions", []byte(permBody("backoff")))
		if err != nil {
			t.Fatalf("action init: %v", err)
		}
		a, err := s.Sign(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sa.ActionComplete(ctx, ch.ChallengeIdentifier, a)
		return apitest.Status(err)
	}
	for i := range 5 {
		if st := complete(wrong); st != http.StatusUnauthorized && st != http.StatusForbidden {
			t.Fatalf("wrong signature %d: status %d, want 401/403", i+1, st)
		}
	}
	if st := complete(sa.Signer); st != http.StatusTooManyRequests {
		t.Fatalf("right signature after 5 failures: status %d, want 429", st)
	}
	clock.advance(time.Second)
	if st := complete(sa.Signer); st != 0 {
		t.Fatalf("right signature after the backoff: status %d", st)
	}
}
