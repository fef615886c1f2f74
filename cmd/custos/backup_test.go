package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/sqlstore"
)

// adminClient is the bootstrap service account of the admin.json in dir,
// talking to url.
func adminClient(t *testing.T, dir, url string) *client.Client {
	t.Helper()
	admin, err := app.ReadAdmin(filepath.Join(dir, "admin.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.NewKeySigner(admin.ServiceAccount.CredID, admin.ServiceAccount.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return client.New(url, admin.ServiceAccount.AuthToken, s)
}

type wallet struct {
	ID         string `json:"id"`
	SigningKey struct {
		ID string `json:"id"`
	} `json:"signingKey"`
}

func newWallet(ctx context.Context, c *client.Client) (string, error) {
	var w wallet
	err := c.Do(ctx, "POST", "/wallets", `{"network":"EthereumSepolia"}`, &w)
	return w.ID, err
}

// walletStatus is the HTTP status of GET /wallets/{id} (200 or the error's).
func walletStatus(t *testing.T, c *client.Client, id string) int {
	t.Helper()
	err := c.Do(context.Background(), "GET", "/wallets/"+id, nil, nil)
	var ae *client.Error
	switch {
	case err == nil:
		return 200
	case errors.As(err, &ae):
		return ae.Status
	}
	t.Fatalf("GET /wallets/%s: %v", id, err)
	return 0
}

// A backup taken from a running server under concurrent writes holds every
// wallet acknowledged before it started and nothing made after it ended;
// restored into a fresh directory with the same master key, the server
// serves those wallets (and signs with their sealed keys), and the database
// passes SQLite's integrity check. Restore refuses while a server runs.
func TestBackupWhileServingAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	url, _, stop := startServe(t, "--data", dir, "--rate-limit", "0")
	c := adminClient(t, dir, url)
	first, err := newWallet(ctx, c)
	if err != nil {
		t.Fatal(err)
	}

	// Writers run all through the backup: each makes at most 40
	// wallets and stops as soon as the backup is done.
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	done := make(chan struct{})
	started := make(chan struct{}, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			signalled := false
			defer func() {
				if !signalled {
					started <- struct{}{}
				}
			}()
			for i := range 40 {
				if i == 1 {
					started <- struct{}{}
					signalled = true
				}
				select {
				case <-done:
					return
				default:
				}
				id, err := newWallet(ctx, c)
				if err != nil {
					t.Errorf("concurrent wallet: %v", err)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	for range 4 {
		<-started // every writer has a wallet acknowledged and is writing
	}
	mu.Lock()
	before := append([]string{first}, acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "custos-backup.db")
	out := &syncBuf{}
	err = run(ctx, []string{"backup", "--data", dir, "--out", backup}, out, &syncBuf{})
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	if !strings.Contains(out.String(), "running server") || !strings.Contains(out.String(), "NOT the master key") {
		t.Fatalf("backup output: %q", out.String())
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", st, err)
	}
	after, err := newWallet(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	t.Logf("%d wallets acknowledged before the backup, %d by its end", len(before), len(acked)+1)

	fresh := t.TempDir()
	key, err := os.ReadFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fresh, "master.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	out.b.Reset()
	if err := run(ctx, []string{"restore", "--data", fresh, "--in", backup}, out, &syncBuf{}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if st, err := os.Stat(filepath.Join(fresh, "custos.db")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("restored database: %v %v", st, err)
	}
	url2, _, stop2 := startServe(t, "--data", fresh, "--rate-limit", "0")
	c2 := adminClient(t, dir, url2)
	for _, id := range before {
		if s := walletStatus(t, c2, id); s != 200 {
			t.Fatalf("wallet %s acknowledged before the backup: GET gives %d", id, s)
		}
	}
	if s := walletStatus(t, c2, after); s != 404 {
		t.Fatalf("wallet made after the backup: GET gives %d", s)
	}
	// The restored sealed key signs under the same master key.
	var sig struct {
		Status string `json:"status"`
	}
	body := `{"kind":"Hash","hash":"0x` + strings.Repeat("11", 32) + `"}`
	if err := c2.Do(ctx, "POST", "/wallets/"+first+"/signatures", body, &sig); err != nil || sig.Status != "Signed" {
		t.Fatalf("sign with a restored wallet: %+v %v", sig, err)
	}
	err = run(ctx, []string{"restore", "--data", fresh, "--in", backup}, &syncBuf{}, &syncBuf{})
	if !errors.Is(err, app.ErrDataDirInUse) {
		t.Fatalf("restore while a server runs: %v", err)
	}
	stop2()
	if _, err := sqlstore.CheckDatabase(ctx, filepath.Join(fresh, "custos.db")); err != nil {
		t.Fatalf("restored database after serving: %v", err)
	}
}

// Without a server the backup is made directly; restoring over an existing
// database moves it (and its WAL) aside, and a file that is no Custos
// database is refused without touching the current one.
func TestBackupOfflineAndRestoreOver(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := run(ctx, []string{"init", "--data", dir}, &syncBuf{}, &syncBuf{}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	out := &syncBuf{}
	if err := run(ctx, []string{"backup", "--data", dir, "--out", backup}, out, &syncBuf{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "copied directly") {
		t.Fatalf("offline backup output: %q", out.String())
	}
	if err := run(ctx, []string{"backup", "--data", dir, "--out", filepath.Join(dir, "custos.db")}, &syncBuf{}, &syncBuf{}); err == nil {
		t.Fatal("backup over the live database")
	}

	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte("not a database, only some words of text"), 0o600); err != nil {
		t.Fatal(err)
	}
	live, _ := os.ReadFile(filepath.Join(dir, "custos.db"))
	err := run(ctx, []string{"restore", "--data", dir, "--in", junk}, &syncBuf{}, &syncBuf{})
	if !errors.Is(err, sqlstore.ErrNotCustos) {
		t.Fatalf("restore of junk: %v", err)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "custos.db")); string(now) != string(live) {
		t.Fatal("a refused restore changed the database")
	}

	// Journal files left by a crash belong to the old database: they go
	// aside with it, never replayed into the restored one.
	for _, p := range []string{"custos.db-wal", "custos.db-journal"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("left by a crash"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out.b.Reset()
	if err := run(ctx, []string{"restore", "--data", dir, "--in", backup}, out, &syncBuf{}); err != nil {
		t.Fatal(err)
	}
	aside := filepath.Join(dir, "custos.db.before-restore-")
	if i := strings.Index(out.String(), aside); i < 0 {
		t.Fatalf("restore output names no previous database: %q", out.String())
	} else {
		aside = strings.Fields(out.String()[i:])[0]
	}
	if b, err := os.ReadFile(aside); err != nil || string(b) != string(live) {
		t.Fatalf("previous database aside at %s: %v", aside, err)
	}
	for _, p := range []string{"-wal", "-journal"} {
		if _, err := os.Stat(filepath.Join(dir, "custos.db"+p)); err == nil {
			t.Fatalf("custos.db%s left beside the restored database", p)
		}
		if _, err := os.Stat(aside + p); err != nil {
			t.Fatalf("custos.db%s not moved aside: %v", p, err)
		}
	}
	url, _, stop := startServe(t, "--data", dir)
	defer stop()
	if _, err := newWallet(ctx, adminClient(t, dir, url)); err != nil {
		t.Fatalf("serve after restore: %v", err)
	}
}
