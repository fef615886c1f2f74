package httpapi_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
)

// TestLogoutAllThenLogin: after a logout of all sessions, a login made
// right away works (the same second included), and every token from
// before stays refused.
func TestLogoutAllThenLogin(t *testing.T) {
	env := apitest.New(t)
	cur := env.Root(t)
	var old []*apitest.Identity
	for i := range 20 {
		if err := cur.Do(ctx, "PUT", "/auth/logout", map[string]bool{"allSessions": true}, nil); err != nil {
			t.Fatalf("round %d: logout all: %v", i, err)
		}
		old = append(old, cur)
		cur = env.Root(t)
		if err := cur.Do(ctx, "GET", "/auth/credentials", nil, nil); err != nil {
			t.Fatalf("round %d: a login right after logging out everywhere is refused: %v", i, err)
		}
		for j, o := range old {
			wantStatusAt(t, o.Do(ctx, "GET", "/auth/credentials", nil, nil), http.StatusUnauthorized, "round", i, "old token", j)
		}
	}
}

func wantStatusAt(t *testing.T, err error, want int, where ...any) {
	t.Helper()
	if got := apitest.Status(err); got != want {
		t.Fatalf("%v: status %d, want %d (err: %v)", where, got, want, err)
	}
}

// TestAuthBeforeBody: an oversize body with a bad bearer is a 401, not a
// 400 about the body; the Bearer scheme is case-insensitive.
func TestAuthBeforeBody(t *testing.T) {
	env := apitest.New(t)
	big := bytes.Repeat([]byte("a"), 1<<20+10)
	for _, path := range []string{"/permissions", "/auth/action/init", "/keys/key-x/signatures"} {
		req, _ := http.NewRequest("POST", env.URL+path, bytes.NewReader(big))
		req.Header.Set("Authorization", "Bearer not-a-token")
		res, err := env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s with a %d-byte body and a bad token: %d, want 401", path, len(big), res.StatusCode)
		}
	}
	tok := env.Admin.ServiceAccount.AuthToken
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		req, _ := http.NewRequest("GET", env.URL+"/permissions", nil)
		req.Header.Set("Authorization", scheme+" "+tok)
		res, err := env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("scheme %q: %d, want 200", scheme, res.StatusCode)
		}
	}
}

// TestClientErrorsNotLoggedAsErrors: a flood of 501s (Dfns-only areas) and
// 4xx answers writes no ERROR line.
func TestClientErrorsNotLoggedAsErrors(t *testing.T) {
	var logs apitest.Logs
	env := apitest.New(t, apitest.LogTo(&logs))
	sa := env.SA(t)
	for range 50 {
		for _, path := range []string{"/exchanges", "/staking/x", "/swaps", "/networks/Canton/validators"} {
			wantStatus(t, sa.Do(ctx, "GET", path, nil, nil), http.StatusNotImplemented)
		}
		wantStatus(t, sa.Do(ctx, "GET", "/wallets/wa-nope", nil, nil), http.StatusNotFound)
		wantStatus(t, sa.Do(ctx, "GET", "/nope", nil, nil), http.StatusNotFound)
	}
	out := logs.String()
	if !strings.Contains(out, `"status":501`) {
		t.Fatalf("the 501s were not logged at all:\n%.2000s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Fatalf("client error logged at ERROR: %s", line)
		}
	}
}

func corsRequest(t *testing.T, env *apitest.Env, method, origin string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, env.URL+"/auth/users", nil)
	req.Header.Set("Origin", origin)
	if method == http.MethodOptions {
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	} else {
		req.Header.Set("Authorization", "Bearer "+env.Admin.ServiceAccount.AuthToken)
	}
	res, err := env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// TestCORSOnlyConfiguredOrigins: no origin is allowed by default; with
// --cors-origin the configured one is, others are not.
func TestCORSOnlyConfiguredOrigins(t *testing.T) {
	const good, evil = "https://app.example.com", "https://evil.example.com"
	def := apitest.New(t)
	for _, m := range []string{http.MethodGet, http.MethodOptions} {
		if h := corsRequest(t, def, m, evil).Header.Get("Access-Control-Allow-Origin"); h != "" {
			t.Errorf("default %s: Access-Control-Allow-Origin %q, want none", m, h)
		}
	}
	env := apitest.New(t, func(c *app.Config) { c.CORSOrigins = []string{good} })
	for _, m := range []string{http.MethodGet, http.MethodOptions} {
		res := corsRequest(t, env, m, good)
		if h := res.Header.Get("Access-Control-Allow-Origin"); h != good {
			t.Errorf("configured origin %s: Access-Control-Allow-Origin %q, want %q", m, h, good)
		}
		if m == http.MethodOptions && res.StatusCode != http.StatusNoContent {
			t.Errorf("preflight from the configured origin: %d", res.StatusCode)
		}
		if h := corsRequest(t, env, m, evil).Header.Get("Access-Control-Allow-Origin"); h != "" {
			t.Errorf("other origin %s: Access-Control-Allow-Origin %q, want none", m, h)
		}
	}
}

func getStatus(t *testing.T, hc *http.Client, url string) (int, string) {
	t.Helper()
	res, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestMetricsListener: with --metrics-addr, /metrics is served there and
// not on the API listener; without it, the API listener serves it.
func TestMetricsListener(t *testing.T) {
	def := apitest.New(t)
	if code, body := getStatus(t, def.HTTP, def.URL+"/metrics"); code != 200 || !strings.Contains(body, "custos_http_requests_in_flight") {
		t.Fatalf("default /metrics on the API listener: %d", code)
	}
	if def.App.MetricsURL() != "" {
		t.Fatalf("metrics listener without --metrics-addr: %s", def.App.MetricsURL())
	}
	env := apitest.New(t, func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
	if code, _ := getStatus(t, env.HTTP, env.URL+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("/metrics on the API listener with --metrics-addr: %d, want 404", code)
	}
	if code, body := getStatus(t, env.HTTP, env.App.MetricsURL()); code != 200 || !strings.Contains(body, "custos_http_requests_in_flight") {
		t.Fatalf("/metrics on the metrics listener: %d", code)
	}
}

// TestDataFilesOwnerOnly: the database, its WAL and the secrets in the
// data directory are mode 0600.
func TestDataFilesOwnerOnly(t *testing.T) {
	apitest.SQLiteOnly(t, "the modes of custos.db and its WAL files")
	env := apitest.New(t)
	createPerm(t, env.SA(t), "wal") // a write, so the WAL exists
	dir := env.App.Config.DataDir
	for _, name := range []string{"custos.db", "custos.db-wal", "custos.db-shm", "master.key", "admin.json", "custos.lock"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) && name == "custos.db-shm" {
			continue // exclusive locking mode keeps the WAL index in memory
		}
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", name, m)
		}
	}
}
