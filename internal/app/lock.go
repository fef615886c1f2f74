package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
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
