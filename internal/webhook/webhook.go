// Package webhook holds webhooks (docs/protocol/webhooks.md): the
// endpoints an organisation registers, the outbox of events written in the
// unit of work of the change they report (Emitter, the event.Emitter of
// Custos), and the worker that delivers them, signed, with retries.
package webhook

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/wire"
)

// Webhook statuses.
const (
	StatusEnabled  = "Enabled"
	StatusDisabled = "Disabled"
)

// Webhook is an endpoint of an organisation.
type Webhook struct {
	ID          string
	OrgID       string
	URL         string
	Description string
	Events      []string
	Status      string
	KEKID       string
	Sealed      []byte // the secret, sealed under the KEK (aad: AAD)
	Created     time.Time
	Updated     time.Time
}

// AAD binds a sealed secret to its webhook.
func (w *Webhook) AAD() []byte { return []byte("webhook:" + w.OrgID + "/" + w.ID) }

// Subscription is what the Emitter needs of a webhook.
type Subscription struct {
	ID      string
	Enabled bool
	Events  []string
}

// wants reports whether s takes events of kind.
func (s Subscription) wants(kind string) bool {
	if !s.Enabled {
		return false
	}
	for _, e := range s.Events {
		if e == "*" || e == kind {
			return true
		}
	}
	return false
}

// Event is one delivery attempt of an event to one webhook, as stored.
type Event struct {
	ID        string
	OrgID     string
	WebhookID string
	Kind      string
	Data      []byte // the data object, in JSON.stringify form
	Created   time.Time
	Attempt   int
	RetryOf   string
	// First is when the first attempt of the chain was made (zero until
	// then); retries are scheduled from it.
	First          time.Time
	Due            time.Time
	Done           bool
	Status         string
	Error          string
	DeliveryFailed bool
	Sent           time.Time
	NextAttempt    time.Time
}

// Outcome is the result of one delivery attempt, and the retry it
// schedules, if any.
type Outcome struct {
	EventID        string
	Status         string
	Error          string
	DeliveryFailed bool
	Sent           time.Time
	First          time.Time
	NextAttempt    time.Time
	Retry          *Event
}

// EventFilter selects a webhook's events.
type EventFilter struct {
	Kind           string
	DeliveryFailed *bool
}

// Store is what webhooks need of storage. Queries are scoped by org.
type Store interface {
	store.Unit

	CreateWebhook(ctx context.Context, w *Webhook) error
	Webhook(ctx context.Context, org, id string) (*Webhook, error)
	Webhooks(ctx context.Context, org string, p identity.Page) ([]*Webhook, string, error)
	CountWebhooks(ctx context.Context, org string) (int, error)
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook removes webhook id and its events.
	DeleteWebhook(ctx context.Context, org, id string) error
	WebhookEvent(ctx context.Context, org, webhookID, id string) (*Event, error)
	WebhookEvents(ctx context.Context, org, webhookID string, f EventFilter, p identity.Page) ([]*Event, string, error)

	// WebhookSubscriptions lists the webhooks of org for the Emitter; it
	// may be served from a cache that every webhook write invalidates.
	WebhookSubscriptions(ctx context.Context, org string) ([]Subscription, error)
	// InsertWebhookEvents stores events in the unit of work of ctx.
	InsertWebhookEvents(ctx context.Context, evs []*Event) error

	// ClaimWebhookEvents leases up to n pending events due at now to the
	// caller until leaseUntil (skipping those another worker holds) and
	// returns them.
	ClaimWebhookEvents(ctx context.Context, now, leaseUntil time.Time, n int) ([]*Event, error)
	// ReleaseWebhookLeases ends every lease (SQLite at start: one process
	// owns the database, so no lease is held by anyone else).
	ReleaseWebhookLeases(ctx context.Context) error
	// RecordWebhookDelivery stores an attempt's outcome, and its retry.
	RecordWebhookDelivery(ctx context.Context, o *Outcome) error
	// PruneWebhookEvents removes attempted events created before cutoff.
	PruneWebhookEvents(ctx context.Context, cutoff time.Time) (int64, error)
}

// View is the wire Webhook (docs/protocol/webhooks.md §2).
type View struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Status      string   `json:"status"`
	Description string   `json:"description,omitempty"`
	DateCreated string   `json:"dateCreated"`
	DateUpdated string   `json:"dateUpdated"`
}

// CreatedView is the answer to a create: the webhook and its secret,
// shown this once.
type CreatedView struct {
	View
	Secret string `json:"secret"`
}

// ViewOf renders w for the wire.
func ViewOf(w *Webhook) View {
	ev := w.Events
	if ev == nil {
		ev = []string{}
	}
	return View{ID: w.ID, URL: w.URL, Events: ev, Status: w.Status, Description: w.Description,
		DateCreated: wire.Time(w.Created), DateUpdated: wire.Time(w.Updated)}
}

// EventView is the wire WebhookEvent (docs/protocol/webhooks.md §3).
type EventView struct {
	ID              string  `json:"id"`
	Date            string  `json:"date"`
	Kind            string  `json:"kind"`
	Data            rawJSON `json:"data"`
	Status          string  `json:"status"`
	Error           string  `json:"error,omitempty"`
	TimestampSent   int64   `json:"timestampSent"`
	DeliveryAttempt int     `json:"deliveryAttempt"`
	RetryOf         string  `json:"retryOf,omitempty"`
	DeliveryFailed  bool    `json:"deliveryFailed"`
	NextAttemptDate string  `json:"nextAttemptDate,omitempty"`
}

// rawJSON is stored JSON written as it is.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("{}"), nil
	}
	return r, nil
}

// EventViewOf renders e for the wire.
func EventViewOf(e *Event) EventView {
	v := EventView{ID: e.ID, Date: wire.Time(e.Created), Kind: e.Kind, Data: rawJSON(e.Data), Status: e.Status,
		Error: e.Error, DeliveryAttempt: e.Attempt, RetryOf: e.RetryOf, DeliveryFailed: e.DeliveryFailed}
	if !e.Sent.IsZero() {
		v.TimestampSent = e.Sent.Unix()
	}
	if !e.NextAttempt.IsZero() {
		v.NextAttemptDate = wire.Time(e.NextAttempt)
	}
	return v
}
