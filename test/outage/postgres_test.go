package outage

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// postgres is a throwaway PostgreSQL server of this test's own, which it
// stops and starts again: initdb into a temp dir as the postgres user
// (initdb refuses root), pg_ctl on a free loopback port, fsync off (tests
// only) — the recipe of scripts/test, but with synchronous_commit on.
type postgres struct {
	bin, dir string
	port     int
	uid, gid int // of the postgres user when the test runs as root; -1 otherwise
}

// startPostgres initialises and starts a server; it is stopped and removed
// when t ends. It skips t when no PostgreSQL binaries are installed.
func startPostgres(t *testing.T) *postgres {
	t.Helper()
	initdbs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(initdbs) == 0 {
		t.Skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin")
	}
	sort.Slice(initdbs, func(i, j int) bool { return pgVersion(initdbs[i]) < pgVersion(initdbs[j]) })
	pg := &postgres{bin: filepath.Dir(initdbs[len(initdbs)-1]), uid: -1, gid: -1}
	dir, err := os.MkdirTemp("", "custos-outage-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no postgres user to run the server as: %v", err)
		}
		pg.uid, _ = strconv.Atoi(u.Uid)
		pg.gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chown(dir, pg.uid, pg.gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := pg.cmd("initdb", "-D", pg.data(), "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pg.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := pg.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.stop() })
	return pg
}

func pgVersion(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func (pg *postgres) data() string { return filepath.Join(pg.dir, "data") }

// url is the server's database "postgres", which the test's Custos uses.
func (pg *postgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

func (pg *postgres) cmd(name string, args ...string) *exec.Cmd {
	if pg.uid >= 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(pg.bin, name)}, args...)...)
	}
	return exec.Command(filepath.Join(pg.bin, name), args...)
}

// start starts the server on its port and waits until it accepts connections.
func (pg *postgres) start() error {
	// synchronous_commit stays on: with it off, a commit is acknowledged
	// before its WAL is written and an immediate stop loses it. fsync=off
	// only skips the flush to disk, which a stopped server does not need.
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off "+
		"-c full_page_writes=off -c max_connections=100", pg.port, pg.dir)
	out, err := pg.cmd("pg_ctl", "-D", pg.data(), "-l", filepath.Join(pg.dir, "log"), "-w", "-t", "60",
		"-o", opts, "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// stop stops the server at once, as a crash would (-m immediate: no
// shutdown checkpoint; the connections are cut).
func (pg *postgres) stop() error {
	out, err := pg.cmd("pg_ctl", "-D", pg.data(), "-m", "immediate", "-w", "-t", "60", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}
