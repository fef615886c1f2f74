package apitest

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/custos-dev/custos/internal/app"
)

// Replica starts a second server on e's PostgreSQL database, as another
// replica behind a load balancer would run: its own data directory, e's
// key-encryption key (--master-key-file), e's configuration otherwise. It
// does not bootstrap: e did. It skips t unless e runs on PostgreSQL.
func (e *Env) Replica(t testing.TB) *Env {
	t.Helper()
	cfg := e.App.Config
	if cfg.DB == "" {
		t.Skip("replicas need PostgreSQL (CUSTOS_TEST_DIALECT=postgres)")
	}
	if cfg.MasterKeyHex == "" && cfg.MasterKeyFile == "" {
		cfg.MasterKeyFile = filepath.Join(cfg.DataDir, "master.key")
	}
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.MetricsAddr, cfg.DebugAddr, cfg.BaseURL = "", "", ""
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("open replica: %v", err)
	}
	if err := a.Listen(); err != nil {
		t.Fatalf("replica listen: %v", err)
	}
	return serve(t, ctx, cancel, a, e.Admin)
}
