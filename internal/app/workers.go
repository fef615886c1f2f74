package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// workers is the one group of long-lived goroutines the program owns: the
// listeners and the background jobs. Each runs until the group's context
// ends; the first to fail ends the group, and Wait returns once every one
// has returned, so nothing outlives Serve (and so nothing touches the
// database after Close).
type workers struct {
	ctx    context.Context
	cancel context.CancelFunc
	logger *slog.Logger
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newWorkers(ctx context.Context, logger *slog.Logger) *workers {
	ctx, cancel := context.WithCancel(ctx)
	return &workers{ctx: ctx, cancel: cancel, logger: logger}
}

// Go runs fn in the group. A non-nil error from fn ends the group; Wait
// returns the first one.
func (g *workers) Go(name string, fn func(ctx context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := fn(g.ctx); err != nil {
			g.logger.Error("worker stopped", "worker", name, "error", err.Error())
			g.once.Do(func() { g.err = err })
			g.cancel()
		}
	}()
}

// Wait waits for every worker and returns the first error.
func (g *workers) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

// serveUntil serves srv on ln until ctx ends, then shuts it down
// gracefully, letting requests in flight finish for up to grace.
func serveUntil(srv *http.Server, ln net.Listener, grace time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		err := srv.Shutdown(sctx)
		if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) {
			err = errors.Join(err, e)
		}
		return err
	}
}

// leaser is the database's lease on background jobs (sqlstore.DB.TakeLease).
type leaser interface {
	TakeLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
}

// periodic returns a worker that runs job at once and then every interval
// until ctx ends, on the one replica holding the job's lease
// (docs/replicas.md): before each run it takes or renews the lease for
// three intervals, so a job whose replica dies moves to another within
// three intervals (at once when it restarts: its id is kept in its data
// directory). A failed run is logged and retried at the next tick.
func periodic(db leaser, logger *slog.Logger, name, holder string, interval time.Duration,
	job func(ctx context.Context, now time.Time) error) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for now := time.Now(); ; {
			held, err := db.TakeLease(ctx, name, holder, now, now.Add(3*interval))
			if err == nil && held {
				err = job(ctx, now)
			}
			if err != nil && ctx.Err() == nil {
				logger.Warn("background job failed", "job", name, "error", err.Error())
			}
			select {
			case <-ctx.Done():
				return nil
			case now = <-t.C:
			}
		}
	}
}
