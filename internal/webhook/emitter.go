package webhook

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/id"
)

// Emitter is the event.Emitter of Custos: Emit writes one pending event
// per enabled webhook of the org that subscribes to the kind (or to "*"),
// in the unit of work of ctx (the outbox), so an event exists exactly when
// the change it reports committed. An org without such a webhook costs a
// lookup in the store's cache and no write.
type Emitter struct {
	store Store
	// wake, when set, tells the delivery worker that events may be due.
	wake func()
}

var _ event.Emitter = (*Emitter)(nil)

// NewEmitter returns the emitter writing to st; wake (may be nil) is
// called after events are written.
func NewEmitter(st Store, wake func()) *Emitter { return &Emitter{store: st, wake: wake} }

// Emit records an event of kind about org with data (a value whose JSON
// form is an object of objects, e.g. {"wallet": …}).
func (e *Emitter) Emit(ctx context.Context, org, kind string, data any) error {
	subs, err := e.store.WebhookSubscriptions(ctx, org)
	if err != nil {
		return fmt.Errorf("webhook subscriptions: %w", err)
	}
	var evs []*Event
	var body []byte
	for _, s := range subs {
		if !s.wants(kind) {
			continue
		}
		if body == nil {
			raw, err := json.Marshal(data)
			if err != nil {
				return fmt.Errorf("event %s data: %w", kind, err)
			}
			if body, err = JSStringify(raw); err != nil {
				return fmt.Errorf("event %s data: %w", kind, err)
			}
		}
		now := nowMS()
		evs = append(evs, &Event{ID: id.New("whe"), OrgID: org, WebhookID: s.ID, Kind: kind, Data: body,
			Created: now, Attempt: 1, Due: now})
	}
	if len(evs) == 0 {
		return nil
	}
	if err := e.store.InsertWebhookEvents(ctx, evs); err != nil {
		return err
	}
	if e.wake != nil {
		// Once the unit commits, when the store can say so; now otherwise.
		if ac, ok := e.store.(afterCommitter); !ok || !ac.AfterCommit(ctx, e.wake) {
			e.wake()
		}
	}
	return nil
}

// afterCommitter is a store that can run a function once the unit of work
// of ctx commits; AfterCommit reports false when ctx has no unit.
type afterCommitter interface {
	AfterCommit(ctx context.Context, f func()) bool
}
