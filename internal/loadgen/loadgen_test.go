package loadgen

import (
	"crypto/sha256"
	"os"
	"strings"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "https://localhost:1", "http://[::1]:9"} {
		if err := CheckLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://192.168.1.2", "https://example.com", "http://0.0.0.0:1"} {
		if err := CheckLoopback(bad); err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s allowed", bad)
		}
	}
}

func TestProcFigures(t *testing.T) {
	// Burn CPU until the kernel has accounted a few ticks (bounded).
	var cpu time.Duration
	var err error
	h := sha256.New()
	for start := time.Now(); cpu < 30*time.Millisecond && time.Since(start) < 5*time.Second; {
		for range 10000 {
			h.Write([]byte("load"))
		}
		cpu, err = procCPU(os.Getpid())
	}
	if err != nil || cpu <= 0 {
		t.Fatalf("cpu %v err %v", cpu, err)
	}
	if rss := procRSS(os.Getpid()); rss < 1<<20 {
		t.Fatalf("rss %d", rss)
	}
}
