package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/app"
)

func testConfig(dir string) app.Config {
	cfg := app.Defaults()
	cfg.DataDir = dir
	cfg.Addr = "127.0.0.1:0"
	return cfg
}

var quiet = slog.New(slog.NewJSONHandler(io.Discard, nil))

// open opens (and with bootstrap, bootstraps) the app of cfg and closes it.
func open(t *testing.T, cfg app.Config, bootstrap bool) error {
	t.Helper()
	a, err := app.Open(context.Background(), cfg, quiet)
	if err != nil {
		return err
	}
	defer a.Close()
	if bootstrap {
		if _, err := a.Bootstrap(context.Background()); err != nil {
			t.Fatalf("bootstrap: %v", err)
		}
	}
	return nil
}

// A deleted master.key, or a --master-key-file that does not exist, never
// makes the server create a new key next to sealed data: it refuses, names
// what it looked for, and writes no key file.
func TestMissingMasterKeyRefusesToStart(t *testing.T) {
	for _, tc := range []struct {
		name      string
		bootstrap bool // an organisation, or only the token signing key
	}{{"organisation", true}, {"signing key only", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			if err := open(t, cfg, tc.bootstrap); err != nil {
				t.Fatal(err)
			}
			keyPath := filepath.Join(dir, "master.key")
			key, err := os.ReadFile(keyPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(keyPath); err != nil {
				t.Fatal(err)
			}
			err = open(t, cfg, false)
			if !errors.Is(err, app.ErrMasterKeyMissing) || !strings.Contains(err.Error(), keyPath) ||
				!strings.Contains(err.Error(), "CUSTOS_MASTER_KEY") {
				t.Fatalf("start without master.key: %v", err)
			}
			if _, err := os.Stat(keyPath); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a new master.key was written next to sealed data: %v", err)
			}

			other := cfg
			other.MasterKeyFile = filepath.Join(t.TempDir(), "kek")
			err = open(t, other, false)
			if !errors.Is(err, app.ErrMasterKeyMissing) || !strings.Contains(err.Error(), other.MasterKeyFile) {
				t.Fatalf("start with a missing --master-key-file: %v", err)
			}
			if _, err := os.Stat(other.MasterKeyFile); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a new key file was written next to sealed data: %v", err)
			}

			// The key put back, the server starts.
			if err := os.WriteFile(keyPath, key, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := open(t, cfg, false); err != nil {
				t.Fatalf("start with the key restored: %v", err)
			}
		})
	}
}

// An empty data directory still gets a fresh master.key, and so does a
// --master-key-file that does not exist yet.
func TestFreshDataDirCreatesMasterKey(t *testing.T) {
	dir := t.TempDir()
	if err := open(t, testConfig(dir), true); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "master.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v %v", st, err)
	}
	cfg := testConfig(t.TempDir())
	cfg.MasterKeyFile = filepath.Join(t.TempDir(), "kek")
	if err := open(t, cfg, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cfg.MasterKeyFile); err != nil {
		t.Fatalf("--master-key-file: %v", err)
	}
}

// A key that does not open the sealed data (a replaced master.key, or a
// different CUSTOS_MASTER_KEY) is refused with ErrMasterKeyWrong, and the
// key file is left as it is.
func TestWrongMasterKeyRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	if err := open(t, cfg, true); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "master.key")
	wrong := []byte(strings.Repeat("ab", 32) + "\n")
	if err := os.WriteFile(keyPath, wrong, 0o600); err != nil {
		t.Fatal(err)
	}
	err := open(t, cfg, false)
	if !errors.Is(err, app.ErrMasterKeyWrong) || !strings.Contains(err.Error(), keyPath) {
		t.Fatalf("start with a replaced master.key: %v", err)
	}
	if got, _ := os.ReadFile(keyPath); !bytes.Equal(got, wrong) {
		t.Fatal("the key file was rewritten")
	}
	env := cfg
	env.MasterKeyHex = strings.Repeat("cd", 32)
	if err := open(t, env, false); !errors.Is(err, app.ErrMasterKeyWrong) || !strings.Contains(err.Error(), "CUSTOS_MASTER_KEY") {
		t.Fatalf("start with a wrong CUSTOS_MASTER_KEY: %v", err)
	}
}
