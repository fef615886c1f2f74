package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
)

// Retention is how long attempted events are kept.
const Retention = 31 * 24 * time.Hour

// Worker delivers pending events (docs/protocol/webhooks.md §4). Several
// workers (replicas on one PostgreSQL database) share the work: each claims
// due events with a lease (FOR UPDATE SKIP LOCKED), so an attempt is made
// by one of them; an attempt whose worker died is made again once its
// lease ends. At most Config.Concurrency deliveries run at once, each
// bounded by Config.Timeout.
type Worker struct {
	svc     *Service
	store   Store
	logger  *slog.Logger
	wakeup  chan struct{}
	release bool // end every lease at start (one process owns the database)
}

// NewWorker returns the worker of svc's webhooks. ownsDB says that no
// other process uses the database (SQLite), so leases left by a previous
// run are ended at start instead of waiting for them to expire.
func NewWorker(svc *Service, logger *slog.Logger, ownsDB bool) *Worker {
	return &Worker{svc: svc, store: svc.store, logger: logger, wakeup: make(chan struct{}, 1), release: ownsDB}
}

// Wake tells the worker that events may be due (never blocks).
func (w *Worker) Wake() {
	select {
	case w.wakeup <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends; deliveries in flight are abandoned then
// (their events stay pending and are delivered after the lease ends).
func (w *Worker) Run(ctx context.Context) error {
	cfg := w.svc.cfg
	if w.release {
		if err := w.store.ReleaseWebhookLeases(ctx); err != nil {
			w.logger.Warn("release webhook leases", "error", err.Error())
		}
	}
	// Claimed events wait in jobs for a free delivery slot: at most
	// Concurrency are in flight and as many wait, each well within its
	// lease (a wait lasts at most one delivery's timeout).
	jobs := make(chan *Event)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				w.deliver(ctx, e)
			}
		}()
	}
	defer wg.Wait()
	defer close(jobs)
	tick := time.NewTicker(cfg.Poll)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		now := time.Now()
		evs, err := w.store.ClaimWebhookEvents(ctx, now, now.Add(2*cfg.Timeout+5*time.Second), cfg.Concurrency)
		if err != nil && ctx.Err() == nil {
			w.logger.Warn("claim webhook events", "error", err.Error())
		}
		for _, e := range evs {
			select {
			case jobs <- e:
			case <-ctx.Done():
				return nil // the lease ends and another run delivers it
			}
		}
		if len(evs) == cfg.Concurrency {
			continue // more may be due
		}
		if time.Since(lastPrune) > time.Hour {
			lastPrune = time.Now()
			if _, err := w.store.PruneWebhookEvents(ctx, time.Now().Add(-Retention)); err != nil && ctx.Err() == nil {
				w.logger.Warn("prune webhook events", "error", err.Error())
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-w.wakeup:
		}
	}
}

// deliver makes one attempt of e and records its outcome, scheduling the
// next attempt when it failed and the schedule has one left.
func (w *Worker) deliver(ctx context.Context, e *Event) {
	s := w.svc
	now := time.Now().UTC()
	o := &Outcome{EventID: e.ID, Sent: now, First: e.First}
	if o.First.IsZero() {
		o.First = now
	}
	wh, err := s.store.Webhook(ctx, e.OrgID, e.WebhookID)
	switch {
	case ctx.Err() != nil:
		return
	case err != nil && isNotFound(err):
		o.DeliveryFailed, o.Error, o.Sent = true, "the webhook was deleted", time.Time{}
		w.record(ctx, o)
		return
	case err != nil:
		w.logger.Warn("load webhook for delivery", "webhook", e.WebhookID, "error", err.Error())
		return // the lease ends and the attempt is made again
	case wh.Status != StatusEnabled:
		o.DeliveryFailed, o.Error, o.Sent = true, "the webhook is disabled", time.Time{}
		w.record(ctx, o)
		return
	}
	secret, err := s.sealer.Open(wh.KEKID, wh.Sealed, wh.AAD())
	if err != nil {
		w.logger.Error("open webhook secret", "webhook", wh.ID, "error", err.Error())
		return
	}
	res := s.post.send(ctx, wh.URL, secret, e, now)
	clear(secret)
	if ctx.Err() != nil {
		return // shutting down: not an attempt; made again after the lease
	}
	o.Status, o.Error, o.DeliveryFailed = res.status, res.err, !res.ok
	if !res.ok && e.Attempt <= len(s.cfg.RetryDelays) {
		due := o.First.Add(s.cfg.RetryDelays[e.Attempt-1])
		if due.Before(now) {
			due = now
		}
		due = due.Truncate(time.Millisecond)
		o.NextAttempt = due
		o.Retry = &Event{ID: id.New("whe"), OrgID: e.OrgID, WebhookID: e.WebhookID, Kind: e.Kind, Data: e.Data,
			Created: e.Created, Attempt: e.Attempt + 1, RetryOf: e.ID, First: o.First, Due: due}
	}
	w.record(ctx, o)
}

func (w *Worker) record(ctx context.Context, o *Outcome) {
	if err := w.store.RecordWebhookDelivery(context.WithoutCancel(ctx), o); err != nil {
		w.logger.Warn("record webhook delivery", "event", o.EventID, "error", err.Error())
	}
}

// isNotFound reports whether err is the store's NotFound.
func isNotFound(err error) bool {
	var e *apierr.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}
