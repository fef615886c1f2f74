package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/custos-dev/custos/internal/pgtest"
)

// Replicas starting together on one empty PostgreSQL database, with the
// same key-encryption key: one bootstraps the organisation, the others
// find it; all sign with the same token key, so each accepts the others'
// tokens and serves the same JWKS (docs/replicas.md).
func TestReplicasBootstrapOnce(t *testing.T) {
	url := pgtest.NewDatabase(t)
	kek := make([]byte, 32)
	rand.Read(kek)
	const n = 4
	apps := make([]*App, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		cfg := Defaults()
		cfg.DataDir, cfg.Addr, cfg.DB, cfg.MasterKeyHex = t.TempDir(), "127.0.0.1:0", url, hex.EncodeToString(kek)
		wg.Go(func() {
			<-start
			ctx := context.Background()
			a, err := Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
			if err != nil {
				errs[i] = err
				return
			}
			apps[i] = a
			created[i], errs[i] = a.Bootstrap(ctx)
		})
	}
	close(start)
	wg.Wait()
	for _, a := range apps {
		if a != nil {
			defer a.Close()
		}
	}
	first := -1
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		if created[i] {
			if first >= 0 {
				t.Fatalf("replicas %d and %d both bootstrapped", first, i)
			}
			first = i
		}
	}
	if first < 0 {
		t.Fatal("no replica bootstrapped")
	}
	checkBootstrapped(t, apps[first])
	adm, err := ReadAdmin(apps[first].AdminFile)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range apps {
		if !bytes.Equal(a.Auth.Tokens().JWKS(), apps[first].Auth.Tokens().JWKS()) {
			t.Fatalf("replica %d serves another JWKS", i)
		}
		if _, err := a.Auth.Authenticate(context.Background(), adm.ServiceAccount.AuthToken); err != nil {
			t.Fatalf("replica %d refuses the admin token: %v", i, err)
		}
	}
}
