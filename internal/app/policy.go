package app

import (
	"context"
	"time"
)

// sweepPolicies is the policy engine's background work: approvals past
// their autoRejectTimeout expire, and approved activities a crash left
// undone (e.g. a kill between the final decision and the signing) are
// carried out (policy.Service.Sweep). It runs at start and every
// Config.PolicySweep on the replica holding its lease (periodic).
func (a *App) sweepPolicies(ctx context.Context, _ time.Time) error {
	return a.Policies.Sweep(ctx)
}

// policySweepEvery is how often sweepPolicies runs (Config.PolicySweep,
// 5 s by default).
func (a *App) policySweepEvery() time.Duration {
	if a.Config.PolicySweep > 0 {
		return a.Config.PolicySweep
	}
	return 5 * time.Second
}
