package app

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/custos-dev/custos/internal/id"
)

// ErrDataDirInUse means another custos process (a server, init, migrate or
// restore) holds the data directory.
var ErrDataDirInUse = errors.New("data directory in use")

// lockDataDir takes an exclusive lock on DIR/custos.lock for the life of
// the process: the embedded database and its caches belong to one process,
// so a second server (or init) on the same directory is refused.
func lockDataDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "custos.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: another custos process holds %s", ErrDataDirInUse, dir)
	}
	return f, nil
}

// replicaID returns the id of the replica serving from dir, made on its
// first start and kept in DIR/replica.id: the holder of background jobs'
// leases and of its row among the replicas (docs/replicas.md), so that a
// restarted replica takes its leases back at once. The data directory's
// lock makes it unique among running replicas.
func replicaID(dir string) (string, error) {
	path := filepath.Join(dir, "replica.id")
	b, err := os.ReadFile(path)
	if err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	v := id.New("rp")
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return v, nil
}
