package crash

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/pgtest"
)

// TestWebhookEventsSurviveKill: events committed with their changes while
// the receiver hangs (some mid-delivery, some never claimed) are all
// delivered, signed, by the server restarted after a SIGKILL.
func TestWebhookEventsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real server; not in -short")
	}
	runWebhookKill(t, "")
}

// TestWebhookEventsSurviveKillPostgres is the same on a fresh PostgreSQL
// database of CUSTOS_TEST_POSTGRES (skipped without it).
func TestWebhookEventsSurviveKillPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real server; not in -short")
	}
	runWebhookKill(t, pgtest.NewDatabase(t))
}

func runWebhookKill(t *testing.T, db string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := buildCustos(t)
	dir := t.TempDir()

	var mu sync.Mutex
	got := map[string][]byte{} // wallet id → body delivered with 200
	sigs := map[string]string{}
	var arrived atomic.Int32
	hang := make(chan struct{})
	var hanging atomic.Bool
	hanging.Store(true)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		arrived.Add(1)
		if hanging.Load() {
			select {
			case <-hang:
			case <-r.Context().Done():
				return
			}
		}
		var ev struct {
			Data struct {
				Wallet struct {
					ID string `json:"id"`
				} `json:"wallet"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		got[ev.Data.Wallet.ID], sigs[ev.Data.Wallet.ID] = body, r.Header.Get("X-DFNS-WEBHOOK-SIGNATURE")
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer rc.Close()
	defer func() {
		if hanging.Swap(false) {
			close(hang)
		}
	}()
	flags := []string{"--webhook-allow-private", "--webhook-timeout", "1s"}

	srv, err := startServer(ctx, t, bin, dir, db, "", flags...)
	if err != nil {
		t.Fatal(err)
	}
	a, err := readAdmin(dir)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := client.NewKeySigner(a.ServiceAccount.CredID, a.ServiceAccount.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(srv.url, a.ServiceAccount.AuthToken, signer)
	c.HTTP = newHTTPClient()
	var wh struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	if err := c.Do(ctx, "POST", "/webhooks", map[string]any{"url": rc.URL, "events": []string{"wallet.created"}}, &wh); err != nil {
		t.Fatal(err)
	}
	const n = 16 // more than the worker's concurrency: some are never claimed before the kill
	wallets := map[string]bool{}
	for range n {
		var w struct {
			ID string `json:"id"`
		}
		if err := c.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"}, &w); err != nil {
			t.Fatal(err)
		}
		wallets[w.ID] = true
	}
	for arrived.Load() == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("no delivery started")
		case <-time.After(10 * time.Millisecond):
		}
	}
	srv.kill()
	mu.Lock()
	if len(got) != 0 {
		t.Fatalf("%d deliveries completed before the kill", len(got))
	}
	mu.Unlock()
	hanging.Store(false)
	close(hang)

	if _, err := startServer(ctx, t, bin, dir, db, "", flags...); err != nil {
		t.Fatal(err)
	}
	for {
		mu.Lock()
		missing := 0
		for id := range wallets {
			if got[id] == nil {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d of %d events not delivered after the restart", missing, n)
		case <-time.After(20 * time.Millisecond):
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for id, body := range got {
		m := hmac.New(sha256.New, []byte(wh.Secret))
		m.Write(body)
		if sigs[id] != "sha256="+hex.EncodeToString(m.Sum(nil)) {
			t.Fatalf("delivery for %s: bad signature", id)
		}
	}
}
