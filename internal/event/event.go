// Package event is the seam through which capabilities announce what
// happened (webhook events, docs/protocol/webhooks.md once it exists; the
// kinds are those of the Dfns webhook events, e.g. "wallet.created").
// An Emitter records the event as a step of the unit of work of ctx, so an
// event exists exactly when the change it reports was committed (an
// outbox); delivery happens later, never inside the request.
package event

import "context"

// Emitter records events.
type Emitter interface {
	// Emit records an event of kind about org with data (marshalled to
	// JSON as the event's data object) in the unit of work of ctx.
	Emit(ctx context.Context, org, kind string, data any) error
}

// Nop records nothing; it is the Emitter until webhooks are configured.
type Nop struct{}

var _ Emitter = Nop{}

// Emit does nothing.
func (Nop) Emit(context.Context, string, string, any) error { return nil }
