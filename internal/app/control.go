package app

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ControlSocket is the unix socket in the data directory on which a serving
// Custos answers `custos backup` (mode 0600: only the owner of the data
// directory reaches it). The process holding the directory's lock owns it.
const ControlSocket = "custos.sock"

// backupPath is the control socket's backup endpoint: POST streams a
// consistent copy of the database.
const backupPath = "/backup"

// maxSocketPath is the longest unix socket path (Linux: 108 bytes with the
// terminating NUL; macOS and the BSDs allow less).
const maxSocketPath = 103

// listenControl binds DIR/custos.sock. The socket is bound under a
// temporary name, narrowed to 0600, then renamed into place, so it is never
// reachable with a wider mode. A failure (e.g. a data directory path too
// long for a unix socket) is logged and leaves online backups unavailable;
// it does not stop the server.
func (a *App) listenControl() {
	path := filepath.Join(a.Config.DataDir, ControlSocket)
	// The data directory is locked by this process, so a socket found
	// here is left over from a process that ended without removing it.
	_ = os.Remove(path)
	tmp := filepath.Join(a.Config.DataDir, fmt.Sprintf(".s%d", os.Getpid())) // no longer than path
	_ = os.Remove(tmp)
	var ln *net.UnixListener
	err := fmt.Errorf("the path is %d bytes, more than a unix socket allows (%d)", len(path), maxSocketPath)
	if len(path) <= maxSocketPath {
		ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	}
	if err == nil {
		ln.SetUnlinkOnClose(false)
		if err = os.Chmod(tmp, 0o600); err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			ln.Close()
			os.Remove(tmp)
		}
	}
	if err != nil {
		a.Logger.Warn("no control socket: custos backup cannot reach this server", "path", path, "error", err.Error())
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+backupPath, a.serveBackup)
	a.control = ln
	a.controlPath = path
	// No write timeout: a backup of a large database takes as long as it
	// takes to stream.
	a.controlServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
}

// closeControl stops the control socket and removes it.
func (a *App) closeControl() {
	if a.control == nil {
		return
	}
	if a.controlServer != nil {
		a.controlServer.Close()
	}
	a.control.Close()
	os.Remove(a.controlPath)
	a.control = nil
}

// serveBackup writes a consistent copy of the database to a temporary file
// in the data directory (0600) and streams it; the file is removed at once.
func (a *App) serveBackup(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	f, err := os.CreateTemp(a.Config.DataDir, ".backup-*.db")
	if err != nil {
		a.backupFailed(w, err)
		return
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	if err := a.DB.Backup(r.Context(), name); err != nil {
		a.backupFailed(w, err)
		return
	}
	copied := time.Since(start)
	f, err = os.Open(name)
	if err != nil {
		a.backupFailed(w, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		a.backupFailed(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.sqlite3")
	w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	n, err := io.Copy(w, f)
	if err != nil {
		a.Logger.Warn("backup stream failed", "error", err.Error(), "bytes", n)
		return
	}
	a.Logger.Info("backup served", "bytes", n, "snapshot_ms", copied.Milliseconds(), "total_ms", time.Since(start).Milliseconds())
}

func (a *App) backupFailed(w http.ResponseWriter, err error) {
	a.Logger.Error("backup failed", "error", err.Error())
	http.Error(w, "backup failed: "+err.Error(), http.StatusInternalServerError)
}
