package wallet

import (
	"context"
	"slices"

	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
)

// SetEvents makes the service record its events (wallet.created,
// wallet.tags.modified, wallet.exported) with e, in the unit of work of
// each change (docs/protocol/webhooks.md §1). Call it before serving; the
// default records nothing.
func (s *Service) SetEvents(e event.Emitter) {
	if e == nil {
		e = event.Nop{}
	}
	s.events = e
}

// walletEvent is a wallet.* event about w.
func walletEvent(kind string, w *Wallet) keys.Event {
	return keys.Event{Kind: kind, Data: map[string]any{"wallet": ViewOf(w)}}
}

// emit records ev in the unit of work of ctx.
func (s *Service) emit(ctx context.Context, org string, ev keys.Event) error {
	return s.events.Emit(ctx, org, ev.Kind, ev.Data)
}

// retagged returns tags with add added and remove removed, as the store
// applies them.
func retagged(tags, add, remove []string) []string {
	out := slices.Clone(tags)
	for _, t := range add {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return slices.DeleteFunc(out, func(t string) bool { return slices.Contains(remove, t) })
}

// Export serves POST /wallets/{walletId}/export: an export of the wallet's
// key (keys.Service.Export), recorded as key.exported and wallet.exported.
func (s *Service) Export(ctx context.Context, p *principal.Principal, act keys.Action, walletID string, in *keys.ExportInput) (keys.ExportOutput, error) {
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return keys.ExportOutput{}, err
	}
	return s.keys.ExportWith(ctx, p, act, w.KeyID, in, walletEvent("wallet.exported", w))
}
