// Package follow runs the chain followers' loop (docs/protocol/
// evm-transfers.md, btc-transfers.md): one step per followed network every
// tick or when poked, a network whose step fails backing off on its own.
package follow

import (
	"context"
	"log/slog"
	"time"
)

// Net is one followed network: its name (for the log) and its step.
type Net struct {
	Name string
	Step func(ctx context.Context) error

	// failures counts the steps that failed in a row; the next step
	// waits until retryAt.
	failures int
	retryAt  time.Time
}

// Run steps every network of nets every interval, and at once when poke
// fires, until ctx ends; it returns nil then. A network whose step fails
// waits 2 s, 4 s, … up to a minute before its next step; its failure is
// logged as kind's (e.g. "evm follower").
func Run(ctx context.Context, every time.Duration, poke <-chan struct{}, nets []*Net, logger *slog.Logger, kind string) error {
	if len(nets) == 0 {
		return nil
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, n := range nets {
			if time.Now().Before(n.retryAt) {
				continue
			}
			if err := n.Step(ctx); err != nil && ctx.Err() == nil {
				n.failures++
				n.retryAt = time.Now().Add(min(time.Second<<min(n.failures, 6), time.Minute))
				logger.Warn(kind+" step failed", "network", n.Name, "failures", n.failures, "error", err.Error())
			} else {
				n.failures, n.retryAt = 0, time.Time{}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-poke:
		}
	}
}
