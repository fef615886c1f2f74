package keys

import (
	"context"

	"github.com/custos-dev/custos/internal/event"
)

// SetEvents makes the service record its events (key.created,
// key.deleted, key.exported, wallet.signature.*) with e, in the unit of
// work of each change (docs/protocol/webhooks.md §1). Call it before
// serving; the default records nothing.
func (s *Service) SetEvents(e event.Emitter) {
	if e == nil {
		e = event.Nop{}
	}
	s.events = e
}

// Event is an event to record with a change, for callers that add their
// own (the wallet service's wallet.exported).
type Event struct {
	Kind string
	Data any
}

// emit records evs of org in the unit of work of ctx.
func (s *Service) emit(ctx context.Context, org string, evs ...Event) error {
	for _, e := range evs {
		if err := s.events.Emit(ctx, org, e.Kind, e.Data); err != nil {
			return err
		}
	}
	return nil
}

// keyEvent is a key.* event about k.
func keyEvent(kind string, k *Key) Event {
	return Event{Kind: kind, Data: map[string]any{"key": ViewOf(k)}}
}

// outcomeEvent is the event of the outcome of a request that waited for an
// approval: signed, failed or rejected.
func outcomeEvent(r *SignatureRequest) Event {
	evs := signatureEvents(r)
	return evs[len(evs)-1]
}

// signatureEvents are the events of a stored signature request: requested,
// and its outcome when it has one.
func signatureEvents(r *SignatureRequest) []Event {
	data := map[string]any{"signatureRequest": SignatureViewOf(r)}
	evs := []Event{{Kind: "wallet.signature.requested", Data: data}}
	switch r.Status {
	case SigSigned:
		evs = append(evs, Event{Kind: "wallet.signature.signed", Data: data})
	case SigFailed:
		evs = append(evs, Event{Kind: "wallet.signature.failed", Data: data})
	case SigRejected:
		evs = append(evs, Event{Kind: "wallet.signature.rejected", Data: data})
	}
	return evs
}
