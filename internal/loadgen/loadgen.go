// Package loadgen drives the full signing protocol against a running Custos
// and measures it: N concurrent clients each run user action init →
// credential signature → action → POST /keys/{id}/signatures, for a bounded
// time and count, against loopback only.
package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-dev/custos/client"
)

// Config describes one run. With HTTP nil and an http BaseURL, the workers
// use the lean path (one dedicated connection each, see conn.go); with HTTP
// set or an https BaseURL they go through client.Client.
type Config struct {
	BaseURL     string
	Token       string
	CredID      string
	KeyPEM      string
	Curve       string // "ed25519" (Message) or "secp256k1" (Hash)
	Concurrency int
	Duration    time.Duration
	MaxFlows    int64 // 0: bounded by Duration only
	PID         int   // server pid for CPU and memory figures, 0 for none
	// CPUPIDs are more processes whose CPU, with their children's, counts
	// as the server's: other replicas, PostgreSQL's postmaster.
	CPUPIDs []int
	// Replicas are more base URLs of servers sharing BaseURL's database:
	// worker w drives the (w mod n)th of the n URLs, as a load balancer
	// spreading connections would.
	Replicas []string
	// Floor drives a `custos floor` server instead (see FloorHandler):
	// no credentials or key are needed.
	Floor bool
	HTTP  *http.Client // when set, every flow goes through client.Client with it
}

// Result is what a run measured.
type Result struct {
	Flows, Errors      int64
	Elapsed            time.Duration
	P50, P90, P99, Max time.Duration // of whole flows (three requests)
	// ReqP50 and ReqP99 are per request, on the plain-HTTP path only.
	ReqP50, ReqP99 time.Duration
	ServerCPU      time.Duration // user+system CPU of the server during the run
	ServerRSSMax   int64         // bytes
	FirstError     string
	KeyID          string // the key the run signed with
}

// CPUPerFlow is the server CPU time spent per successful flow.
func (r *Result) CPUPerFlow() time.Duration {
	if r.Flows == 0 {
		return 0
	}
	return r.ServerCPU / time.Duration(r.Flows)
}

// Print writes a human summary.
func (r *Result) Print(w io.Writer, c *Config) {
	fmt.Fprintf(w, "curve=%s concurrency=%d duration=%s\n", c.Curve, c.Concurrency, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "flows=%d errors=%d throughput=%.1f flows/s\n", r.Flows, r.Errors, float64(r.Flows)/r.Elapsed.Seconds())
	fmt.Fprintf(w, "latency p50=%s p90=%s p99=%s max=%s\n", r.P50, r.P90, r.P99, r.Max)
	if r.ReqP50 > 0 {
		fmt.Fprintf(w, "request latency p50=%s p99=%s\n", r.ReqP50, r.ReqP99)
	}
	if c.PID > 0 || len(c.CPUPIDs) > 0 {
		fmt.Fprintf(w, "server cpu=%s per-flow=%.1fµs rss-max=%.1fMB\n", r.ServerCPU.Round(time.Millisecond),
			float64(r.CPUPerFlow().Nanoseconds())/1e3, float64(r.ServerRSSMax)/(1<<20))
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
}

// CheckLoopback refuses any target that is not on this machine's loopback.
func CheckLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to load %s: only loopback targets are allowed", host)
	}
	return nil
}

// Run executes the load described by c.
func Run(ctx context.Context, c Config) (*Result, error) {
	for _, base := range append([]string{c.BaseURL}, c.Replicas...) {
		if err := CheckLoopback(base); err != nil {
			return nil, err
		}
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		return nil, errors.New("concurrency must be between 1 and 1024")
	}
	if c.Duration <= 0 || c.Duration > time.Hour {
		return nil, errors.New("duration must be between 0 and 1h")
	}
	if c.Floor {
		return load(ctx, c, nil, nil, "", "")
	}
	signer, err := client.NewKeySigner(c.CredID, c.KeyPEM)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Concurrency * 2}, Timeout: 30 * time.Second}
	}
	api := client.New(c.BaseURL, c.Token, signer)
	api.HTTP = hc
	keyID, kind, err := prepare(ctx, api, c.Curve)
	if err != nil {
		return nil, err
	}
	return load(ctx, c, signer, hc, keyID, kind)
}

// flowFunc runs one flow, with its I/O bounded by the deadline. When ctx
// ends, the lean path's pending I/O fails at once (conn.stop).
type flowFunc func(ctx context.Context, deadline time.Time) error

// load runs the workers of c against key keyID, signing payloads of kind
// (Message or Hash) with signer; hc serves the client.Client path.
func load(ctx context.Context, c Config, signer *client.KeySigner, hc *http.Client, keyID, kind string) (*Result, error) {
	path := "/keys/" + keyID + "/signatures"
	// newFlow returns one worker's flow and what to do when it is done.
	reqLat := make([][]time.Duration, c.Concurrency)
	bases := append([]string{c.BaseURL}, c.Replicas...)
	newFlow := func(_ context.Context, w int) (flowFunc, func(), error) {
		api := client.New(bases[w%len(bases)], c.Token, signer)
		api.HTTP = hc
		return func(ctx context.Context, _ time.Time) error {
			return api.Do(ctx, "POST", path, clientBody(kind), nil)
		}, func() {}, nil
	}
	if c.Floor {
		t, err := newTarget(c.BaseURL, "")
		if err != nil {
			return nil, err
		}
		newFlow = func(ctx context.Context, _ int) (flowFunc, func(), error) {
			f, err := newFloorFlow(t)
			if err != nil {
				return nil, nil, err
			}
			return f.run, onConn(ctx, f.conn), nil
		}
	} else if u, err := url.Parse(c.BaseURL); c.HTTP == nil && err == nil && u.Scheme == "http" {
		hc.CloseIdleConnections()
		var targets []*target
		for _, base := range append([]string{c.BaseURL}, c.Replicas...) {
			t, err := newTarget(base, c.Token)
			if err != nil {
				return nil, err
			}
			targets = append(targets, t)
		}
		newFlow = func(ctx context.Context, w int) (flowFunc, func(), error) {
			f, err := newLeanFlow(targets[w%len(targets)], signer, path, kind)
			if err != nil {
				return nil, nil, err
			}
			f.reqs = &reqLat[w]
			return f.run, onConn(ctx, f.conn), nil
		}
	}

	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	var flows, errs atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, c.Concurrency)
	cpu0 := cpuOf(c.PID, c.CPUPIDs)
	stopRSS, rss := watchRSS(c.PID)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range c.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			flow, done, err := newFlow(ctx, w)
			if err != nil {
				errs.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			defer done()
			for ctx.Err() == nil {
				if c.MaxFlows > 0 && flows.Load()+errs.Load() >= c.MaxFlows {
					return
				}
				t0 := time.Now()
				err := flow(ctx, t0.Add(requestTimeout))
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				flows.Add(1)
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1 := cpuOf(c.PID, c.CPUPIDs)
	stopRSS()
	r := &Result{Flows: flows.Load(), Errors: errs.Load(), Elapsed: elapsed, ServerCPU: cpu1 - cpu0, ServerRSSMax: rss(), KeyID: keyID}
	if v, ok := firstErr.Load().(string); ok {
		r.FirstError = v
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	if n := len(all); n > 0 {
		r.P50, r.P90, r.P99, r.Max = all[n*50/100], all[n*90/100], all[n*99/100], all[n-1]
	}
	reqs := slices.Concat(reqLat...)
	slices.Sort(reqs)
	if n := len(reqs); n > 0 {
		r.ReqP50, r.ReqP99 = reqs[n*50/100], reqs[n*99/100]
	}
	return r, nil
}

// onConn makes ctx's end unblock c's pending I/O, and returns what closes
// c when its worker is done.
func onConn(ctx context.Context, c *conn) func() {
	stop := context.AfterFunc(ctx, c.stop)
	return func() { stop(); c.close() }
}

// prepare creates the key to sign with and returns its id and the payload
// kind: Message for ed25519, Hash for secp256k1.
func prepare(ctx context.Context, api *client.Client, curve string) (string, string, error) {
	var scheme, kind string
	switch curve {
	case "ed25519":
		scheme, kind = "EdDSA", "Message"
	case "secp256k1":
		scheme, kind = "ECDSA", "Hash"
	default:
		return "", "", fmt.Errorf("curve must be ed25519 or secp256k1, not %q", curve)
	}
	var key struct {
		ID string `json:"id"`
	}
	if err := api.Do(ctx, "POST", "/keys", map[string]string{"scheme": scheme, "curve": curve, "name": "bench"}, &key); err != nil {
		return "", "", fmt.Errorf("create key: %w", err)
	}
	return key.ID, kind, nil
}

// clientBody returns a fresh payload of kind for the client.Client path:
// 32 random bytes as 0x hex.
func clientBody(kind string) any {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	if kind == "Hash" {
		return map[string]string{"kind": kind, "hash": "0x" + hex.EncodeToString(b)}
	}
	return map[string]string{"kind": kind, "message": "0x" + hex.EncodeToString(b)}
}
