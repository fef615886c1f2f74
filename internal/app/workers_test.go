package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// The first worker to fail stops the others, and Wait returns only once
// every worker has returned, with that first error.
func TestWorkersStopTogether(t *testing.T) {
	g := newWorkers(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	boom := errors.New("boom")
	stopped := make(chan struct{})
	g.Go("waits", func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // still running when the failure is known
		close(stopped)
		return nil
	})
	g.Go("fails", func(context.Context) error { return boom })
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("Wait = %v, want boom", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a failing worker did not stop the group")
	}
	select {
	case <-stopped:
	default:
		t.Fatal("Wait returned before every worker had")
	}
}

// A listener that fails ends Serve's group with its error instead of
// leaving the program half running.
func TestServeUntilReportsListenerFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = serveUntil(&http.Server{}, ln, time.Second)(context.Background())
	if err == nil {
		t.Fatal("serving a closed listener reported no error")
	}
	// And a cancelled context shuts a healthy server down cleanly.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := serveUntil(&http.Server{}, ln2, time.Second)(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
