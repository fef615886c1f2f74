package app

import (
	"context"
	"time"
)

// sweepPolicies runs the policy engine's background work until ctx ends:
// at start, then every Config.PolicySweep, approvals past their
// autoRejectTimeout expire and approved activities a crash left undone
// (e.g. a kill between the final decision and the signing) are carried out
// (policy.Service.Sweep, safe on several replicas).
func (a *App) sweepPolicies(ctx context.Context) {
	every := a.Config.PolicySweep
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := a.Policies.Sweep(ctx); err != nil && ctx.Err() == nil {
			a.Logger.Warn("policy sweep failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
