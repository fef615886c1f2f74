package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pgtest"
)

// startApp serves cfg until the returned stop is called (or the test
// ends): stop cancels Serve at once, abandoning deliveries in flight, and
// closes the database, as an abrupt shutdown would.
func startApp(t *testing.T, cfg app.Config, bootstrap bool) (*apitest.Env, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	if err := a.Listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	if bootstrap {
		if _, err := a.Bootstrap(ctx); err != nil {
			t.Fatalf("bootstrap: %v", err)
		}
	}
	admin, err := app.ReadAdmin(filepath.Join(cfg.DataDir, "admin.json"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		hc.CloseIdleConnections()
		cancel()
		<-done
		a.Close()
	}
	t.Cleanup(stop)
	return &apitest.Env{App: a, URL: a.BaseURL(), Admin: admin, HTTP: hc}, stop
}

// TestWebhookEventsSurviveAStop: events written with their changes while
// the receiver hangs are all delivered by the next server on the same
// database, those abandoned mid-delivery included (SQLite and, with
// CUSTOS_TEST_DIALECT=postgres, PostgreSQL).
func TestWebhookEventsSurviveAStop(t *testing.T) {
	cfg := app.Defaults()
	cfg.DataDir, cfg.Addr, cfg.RateLimit = t.TempDir(), "127.0.0.1:0", 0
	cfg.WebhookAllowPrivate, cfg.WebhookTimeout = true, time.Second
	if pgtest.Selected(t) {
		cfg.DB = pgtest.NewDatabase(t)
	}
	rc := newReceiver(t)
	hang := make(chan struct{})
	rc.hang.Store(&hang)

	env, stop := startApp(t, cfg, true)
	sa := env.SA(t)
	wh, secret := createWebhook(t, sa, rc.URL, "wallet.created")
	const n = 12 // more than the worker's concurrency: some are never claimed
	wallets := map[string]bool{}
	for range n {
		// Answered at once although no delivery completes.
		wallets[createWallet(t, sa, map[string]any{"network": "EthereumSepolia"}).ID] = true
	}
	waitFor(t, "a delivery in flight", func() bool { return rc.arrived.Load() > 0 })
	stop()
	if got := len(rc.deliveries()); got != 0 {
		t.Fatalf("%d deliveries completed before the stop", got)
	}

	rc.hang.Store(nil)
	close(hang)
	env, _ = startApp(t, cfg, false)
	sa = env.SA(t)
	waitFor(t, "every event delivered", func() bool {
		seen := map[string]bool{}
		for _, d := range rc.deliveries() {
			var w struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(d.Event.Data["wallet"], &w)
			seen[w.ID] = true
		}
		for id := range wallets {
			if !seen[id] {
				return false
			}
		}
		return true
	})
	for _, d := range rc.deliveries() {
		verify(t, secret, d)
	}
	waitFor(t, "every outcome recorded", func() bool {
		return attempted(t, sa, wh.ID, "&deliveryFailed=false") == n
	})
	for _, e := range webhookEvents(t, sa, wh.ID, "") {
		if e.Status != "200" || e.DeliveryFailed || e.DeliveryAttempt != 1 {
			t.Fatalf("event %+v", e)
		}
	}
}

// TestWebhookReplicasDeliverOnce: two servers on one PostgreSQL database
// both run the delivery worker; every event is delivered once (claims
// skip the rows another server holds). Skipped on SQLite.
func TestWebhookReplicasDeliverOnce(t *testing.T) {
	env := apitest.New(t, allowPrivate())
	env.Replica(t)
	sa := env.SA(t)
	rc := newReceiver(t)
	wh, _ := createWebhook(t, sa, rc.URL, "*")
	const n = 20
	for range n {
		createKey(t, sa, map[string]any{"scheme": "EdDSA", "curve": "ed25519"})
	}
	// Once an outcome is recorded the event can no longer be claimed.
	waitFor(t, "every outcome recorded", func() bool {
		return attempted(t, sa, wh.ID, "&deliveryFailed=false") == n
	})
	seen := map[string]int{}
	for _, d := range rc.deliveries() {
		seen[d.Event.ID]++
		if seen[d.Event.ID] > 1 {
			t.Fatalf("event %s delivered twice", d.Event.ID)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d events delivered, want %d", len(seen), n)
	}
}

// TestWebhookSubscriptionsFollowWrites: the cached list of an org's
// webhooks (read by every change that records events; signature requests
// write nothing else a cached read depends on) follows webhook writes: a
// webhook created after events were emitted for the org gets the next
// ones, and one that unsubscribes stops getting them.
func TestWebhookSubscriptionsFollowWrites(t *testing.T) {
	env := apitest.New(t, allowPrivate())
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	sign := func() sigReqJSON {
		return signWallet(t, sa, w, map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("cd", 32)})
	}
	sign() // the org has no webhook yet: its empty list is cached
	rc := newReceiver(t)
	wh, _ := createWebhook(t, sa, rc.URL, "wallet.signature.signed")
	sig := sign()
	waitFor(t, "the delivery", func() bool { return attempted(t, sa, wh.ID, "") == 1 })
	if !strings.Contains(string(rc.deliveries()[0].Body), sig.ID) {
		t.Fatalf("delivered %s, want %s", rc.deliveries()[0].Body, sig.ID)
	}
	expect(t, sa.Do(bg, "PUT", "/webhooks/"+wh.ID, map[string]any{"events": []string{"key.created"}}, nil), 0)
	sign()
	if n := len(webhookEvents(t, sa, wh.ID, "")); n != 1 {
		t.Fatalf("%d events after unsubscribing, want 1", n)
	}
}
