package webhook

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
)

// Sealer seals webhook secrets at rest; *custody.Keyring is one.
type Sealer interface {
	Seal(plaintext, aad []byte) (kekID string, ciphertext []byte, err error)
	Open(kekID string, ciphertext, aad []byte) ([]byte, error)
}

// Config configures webhooks and their delivery.
type Config struct {
	// Guard decides which addresses webhooks may reach.
	Guard Guard
	// Timeout bounds one delivery (default 10 s).
	Timeout time.Duration
	// RetryDelays are the delays, from the first attempt, of the retries
	// of a failed delivery (default 1m, 12m, 2h, 24h: five attempts).
	RetryDelays []time.Duration
	// Concurrency bounds the deliveries in flight (default 8).
	Concurrency int
	// Poll is how often the worker looks for due events (default 500 ms).
	Poll time.Duration
}

// DefaultRetryDelays is the documented retry schedule.
var DefaultRetryDelays = []time.Duration{time.Minute, 12 * time.Minute, 2 * time.Hour, 24 * time.Hour}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.RetryDelays == nil {
		c.RetryDelays = DefaultRetryDelays
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.Poll <= 0 {
		c.Poll = 500 * time.Millisecond
	}
	return c
}

// MaxWebhooks bounds the webhooks of one organisation.
const MaxWebhooks = 10

// Kinds are the event kinds a webhook may subscribe to (the Dfns list,
// docs/protocol/webhooks.md §1).
var Kinds = []string{
	"policy.triggered", "policy.approval.pending", "policy.approval.resolved",
	"key.created", "key.deleted", "key.delegated", "key.exported",
	"wallet.blockchainevent.detected", "wallet.created", "wallet.activated", "wallet.delegated", "wallet.exported",
	"wallet.signature.failed", "wallet.signature.rejected", "wallet.signature.requested", "wallet.signature.signed",
	"wallet.transaction.broadcasted", "wallet.transaction.confirmed", "wallet.transaction.failed",
	"wallet.transaction.rejected", "wallet.transaction.requested",
	"wallet.transfer.broadcasted", "wallet.transfer.confirmed", "wallet.transfer.failed",
	"wallet.transfer.rejected", "wallet.transfer.requested",
	"wallet.offer.received", "wallet.offer.accepted", "wallet.offer.rejected", "wallet.offer.withdrawn",
	"wallet.tags.modified", "payout.action.required",
}

// Service manages webhooks.
type Service struct {
	store  Store
	sealer Sealer
	cfg    Config
	post   *poster
	now    func() time.Time
}

// New returns the webhook service.
func New(st Store, sealer Sealer, cfg Config) *Service {
	cfg = cfg.withDefaults()
	return &Service{store: st, sealer: sealer, cfg: cfg, post: newPoster(cfg), now: nowMS}
}

func nowMS() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// CreateInput is the body of POST /webhooks.
type CreateInput struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description *string  `json:"description"`
	Status      *string  `json:"status"`
}

// UpdateInput is the body of PUT /webhooks/{webhookId}: absent fields stay.
type UpdateInput struct {
	URL         *string  `json:"url"`
	Events      []string `json:"events"`
	Description *string  `json:"description"`
	Status      *string  `json:"status"`
}

func checkEvents(evs []string) error {
	if len(evs) == 0 {
		return apierr.BadRequest("events must list at least one event kind (or \"*\")")
	}
	if len(evs) > len(Kinds)+1 {
		return apierr.BadRequest("events lists more than %d kinds", len(Kinds)+1)
	}
	for _, e := range evs {
		if e != "*" && !slices.Contains(Kinds, e) {
			return apierr.BadRequest("events: %q is not a webhook event kind", clip(e))
		}
	}
	return nil
}

func checkStatus(s *string) error {
	if s != nil && *s != StatusEnabled && *s != StatusDisabled {
		return apierr.BadRequest("status must be Enabled or Disabled")
	}
	return nil
}

func checkDescription(d *string) error {
	if d == nil {
		return nil
	}
	return validate.Text("description", *d, 1000)
}

func dedupe(evs []string) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// Create serves POST /webhooks; act is consumed with the stored webhook.
// The secret is returned here only.
func (s *Service) Create(ctx context.Context, p *principal.Principal, act store.Consumer, in *CreateInput) (CreatedView, error) {
	if err := checkEvents(in.Events); err != nil {
		return CreatedView{}, err
	}
	if err := checkStatus(in.Status); err != nil {
		return CreatedView{}, err
	}
	if err := checkDescription(in.Description); err != nil {
		return CreatedView{}, err
	}
	if err := s.cfg.Guard.CheckURL(ctx, in.URL); err != nil {
		return CreatedView{}, err
	}
	now := s.now()
	w := &Webhook{ID: id.New("wh"), OrgID: p.OrgID, URL: in.URL, Events: dedupe(in.Events), Status: StatusEnabled,
		Created: now, Updated: now}
	if in.Status != nil {
		w.Status = *in.Status
	}
	if in.Description != nil {
		w.Description = *in.Description
	}
	secret := "whs-" + id.Secret(24)
	var err error
	if w.KEKID, w.Sealed, err = s.sealer.Seal([]byte(secret), w.AAD()); err != nil {
		return CreatedView{}, fmt.Errorf("seal webhook secret: %w", err)
	}
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		n, err := s.store.CountWebhooks(ctx, p.OrgID)
		if err != nil {
			return err
		}
		if n >= MaxWebhooks {
			return apierr.BadRequest("an organisation has at most %d webhooks", MaxWebhooks)
		}
		return s.store.CreateWebhook(ctx, w)
	})
	if err != nil {
		return CreatedView{}, err
	}
	return CreatedView{View: ViewOf(w), Secret: secret}, nil
}

// load returns webhook whID of p's org, or a 404.
func (s *Service) load(ctx context.Context, p *principal.Principal, whID string) (*Webhook, error) {
	if !id.Valid("wh", whID) {
		return nil, apierr.NotFound("webhook %s not found", clip(whID))
	}
	return s.store.Webhook(ctx, p.OrgID, whID)
}

// Get serves GET /webhooks/{webhookId}.
func (s *Service) Get(ctx context.Context, p *principal.Principal, whID string) (View, error) {
	w, err := s.load(ctx, p, whID)
	if err != nil {
		return View{}, err
	}
	return ViewOf(w), nil
}

// List serves GET /webhooks.
func (s *Service) List(ctx context.Context, p *principal.Principal, pg identity.Page) ([]View, string, error) {
	ws, next, err := s.store.Webhooks(ctx, p.OrgID, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]View, 0, len(ws))
	for _, w := range ws {
		out = append(out, ViewOf(w))
	}
	return out, next, nil
}

// Update serves PUT /webhooks/{webhookId}; act is consumed with the change.
func (s *Service) Update(ctx context.Context, p *principal.Principal, act store.Consumer, whID string, in *UpdateInput) (View, error) {
	if in.Events != nil {
		if err := checkEvents(in.Events); err != nil {
			return View{}, err
		}
	}
	if err := checkStatus(in.Status); err != nil {
		return View{}, err
	}
	if err := checkDescription(in.Description); err != nil {
		return View{}, err
	}
	if in.URL != nil {
		if err := s.cfg.Guard.CheckURL(ctx, *in.URL); err != nil {
			return View{}, err
		}
	}
	w, err := s.load(ctx, p, whID)
	if err != nil {
		return View{}, err
	}
	if in.URL != nil {
		w.URL = *in.URL
	}
	if in.Events != nil {
		w.Events = dedupe(in.Events)
	}
	if in.Description != nil {
		w.Description = *in.Description
	}
	if in.Status != nil {
		w.Status = *in.Status
	}
	w.Updated = s.now()
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.UpdateWebhook(ctx, w) }); err != nil {
		return View{}, err
	}
	return ViewOf(w), nil
}

// Deleted is the answer to DELETE /webhooks/{webhookId}.
type Deleted struct {
	Deleted bool `json:"deleted"`
}

// Delete serves DELETE /webhooks/{webhookId}: the webhook and its events
// go; pending deliveries stop.
func (s *Service) Delete(ctx context.Context, p *principal.Principal, act store.Consumer, whID string) (Deleted, error) {
	if _, err := s.load(ctx, p, whID); err != nil {
		return Deleted{}, err
	}
	err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.DeleteWebhook(ctx, p.OrgID, whID) })
	if err != nil {
		return Deleted{}, err
	}
	return Deleted{Deleted: true}, nil
}

// PingView is the answer to a ping.
type PingView struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Ping serves POST /webhooks/{webhookId}/ping: a signed synthetic event
// (kind "webhook.ping", not stored) is sent to the webhook's URL now, and
// the receiver's HTTP status (or the transport error's code) is returned.
func (s *Service) Ping(ctx context.Context, p *principal.Principal, whID string) (PingView, error) {
	w, err := s.load(ctx, p, whID)
	if err != nil {
		return PingView{}, err
	}
	secret, err := s.sealer.Open(w.KEKID, w.Sealed, w.AAD())
	if err != nil {
		return PingView{}, fmt.Errorf("open webhook %s secret: %w", w.ID, err)
	}
	data, _ := JSStringify([]byte(`{"webhook":{"id":` + strconv.Quote(w.ID) + `}}`))
	ev := &Event{ID: id.New("whe"), Kind: "webhook.ping", Data: data, Created: s.now(), Attempt: 1}
	res := s.post.send(ctx, w.URL, secret, ev, time.Now())
	clear(secret)
	return PingView{Status: res.status, Error: res.err}, nil
}

// Event serves GET /webhooks/{webhookId}/events/{webhookEventId}.
func (s *Service) Event(ctx context.Context, p *principal.Principal, whID, evID string) (EventView, error) {
	if _, err := s.load(ctx, p, whID); err != nil {
		return EventView{}, err
	}
	if !id.Valid("whe", evID) {
		return EventView{}, apierr.NotFound("webhook event %s not found", clip(evID))
	}
	e, err := s.store.WebhookEvent(ctx, p.OrgID, whID, evID)
	if err != nil {
		return EventView{}, err
	}
	return EventViewOf(e), nil
}

// Events serves GET /webhooks/{webhookId}/events.
func (s *Service) Events(ctx context.Context, p *principal.Principal, whID string, f EventFilter, pg identity.Page) ([]EventView, string, error) {
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		return nil, "", apierr.BadRequest("kind: %q is not a webhook event kind", clip(f.Kind))
	}
	if _, err := s.load(ctx, p, whID); err != nil {
		return nil, "", err
	}
	es, next, err := s.store.WebhookEvents(ctx, p.OrgID, whID, f, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]EventView, 0, len(es))
	for _, e := range es {
		out = append(out, EventViewOf(e))
	}
	return out, next, nil
}

// clip shortens caller-supplied text echoed in error messages.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
