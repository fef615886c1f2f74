// Package apitest starts a real Custos (real router, real SQLite in a temp
// dir or, with CUSTOS_TEST_DIALECT=postgres, a fresh PostgreSQL database;
// bootstrapped organisation) for API tests, and gives them clients that
// speak the protocol as the SDKs do.
package apitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/pgtest"
)

// Env is one running server.
type Env struct {
	App   *app.App
	URL   string
	Admin *app.Admin
	HTTP  *http.Client
}

// Option changes the configuration of a test server.
type Option func(*app.Config)

// logSinks holds the log writers LogTo options name, keyed by the config
// being built (an Option only sees the config).
var logSinks sync.Map

// LogTo sends the server's logs, debug level included, to w (JSON lines);
// by default they are discarded. w must be safe for concurrent writes.
func LogTo(w io.Writer) Option {
	return func(c *app.Config) { logSinks.Store(c, w) }
}

// RateLimits turns the rate limits on: org requests per minute per
// organisation, identity per identity (0: the organisation's), ip per
// client address on unauthenticated endpoints (0: none).
func RateLimits(org, identity, ip int) Option {
	return func(c *app.Config) { c.RateLimit, c.RateLimitIdentity, c.RateLimitIP = org, identity, ip }
}

// New starts a server for t; it stops when t ends.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	cfg := app.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	// Rate limits are off unless a test turns them on (RateLimits).
	cfg.RateLimit = 0
	if pgtest.Selected(t) {
		// CUSTOS_TEST_DIALECT=postgres: a fresh PostgreSQL database
		// for this server (scripts/test runs the API suite so).
		cfg.DB = pgtest.NewDatabase(t)
	}
	for _, o := range opts {
		o(&cfg)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if w, ok := logSinks.LoadAndDelete(&cfg); ok {
		logger = slog.New(slog.NewJSONHandler(w.(io.Writer), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	if err := a.Listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	if _, err := a.Bootstrap(ctx); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	admin, err := app.ReadAdmin(filepath.Join(cfg.DataDir, "admin.json"))
	if err != nil {
		t.Fatalf("read admin.json: %v", err)
	}
	return serve(t, ctx, cancel, a, admin)
}

// serve serves a until t ends and returns its Env; cancel stops it.
func serve(t testing.TB, ctx context.Context, cancel context.CancelFunc, a *app.App, admin *app.Admin) *Env {
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(func() {
		// Connections dialed but never used would hold the graceful
		// shutdown for its five seconds.
		hc.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &Env{App: a, URL: a.BaseURL(), Admin: admin, HTTP: hc}
}

// Identity is a test identity: a client and the key behind it.
type Identity struct {
	*client.Client
	UserID string
	OrgID  string
	Key    *pemkey.PrivateKey
	Signer *client.KeySigner
}

// SA returns the bootstrap admin service account.
func (e *Env) SA(t testing.TB) *Identity {
	return e.saOf(t, e.Admin)
}

func (e *Env) saOf(t testing.TB, a *app.Admin) *Identity {
	t.Helper()
	s, err := client.NewKeySigner(a.ServiceAccount.CredID, a.ServiceAccount.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(e.URL, a.ServiceAccount.AuthToken, s)
	c.HTTP = e.HTTP
	return &Identity{Client: c, UserID: a.ServiceAccount.UserID, OrgID: a.OrgID, Key: s.Key, Signer: s}
}

// Root logs the bootstrap root user in and returns it.
func (e *Env) Root(t testing.TB) *Identity {
	return e.rootOf(t, e.Admin)
}

func (e *Env) rootOf(t testing.TB, a *app.Admin) *Identity {
	t.Helper()
	s, err := client.NewKeySigner(a.User.CredID, a.User.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := client.Login(context.Background(), e.HTTP, e.URL, a.OrgID, a.User.Username, s)
	if err != nil {
		t.Fatalf("root login: %v", err)
	}
	c := client.New(e.URL, tok, s)
	c.HTTP = e.HTTP
	return &Identity{Client: c, UserID: a.User.UserID, OrgID: a.OrgID, Key: s.Key, Signer: s}
}

// OtherOrg creates a second organisation and returns its root user.
func (e *Env) OtherOrg(t testing.TB) *Identity {
	t.Helper()
	a, err := e.App.NewOrganisation(context.Background(), "Other")
	if err != nil {
		t.Fatal(err)
	}
	return e.rootOf(t, a)
}

var seq atomic.Int64

// User creates (as the admin service account) a user with a fresh key of
// algorithm algo and a permission holding ops, logs it in and returns it.
func (e *Env) User(t testing.TB, algo pemkey.Algo, ops ...string) *Identity {
	t.Helper()
	ctx := context.Background()
	sa := e.SA(t)
	key, err := pemkey.Generate(algo)
	if err != nil {
		t.Fatal(err)
	}
	n := seq.Add(1)
	email := fmt.Sprintf("user%d-", n) + "" + time.Now().Format("150405.000000") + "@example.com"
	var u struct {
		UserID string `json:"userId"`
	}
	if err := sa.Do(ctx, "POST", "/auth/users", map[string]any{"email": email, "kind": "CustomerEmployee", "publicKey": key.Public().MarshalPEM()}, &u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	if len(ops) > 0 {
		var p struct {
			ID string `json:"id"`
		}
		if err := sa.Do(ctx, "POST", "/permissions", map[string]any{"name": "perm-" + email, "operations": ops}, &p); err != nil {
			t.Fatalf("create permission: %v", err)
		}
		if err := sa.Do(ctx, "POST", "/permissions/"+p.ID+"/assignments", map[string]any{"identityId": u.UserID}, nil); err != nil {
			t.Fatalf("assign permission: %v", err)
		}
	}
	// The user's credential id is listed in its login challenge.
	var ch client.Challenge
	if err := client.New(e.URL, "", nil).Do(ctx, "POST", "/auth/login/init", map[string]string{"username": email, "orgId": e.Admin.OrgID}, &ch); err != nil {
		t.Fatalf("login init: %v", err)
	}
	if len(ch.AllowCredentials.Key) != 1 {
		t.Fatalf("new user has %d key credentials", len(ch.AllowCredentials.Key))
	}
	s := &client.KeySigner{CredID: ch.AllowCredentials.Key[0].ID, Key: key}
	tok, err := client.Login(ctx, e.HTTP, e.URL, e.Admin.OrgID, email, s)
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	c := client.New(e.URL, tok, s)
	c.HTTP = e.HTTP
	return &Identity{Client: c, UserID: u.UserID, OrgID: e.Admin.OrgID, Key: key, Signer: s}
}

// Status returns the HTTP status of err (0 for nil, -1 for a non-API error).
func Status(err error) int {
	if err == nil {
		return 0
	}
	var e *client.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return -1
}

// SQLiteOnly skips t when the suite runs on PostgreSQL
// (CUSTOS_TEST_DIALECT=postgres): it asserts facts of the SQLite files.
func SQLiteOnly(t testing.TB, what string) {
	t.Helper()
	if pgtest.Selected(t) {
		t.Skip("SQLite only: " + what)
	}
}
