package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/custos-dev/custos/internal/sqlstore"
)

// ErrServerUnreachable means a custos process holds the data directory but
// does not answer on its control socket (custos init, migrate or restore at
// work, a server still starting, or one that could not bind the socket).
var ErrServerUnreachable = errors.New("custos process not reachable")

// BackupResult describes a backup that Backup wrote.
type BackupResult struct {
	Path  string
	Bytes int64
	// Online reports whether a running server made the copy (through
	// its control socket) rather than this process.
	Online bool
	// Schema is the newest migration the copy has.
	Schema sqlstore.Migration
}

// Backup writes a consistent copy of the database of dataDir to out (mode
// 0600, written under a temporary name, checked, then renamed into place).
// When a server holds the directory, the server makes the copy and streams
// it over DIR/custos.sock; otherwise this process takes the directory's
// lock and copies the database itself. The copy holds the sealed key
// material but not the key-encryption key (DIR/master.key or the key given
// to the server): without that key the copy's keys cannot be opened.
func Backup(ctx context.Context, dataDir, out string) (*BackupResult, error) {
	src := filepath.Join(dataDir, "custos.db")
	if _, err := os.Stat(src); err != nil {
		return nil, fmt.Errorf("no Custos database in %s: %w", dataDir, err)
	}
	if same(src, out) {
		return nil, fmt.Errorf("refusing to write the backup over the live database %s", src)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create backup file: %w", err)
	}
	name := tmp.Name()
	done := false
	defer func() {
		tmp.Close()
		if !done {
			os.Remove(name)
		}
	}()
	res := &BackupResult{Path: out}
	lock, err := lockDataDir(dataDir)
	switch {
	case err == nil:
		err = sqlstore.BackupFile(ctx, src, name)
		lock.Close()
	case errors.Is(err, ErrDataDirInUse):
		res.Online = true
		err = fetchBackup(ctx, filepath.Join(dataDir, ControlSocket), tmp)
	}
	if err != nil {
		return nil, err
	}
	ms, err := sqlstore.CheckDatabase(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("the backup failed its check: %w", err)
	}
	for _, m := range ms {
		if m.Applied() {
			res.Schema = m
		}
	}
	if err := syncFile(name); err != nil {
		return nil, err
	}
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	res.Bytes = st.Size()
	if err := os.Rename(name, out); err != nil {
		return nil, fmt.Errorf("put the backup in place: %w", err)
	}
	done = true
	return res, syncDir(filepath.Dir(out))
}

// fetchBackup asks the server on the control socket at sock for a backup
// and writes it to f.
func fetchBackup(ctx context.Context, sock string, f *os.File) error {
	if len(sock) > maxSocketPath {
		return fmt.Errorf("%w: a custos process holds %s, but a unix socket path is at most %d bytes and %s is %d, "+
			"so the server has no control socket: serve from a shorter --data path to take online backups",
			ErrServerUnreachable, filepath.Dir(sock), maxSocketPath, sock, len(sock))
	}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://custos"+backupPath, nil)
	if err != nil {
		return err
	}
	res, err := hc.Do(req)
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w: a custos process holds %s but does not answer on %s (custos init, migrate or restore at work, "+
			"or a server still starting): retry when it is done", ErrServerUnreachable, filepath.Dir(sock), sock)
	}
	if err != nil {
		return fmt.Errorf("ask the server for a backup: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("the server could not make the backup: %s", strings.TrimSpace(string(msg)))
	}
	n, err := io.Copy(f, res.Body)
	if err != nil {
		return fmt.Errorf("receive the backup: %w", err)
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return fmt.Errorf("receive the backup: got %d of %d bytes", n, res.ContentLength)
	}
	return nil
}

// same reports whether paths a and b name the same file (b may not exist).
func same(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(sa, sb)
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
