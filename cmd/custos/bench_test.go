package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var flowsRE = regexp.MustCompile(`flows=(\d+) errors=(\d+)`)

// benchOK runs custos bench with args and checks that it made at least
// want flows without errors.
func benchOK(t *testing.T, want int, args ...string) string {
	t.Helper()
	out := &syncBuf{}
	if err := run(context.Background(), append([]string{"bench"}, args...), out, &syncBuf{}); err != nil {
		t.Fatalf("bench %v: %v", args, err)
	}
	m := flowsRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("bench output: %q", out.String())
	}
	flows, _ := strconv.Atoi(m[1])
	if flows < want || m[2] != "0" || !strings.Contains(out.String(), "p99=") {
		t.Fatalf("bench output: %q", out.String())
	}
	return out.String()
}

func TestBenchCommand(t *testing.T) {
	dir := t.TempDir()
	_, _, stop := startServe(t, "--data", dir)
	defer stop()
	out := benchOK(t, 30, "--admin", filepath.Join(dir, "admin.json"), "-c", "2", "-n", "30", "-d", "20s", "--curve", "secp256k1")
	if !strings.Contains(out, "request latency") {
		t.Fatalf("no per-request latency: %q", out)
	}
}

func TestFloorCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"floor", "--addr", "127.0.0.1:0"}, out, &syncBuf{}) }()
	addrRE := regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(10 * time.Second); !addrRE.MatchString(out.String()); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("floor did not start")
		}
	}
	benchOK(t, 30, "--floor", "--url", addrRE.FindStringSubmatch(out.String())[1], "-c", "2", "-n", "30")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("floor: %v", err)
	}
	if err := run(context.Background(), []string{"floor", "--addr", "0.0.0.0:0"}, &syncBuf{}, &syncBuf{}); err == nil ||
		!strings.Contains(err.Error(), "loopback") {
		t.Fatalf("floor off loopback: %v", err)
	}
}
