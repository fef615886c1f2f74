package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/custos-dev/custos/internal/sqlstore"
)

// RestoreResult describes what Restore did.
type RestoreResult struct {
	Path string // the restored database, DIR/custos.db
	// Aside is where the database it replaced went ("" when there was
	// none); its -wal companion, if any, sits beside it as Aside+"-wal".
	Aside  string
	Schema sqlstore.Migration // the newest migration the backup has
}

// Restore puts the backup in into dataDir as its database. It refuses while
// any custos process holds the directory (ErrDataDirInUse), and refuses a
// file that is not a Custos database in good order (sqlstore.ErrNotCustos,
// sqlstore.ErrCorrupt, *sqlstore.NewerSchemaError). The current database
// and its journal files are moved aside as custos.db.before-restore-<time>;
// the backup is copied in with mode 0600. The key-encryption key is not
// part of a backup: the server started on the restored database needs the
// key it was sealed with.
func Restore(ctx context.Context, dataDir, in string) (*RestoreResult, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	lock, err := lockDataDir(dataDir)
	if err != nil {
		return nil, fmt.Errorf("restore refused (stop the server first): %w", err)
	}
	defer lock.Close()
	dst := filepath.Join(dataDir, "custos.db")
	if same(in, dst) {
		return nil, fmt.Errorf("%s is already the database of %s", in, dataDir)
	}
	// Check a private copy, so what is checked is what goes in place.
	tmp, err := copyToTemp(in, dataDir)
	if err != nil {
		return nil, err
	}
	placed := false
	defer func() {
		if !placed {
			os.Remove(tmp)
		}
	}()
	ms, err := sqlstore.CheckDatabase(ctx, tmp)
	if err != nil {
		return nil, fmt.Errorf("restore refused: %s: %w", in, err)
	}
	res := &RestoreResult{Path: dst}
	for _, m := range ms {
		if m.Applied() {
			res.Schema = m
		}
	}
	// A journal or WAL left beside the new database would be replayed
	// into it, so every companion moves aside with the old database.
	stamp := time.Now().UTC().Format("20060102T150405Z")
	aside := dst + ".before-restore-" + stamp
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		err := os.Rename(dst+suffix, aside+suffix)
		if err == nil && suffix == "" {
			res.Aside = aside
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("move %s aside: %w", dst+suffix, err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, fmt.Errorf("put the backup in place: %w", err)
	}
	placed = true
	return res, syncDir(dataDir)
}

// copyToTemp copies in to a new 0600 file in dir and syncs it.
func copyToTemp(in, dir string) (string, error) {
	src, err := os.Open(in)
	if err != nil {
		return "", fmt.Errorf("open backup: %w", err)
	}
	defer src.Close()
	if st, err := src.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("backup %s is not a regular file", in)
	}
	dst, err := os.CreateTemp(dir, ".restore-*.db")
	if err != nil {
		return "", fmt.Errorf("copy backup: %w", err)
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst.Name())
		return "", fmt.Errorf("copy backup: %w", err)
	}
	return dst.Name(), nil
}
