package evmwallet

import (
	"context"
	"strings"

	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/policy"
)

// SetEvents makes the service record its webhook events with e (the
// default records none).
func (s *Service) SetEvents(e event.Emitter) { s.events = e }

// emit records the event of r's new status (wallet.transfer.* or
// wallet.transaction.*) in the unit of work of ctx.
func (s *Service) emit(ctx context.Context, r *Request) error {
	kind := "wallet.transaction."
	if r.Transfer {
		kind = "wallet.transfer."
	}
	switch r.Status {
	case StatusExecuting:
		kind += "requested"
	case StatusPending:
		kind += "requested"
	default:
		kind += strings.ToLower(r.Status)
	}
	return s.events.Emit(ctx, r.OrgID, kind, map[string]any{viewKey(r): ViewOf(r)})
}

// viewKey is the name r's view goes by in event data and approval
// activities: transferRequest or transactionRequest.
func viewKey(r *Request) string {
	if r.Transfer {
		return "transferRequest"
	}
	return "transactionRequest"
}

// Activity is what an approval holding r shows: {kind: "Wallets:Sign",
// transferRequest | transactionRequest} (docs/protocol/policies.md §2).
func Activity(r *Request) map[string]any {
	return map[string]any{"kind": policy.KindWalletsSign, viewKey(r): ViewOf(r)}
}
