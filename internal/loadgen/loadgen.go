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

// Config describes one run.
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
	HTTP        *http.Client
}

// Result is what a run measured.
type Result struct {
	Flows, Errors      int64
	Elapsed            time.Duration
	P50, P90, P99, Max time.Duration
	ServerCPU          time.Duration // user+system CPU of the server during the run
	ServerRSSMax       int64         // bytes
	FirstError         string
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
	if c.PID > 0 {
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
	if err := CheckLoopback(c.BaseURL); err != nil {
		return nil, err
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		return nil, errors.New("concurrency must be between 1 and 1024")
	}
	if c.Duration <= 0 || c.Duration > time.Hour {
		return nil, errors.New("duration must be between 0 and 1h")
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
	keyID, body, err := prepare(ctx, api, c.Curve)
	if err != nil {
		return nil, err
	}
	path := "/keys/" + keyID + "/signatures"

	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()
	var flows, errs atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, c.Concurrency)
	cpu0, _ := procCPU(c.PID)
	stopRSS, rss := watchRSS(c.PID)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range c.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if c.MaxFlows > 0 && flows.Load()+errs.Load() >= c.MaxFlows {
					return
				}
				t0 := time.Now()
				err := api.Do(ctx, "POST", path, body(), nil)
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
	cpu1, _ := procCPU(c.PID)
	stopRSS()
	r := &Result{Flows: flows.Load(), Errors: errs.Load(), Elapsed: elapsed, ServerCPU: cpu1 - cpu0, ServerRSSMax: rss()}
	if v, ok := firstErr.Load().(string); ok {
		r.FirstError = v
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	if n := len(all); n > 0 {
		r.P50, r.P90, r.P99, r.Max = all[n*50/100], all[n*90/100], all[n*99/100], all[n-1]
	}
	return r, nil
}

// prepare creates the key to sign with and returns a body generator.
func prepare(ctx context.Context, api *client.Client, curve string) (string, func() any, error) {
	var scheme, kind string
	switch curve {
	case "ed25519":
		scheme, kind = "EdDSA", "Message"
	case "secp256k1":
		scheme, kind = "ECDSA", "Hash"
	default:
		return "", nil, fmt.Errorf("curve must be ed25519 or secp256k1, not %q", curve)
	}
	var key struct {
		ID string `json:"id"`
	}
	if err := api.Do(ctx, "POST", "/keys", map[string]string{"scheme": scheme, "curve": curve, "name": "bench"}, &key); err != nil {
		return "", nil, fmt.Errorf("create key: %w", err)
	}
	body := func() any {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		if kind == "Hash" {
			return map[string]string{"kind": kind, "hash": "0x" + hex.EncodeToString(b)}
		}
		return map[string]string{"kind": kind, "message": "0x" + hex.EncodeToString(b)}
	}
	return key.ID, body, nil
}
