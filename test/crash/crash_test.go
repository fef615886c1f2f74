package crash

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/pgtest"
)

const (
	workers      = 16 // concurrent writers
	minKill      = 50 * time.Millisecond
	maxKill      = 800 * time.Millisecond
	cycleTimeout = 90 * time.Second // load, kill, restart and checks of one cycle
	cyclesPerDir = 10               // a fresh data directory every so many cycles: on SQLite a new organisation keeps the checks' lists short; on a database server the same organisation is served from a new directory
	replayAcked  = 8                // acknowledged user actions replayed per cycle
	maxFailures  = 10               // failure lines printed per kind; all are counted
)

// TestCrashSafety kills `custos serve` with SIGKILL under a writer load,
// restarts it and checks that nothing acknowledged is lost, nothing is left
// half-created and no user action is accepted twice (see the package doc).
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash harness: builds and kills the real server; not in -short")
	}
	runCrash(t, os.Getenv("CUSTOS_CRASH_DB"))
}

// TestCrashSafetyPostgres is TestCrashSafety on a fresh PostgreSQL database
// of the server named by CUSTOS_TEST_POSTGRES (skipped without it): Custos
// is killed, PostgreSQL stays up.
func TestCrashSafetyPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("crash harness: builds and kills the real server; not in -short")
	}
	runCrash(t, pgtest.NewDatabase(t))
}

// runCrash runs the harness on db ("": SQLite in the data directory).
func runCrash(t *testing.T, db string) {
	cycles := envInt(t, "CUSTOS_CRASH_CYCLES", 20)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CUSTOS_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CUSTOS_CRASH_SEED=%q: %v", v, err)
		}
		seed = n
	}
	t.Logf("seed %d (CUSTOS_CRASH_SEED=%d repeats the kill moments and the load mix), %d cycles, db %q", seed, seed, cycles, dbName(db))

	// The whole run stops by itself: cycles*30s, within go test's -timeout.
	budget := time.Duration(cycles)*30*time.Second + time.Minute
	if dl, ok := t.Deadline(); ok && time.Until(dl)-time.Minute < budget {
		budget = time.Until(dl) - time.Minute
	}
	stopBy := time.Now().Add(budget)

	bin := buildCustos(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	n := &counts{half: map[string]int{}, replayStatus: map[int]int{}}
	// Every failure is counted; the first few of each kind (the first word
	// of the message) are printed.
	failed := map[string]int{}
	fail := func(format string, args ...any) {
		what, _, _ := strings.Cut(format, " ")
		failed[what]++
		switch failed[what] {
		case maxFailures + 1:
			t.Errorf("… more %s failures are counted but not printed", what)
		default:
			if failed[what] <= maxFailures {
				t.Errorf(format, args...)
			}
		}
	}
	var (
		srv *server
		chk *checker
		dir string
		// orgKey is the master key of the organisation's first data
		// directory; keyFile is given as --master-key-file: "" in that
		// directory, orgKey in later ones on a database server.
		orgKey, keyFile string
		seq             atomic.Int64
		root            = t.TempDir()
	)
	start := time.Now()
	defer func() { report(t, n, time.Since(start)) }()
	for cycle := range cycles {
		if time.Now().After(stopBy) {
			t.Errorf("stopped after %d of %d cycles: the time budget of %s is spent", cycle, cycles, budget.Round(time.Second))
			break
		}
		ctx, cancel := context.WithTimeout(context.Background(), cycleTimeout)
		switch {
		case srv == nil || (db == "" && cycle%cyclesPerDir == 0):
			if srv != nil {
				if err := srv.stop(20 * time.Second); err != nil {
					t.Errorf("graceful stop: %v", err)
				}
			}
			dir = filepath.Join(root, fmt.Sprintf("data%d", cycle))
			var err error
			if srv, err = startServer(ctx, t, bin, dir, db, ""); err != nil {
				cancel()
				t.Fatal(err)
			}
			o, err := setup(ctx, dir, srv.url, fmt.Sprintf("crash%x-%d", seed&0xffffff, cycle))
			if err != nil {
				cancel()
				t.Fatalf("set up the organisation: %v\n%s", err, srv.tail())
			}
			chk = &checker{o: o, n: n, fail: fail, seen: map[string]bool{}, replay: replayAcked}
			orgKey, keyFile = filepath.Join(dir, "master.key"), ""
		case cycle%cyclesPerDir == 0:
			// On a database server the organisation lives in the database:
			// a new, empty data directory given the same master key serves
			// it as it is, as another replica would, and writes no admin.json
			// or master.key of its own.
			if err := srv.stop(20 * time.Second); err != nil {
				t.Errorf("graceful stop: %v", err)
			}
			dir, keyFile = filepath.Join(root, fmt.Sprintf("data%d", cycle)), orgKey
			var err error
			if srv, err = startServer(ctx, t, bin, dir, db, keyFile); err != nil {
				cancel()
				t.Fatalf("cycle %d: start on a new data directory with the master key of the first: %v", cycle, err)
			}
			chk.o.url = srv.url
			for _, f := range []string{"admin.json", "master.key"} {
				if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("cycle %d: a server joining an existing organisation wrote %s into its data directory (stat: %v)", cycle, f, err)
				}
			}
		}
		killAfter := minKill + time.Duration(rng.Int64N(int64(maxKill-minKill)))
		l := &load{org: chk.o, cycle: cycle, seq: &seq}
		loadDone := make(chan struct{})
		loadSeed := rng.Uint64()
		go func() {
			defer close(loadDone)
			l.run(ctx, workers, loadSeed)
		}()
		select {
		case <-time.After(killAfter):
		case <-ctx.Done():
		}
		l.stop.Store(true)
		srv.kill()
		<-loadDone
		chk.o.hc.CloseIdleConnections()

		var err error
		if srv, err = startServer(ctx, t, bin, dir, db, keyFile); err != nil {
			cancel()
			t.Fatalf("cycle %d: restart after SIGKILL: %v", cycle, err)
		}
		chk.o.url = srv.url
		acked := 0
		for _, a := range l.attempts {
			if a.acked() {
				acked++
			}
		}
		t.Logf("cycle %d: SIGKILL after %s: %d writes sent, %d acknowledged", cycle, killAfter.Round(time.Millisecond), len(l.attempts), acked)
		if err := chk.verify(ctx, l.attempts); err != nil {
			cancel()
			t.Fatalf("cycle %d: %v\n%s", cycle, err, srv.tail())
		}
		cancel()
		n.cycles++
	}
	if srv != nil {
		if err := srv.stop(20 * time.Second); err != nil {
			t.Errorf("graceful stop: %v", err)
		}
	}
}

// report prints the figures of the run.
func report(t *testing.T, n *counts, took time.Duration) {
	t.Helper()
	sum := func(a [numKinds]int) int {
		s := 0
		for _, v := range a {
			s += v
		}
		return s
	}
	var kinds []string
	for k := range numKinds {
		kinds = append(kinds, fmt.Sprintf("%s %d/%d", k, n.acked[k], n.attempts[k]))
	}
	halfTotal := 0
	var half []string
	for _, what := range slices.Sorted(maps.Keys(n.half)) {
		halfTotal += n.half[what]
		half = append(half, fmt.Sprintf("%d %s", n.half[what], what))
	}
	var st []string
	for _, s := range slices.Sorted(maps.Keys(n.replayStatus)) {
		st = append(st, fmt.Sprintf("%d×%d", n.replayStatus[s], s))
	}
	t.Logf("crash safety: %d cycles in %s", n.cycles, took.Round(time.Second))
	t.Logf("  acknowledged writes: %d of %d sent (%s); %d in flight at a crash; %d refused under load",
		sum(n.acked), sum(n.attempts), strings.Join(kinds, ", "), n.inFlight, n.refusedUnderLoad)
	t.Logf("  losses (acknowledged, then missing or changed): %d", n.losses)
	t.Logf("  half-created objects: %d [%s]", halfTotal, strings.Join(half, "; "))
	t.Logf("  duplicates (one user action, two objects): %d", n.duplicates)
	t.Logf("  replays of acknowledged actions: %d, accepted: %d", n.ackReplays, n.ackReplaysOK)
	t.Logf("  replays of in-flight actions: %d (first had committed: %d), accepted although committed: %d, completed by the replay: %d",
		n.flightReplays, n.flightCommitted, n.flightReplaysOK, n.flightCompleted)
	t.Logf("  in-flight actions refused on replay although they left no object (spent without their write, must be 0): %d (%v)", sum(n.flightSpent), n.flightSpent)
	t.Logf("  replay answers: %s", strings.Join(st, " "))
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// dbName is db without its password, for the log.
func dbName(db string) string {
	if db == "" {
		return "sqlite (data directory)"
	}
	if i, j := strings.Index(db, "://"), strings.LastIndex(db, "@"); i >= 0 && j > i {
		return db[:i+3] + "…" + db[j:]
	}
	return db
}
