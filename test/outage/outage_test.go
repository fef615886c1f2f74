// Package outage tests Custos on PostgreSQL through a database outage
// (issue 8, operations): while the database is down every request that
// needs it is answered 503 in the Dfns error shape (never 500, never left
// hanging) and /readyz fails; when it returns the server recovers by itself,
// and every write acknowledged with a 2xx before, during and after is there.
//
// It runs a PostgreSQL server of its own (it must stop and start it), so it
// runs only when CUSTOS_TEST_POSTGRES is set (scripts/test sets it) and the
// server binaries are installed:
//
//	CUSTOS_TEST_POSTGRES=1 go test -count=1 -v -run TestPostgresOutage ./test/outage
package outage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pgtest"
)

// Bounds of the run: counts, and deadlines that fail the test when missed.
const (
	workers      = 4
	ackedBefore  = 30 // wallets acknowledged before the outage
	failedDuring = 40 // wallet creations refused during it
	ackedAfter   = 30 // wallets acknowledged after recovery
	maxAttempts  = 5000
	phaseBound   = 90 * time.Second
	requestBound = 20 * time.Second // a request taking longer counts as a hang
)

type phase int32

const (
	before phase = iota
	during
	after
	done
)

var phaseNames = [...]string{"before", "during", "after"}

type wallet struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// tally counts the outcomes of the wallet creations of each phase.
type tally struct {
	mu       sync.Mutex
	acked    [3][]wallet
	refused  [3]int      // 503 in the Dfns error shape
	other    [3][]string // anything else: the test fails on these
	attempts atomic.Int64
}

func (c *tally) count(p phase, w *wallet, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ae *client.Error
	switch {
	case err == nil:
		c.acked[p] = append(c.acked[p], *w)
	case errors.As(err, &ae) && ae.Status == http.StatusServiceUnavailable &&
		ae.Body.Error.Status == http.StatusServiceUnavailable && ae.Body.Error.Message != "":
		c.refused[p]++
	default:
		c.other[p] = append(c.other[p], err.Error())
	}
}

func (c *tally) snapshot(p phase) (acked, refused, other int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.acked[p]), c.refused[p], len(c.other[p])
}

func TestPostgresOutage(t *testing.T) {
	if pgtest.URL() == "" {
		t.Skipf("no PostgreSQL for tests (%s is not set)", pgtest.Env)
	}
	if testing.Short() {
		t.Skip("starts and stops a PostgreSQL server")
	}
	pg := startPostgres(t)
	var logs apitest.Logs
	env := apitest.New(t, func(c *app.Config) { c.DB = pg.url() }, apitest.LogTo(&logs))
	defer func() {
		if t.Failed() {
			t.Logf("server log of the requests answered neither 2xx nor 503:\n%s", unexpected(&logs, 40))
		}
	}()
	sa := env.SA(t)
	hc := &http.Client{Timeout: requestBound, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer hc.CloseIdleConnections()
	sa.HTTP = hc

	ctx, cancel := context.WithTimeout(context.Background(), 4*phaseBound)
	defer cancel()
	var cur atomic.Int32 // the phase
	var c tally
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil && c.attempts.Add(1) <= maxAttempts; n++ {
				p := phase(cur.Load())
				if p == done {
					return
				}
				body := map[string]any{"network": "EthereumSepolia", "name": fmt.Sprintf("w%d-%d", i, n)}
				var w wallet
				err := sa.Do(ctx, http.MethodPost, "/wallets", body, &w)
				if ctx.Err() != nil {
					return
				}
				c.count(p, &w, err)
				if p == during {
					// The refusals are immediate: don't spin.
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	stopLoad := func() { cur.Store(int32(done)); wg.Wait() }
	defer stopLoad()

	// waitFor polls cond (bounded) and fails the test if it never holds.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(phaseBound)
		for !cond() {
			if time.Now().After(deadline) || ctx.Err() != nil || c.attempts.Load() > maxAttempts {
				a, r, o := c.snapshot(phase(cur.Load()))
				t.Fatalf("%s: not reached (phase %d: %d acknowledged, %d refused, %d other)", what, cur.Load(), a, r, o)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	waitFor("acknowledged writes before the outage", func() bool { a, _, _ := c.snapshot(before); return a >= ackedBefore })
	if code := readyz(t, hc, env.URL); code != http.StatusOK {
		t.Fatalf("/readyz with the database up: %d, want 200", code)
	}

	cur.Store(int32(during))
	if err := pg.stop(); err != nil {
		t.Fatal(err)
	}
	waitFor("refused writes during the outage", func() bool { _, r, o := c.snapshot(during); return r+o >= failedDuring })
	if code := readyz(t, hc, env.URL); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %d, want 503", code)
	}
	readyDown := readyz(t, hc, env.URL)

	if err := pg.start(); err != nil {
		t.Fatal(err)
	}
	// The server notices by itself: no restart, no call but /readyz.
	waitFor("/readyz 200 after the database returned", func() bool { return readyz(t, hc, env.URL) == http.StatusOK })
	cur.Store(int32(after))
	waitFor("acknowledged writes after recovery", func() bool { a, _, _ := c.snapshot(after); return a >= ackedAfter })
	stopLoad()

	for p := before; p < done; p++ {
		a, r, o := c.snapshot(p)
		t.Logf("%-6s the outage: %d acknowledged, %d refused with 503, %d other", phaseNames[p], a, r, o)
		for i, e := range c.other[p] {
			if i == 5 {
				t.Errorf("%s: … %d more", phaseNames[p], o-5)
				break
			}
			t.Errorf("%s the outage: a wallet creation failed other than with a 503 in the Dfns error shape: %s", phaseNames[p], e)
		}
		if p == during && r == 0 {
			t.Errorf("no request was refused with 503 during the outage")
		}
	}
	if readyDown != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d, want 503", readyDown)
	}

	// Every acknowledged wallet is there, with its name.
	stored := map[string]wallet{}
	for tok := ""; ; {
		var page struct {
			Items         []wallet `json:"items"`
			NextPageToken string   `json:"nextPageToken"`
		}
		path := "/wallets?limit=100"
		if tok != "" {
			path += "&paginationToken=" + url.QueryEscape(tok)
		}
		if err := sa.Do(context.Background(), http.MethodGet, path, nil, &page); err != nil {
			t.Fatalf("list wallets: %v", err)
		}
		for _, w := range page.Items {
			stored[w.ID] = w
		}
		if tok = page.NextPageToken; tok == "" {
			break
		}
	}
	acked, lost := 0, 0
	for p := before; p < done; p++ {
		for _, w := range c.acked[p] {
			acked++
			if s, ok := stored[w.ID]; !ok || s.Name != w.Name {
				lost++
				t.Errorf("acknowledged wallet %s (%q, %s the outage) is missing or changed: %+v", w.ID, w.Name, phaseNames[p], s)
			}
		}
	}
	t.Logf("acknowledged %d wallets, %d lost; %d stored in all", acked, lost, len(stored))
}

// readyz returns the status of GET /readyz; a 503 must be in the Dfns error
// shape. A transport error (a hang past requestBound included) fails t.
func readyz(t *testing.T, hc *http.Client, base string) int {
	t.Helper()
	c := client.New(base, "", nil)
	c.HTTP = hc
	err := c.Do(context.Background(), http.MethodGet, "/readyz", nil, nil)
	if err == nil {
		return http.StatusOK
	}
	var ae *client.Error
	if !errors.As(err, &ae) {
		t.Fatalf("/readyz: %v", err)
	}
	if ae.Body.Error.Status != ae.Status {
		t.Errorf("/readyz %d: not in the Dfns error shape: %s", ae.Status, ae.Raw)
	}
	return ae.Status
}

// unexpected returns up to n log lines of the requests answered with
// neither a 2xx nor a 503 (their access line and the lines before it).
func unexpected(logs *apitest.Logs, n int) string {
	type line struct {
		RequestID string `json:"request_id"`
		Msg       string `json:"msg"`
		Status    int    `json:"status"`
	}
	lines := strings.Split(logs.String(), "\n")
	bad := map[string]bool{}
	for _, l := range lines {
		var v line
		if json.Unmarshal([]byte(l), &v) == nil && v.Msg == "request" &&
			(v.Status < 200 || v.Status > 299) && v.Status != http.StatusServiceUnavailable {
			bad[v.RequestID] = true
		}
	}
	var keep []string
	for _, l := range lines {
		var v line
		if json.Unmarshal([]byte(l), &v) == nil && bad[v.RequestID] {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep[:min(n, len(keep))], "\n")
}
