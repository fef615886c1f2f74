package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/webhook"
)

var _ webhook.Store = (*DB)(nil)

const webhookSelect = `SELECT id, org_id, url, description, events, status, kek_id, sealed, created_at, updated_at FROM webhooks`

func scanWebhook(sc scanner) (*webhook.Webhook, error) {
	var w webhook.Webhook
	var events string
	var created, updated int64
	if err := sc.Scan(&w.ID, &w.OrgID, &w.URL, &w.Description, &events, &w.Status, &w.KEKID, &w.Sealed, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, fmt.Errorf("webhook %s events: %w", w.ID, err)
	}
	w.Created, w.Updated = fromMS(created), fromMS(updated)
	return &w, nil
}

func eventsText(evs []string) string {
	if evs == nil {
		evs = []string{}
	}
	b, _ := json.Marshal(evs)
	return string(b)
}

// CreateWebhook inserts w. Like every webhook write it invalidates the
// cached reads, WebhookSubscriptions among them.
func (db *DB) CreateWebhook(ctx context.Context, w *webhook.Webhook) error {
	_, err := db.exec(ctx, `INSERT INTO webhooks (id, org_id, url, description, events, status, kek_id, sealed,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.OrgID, w.URL, w.Description, eventsText(w.Events), w.Status, w.KEKID, w.Sealed, ms(w.Created), ms(w.Updated))
	if err != nil {
		return fmt.Errorf("insert webhook: %w", err)
	}
	return nil
}

// Webhook returns webhook id of org, or NotFound.
func (db *DB) Webhook(ctx context.Context, org, id string) (*webhook.Webhook, error) {
	w, err := scanWebhook(db.rd(ctx).QueryRowContext(ctx, db.q(webhookSelect+` WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("webhook %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select webhook: %w", err)
	}
	return w, nil
}

// Webhooks pages through the webhooks of org by id.
func (db *DB) Webhooks(ctx context.Context, org string, p identity.Page) ([]*webhook.Webhook, string, error) {
	return queryPage(ctx, db, "webhooks", webhookSelect+` WHERE org_id = ? AND id > ? ORDER BY id`,
		[]any{org, p.Token}, p, scanWebhook, func(w *webhook.Webhook) string { return w.ID })
}

// CountWebhooks counts the webhooks of org.
func (db *DB) CountWebhooks(ctx context.Context, org string) (int, error) {
	var n int
	if err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM webhooks WHERE org_id = ?`), org).Scan(&n); err != nil {
		return 0, fmt.Errorf("count webhooks: %w", err)
	}
	return n, nil
}

// UpdateWebhook writes url, description, events, status and updated_at.
func (db *DB) UpdateWebhook(ctx context.Context, w *webhook.Webhook) error {
	_, err := db.exec(ctx, `UPDATE webhooks SET url = ?, description = ?, events = ?, status = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, w.URL, w.Description, eventsText(w.Events), w.Status, ms(w.Updated), w.OrgID, w.ID)
	if err != nil {
		return fmt.Errorf("update webhook: %w", err)
	}
	return nil
}

// DeleteWebhook removes webhook id of org and its events.
func (db *DB) DeleteWebhook(ctx context.Context, org, id string) error {
	return db.tx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM webhook_events WHERE org_id = ? AND webhook_id = ?`), org, id); err != nil {
			return fmt.Errorf("delete webhook events: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM webhooks WHERE org_id = ? AND id = ?`), org, id); err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		return nil
	})
}

// WebhookSubscriptions lists the webhooks of org for the emitter. It runs
// inside units of work (every Emit does), so it uses the read cache even
// there, as long as the unit changed nothing cached reads depend on: the
// webhooks it reads are then the committed ones (a webhook write commits,
// then invalidates the cache, so a read made before is never served after).
func (db *DB) WebhookSubscriptions(ctx context.Context, org string) ([]webhook.Subscription, error) {
	v := db.cache.view()
	if u := unitFrom(ctx); u != nil && u.loud {
		v = view{c: uncached}
	}
	return cached(v, "whs\x00"+org, func() ([]webhook.Subscription, error) {
		rows, err := db.rd(ctx).QueryContext(ctx, db.q(`SELECT id, status, events FROM webhooks WHERE org_id = ?`), org)
		if err != nil {
			return nil, fmt.Errorf("select webhooks: %w", err)
		}
		defer rows.Close()
		out := []webhook.Subscription{}
		for rows.Next() {
			var s webhook.Subscription
			var status, events string
			if err := rows.Scan(&s.ID, &status, &events); err != nil {
				return nil, fmt.Errorf("scan webhook: %w", err)
			}
			if err := json.Unmarshal([]byte(events), &s.Events); err != nil {
				return nil, fmt.Errorf("webhook %s events: %w", s.ID, err)
			}
			s.Enabled = status == webhook.StatusEnabled
			out = append(out, s)
		}
		return out, rows.Err()
	})
}

const eventColumns = `id, org_id, webhook_id, kind, data, created_at, attempt, retry_of, first_at, due_at`

func eventArgs(e *webhook.Event) []any {
	return []any{e.ID, e.OrgID, e.WebhookID, e.Kind, string(e.Data), ms(e.Created), e.Attempt, e.RetryOf, ms(e.First), ms(e.Due)}
}

// InsertWebhookEvents stores pending events as one statement (in the unit
// of work of ctx, when there is one). They touch no cached read.
func (db *DB) InsertWebhookEvents(ctx context.Context, evs []*webhook.Event) error {
	if len(evs) == 0 {
		return nil
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", 10), ", ") + ")"
	query := `INSERT INTO webhook_events (` + eventColumns + `) VALUES ` +
		strings.TrimSuffix(strings.Repeat(row+", ", len(evs)), ", ")
	args := make([]any, 0, 10*len(evs))
	for _, e := range evs {
		args = append(args, eventArgs(e)...)
	}
	err := db.submit(ctx, writeOp{single: true, quiet: true, nofail: true, fn: func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, db.q(query), args...)
		return err
	}})
	if err != nil {
		return fmt.Errorf("insert webhook events: %w", err)
	}
	return nil
}

const eventSelect = `SELECT id, org_id, webhook_id, kind, data, created_at, attempt, retry_of, first_at, due_at, done,
	status, error, delivery_failed, sent_at, next_attempt_at FROM webhook_events`

func scanEvent(sc scanner) (*webhook.Event, error) {
	var e webhook.Event
	var data string
	var created, first, due, sent, next int64
	var done, failed int
	if err := sc.Scan(&e.ID, &e.OrgID, &e.WebhookID, &e.Kind, &data, &created, &e.Attempt, &e.RetryOf, &first, &due,
		&done, &e.Status, &e.Error, &failed, &sent, &next); err != nil {
		return nil, err
	}
	e.Data = []byte(data)
	e.Created, e.First, e.Due, e.NextAttempt = fromMS(created), fromMS(first), fromMS(due), fromMS(next)
	if sent != 0 {
		e.Sent = time.Unix(sent, 0).UTC()
	}
	e.Done, e.DeliveryFailed = done != 0, failed != 0
	return &e, nil
}

// WebhookEvent returns event id of webhook webhookID of org, or NotFound.
func (db *DB) WebhookEvent(ctx context.Context, org, webhookID, id string) (*webhook.Event, error) {
	e, err := scanEvent(db.rd(ctx).QueryRowContext(ctx, db.q(eventSelect+` WHERE org_id = ? AND webhook_id = ? AND id = ?`),
		org, webhookID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("webhook event %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select webhook event: %w", err)
	}
	return e, nil
}

// WebhookEvents pages through the events of a webhook by id, filtered.
func (db *DB) WebhookEvents(ctx context.Context, org, webhookID string, f webhook.EventFilter, p identity.Page) ([]*webhook.Event, string, error) {
	q := eventSelect + ` WHERE org_id = ? AND webhook_id = ? AND id > ?`
	args := []any{org, webhookID, p.Token}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.DeliveryFailed != nil {
		q += ` AND delivery_failed = ?`
		args = append(args, boolInt(*f.DeliveryFailed))
	}
	return queryPage(ctx, db, "webhook events", q+` ORDER BY id`, args, p, scanEvent,
		func(e *webhook.Event) string { return e.ID })
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ClaimWebhookEvents leases up to n due, pending, unleased events until
// leaseUntil. On PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so
// replicas claiming at the same time never take the same event.
func (db *DB) ClaimWebhookEvents(ctx context.Context, now, leaseUntil time.Time, n int) ([]*webhook.Event, error) {
	lock := ""
	if db.dialect == "postgres" {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	query := db.q(`UPDATE webhook_events SET lease_until = ? WHERE id IN (SELECT id FROM webhook_events
		WHERE done = 0 AND due_at <= ? AND lease_until < ? ORDER BY due_at LIMIT ?` + lock + `)
		RETURNING id, org_id, webhook_id, kind, data, created_at, attempt, retry_of, first_at, due_at, done,
		status, error, delivery_failed, sent_at, next_attempt_at`)
	var out []*webhook.Event
	err := db.writeQuiet(ctx, func(tx *Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, query, ms(leaseUntil), ms(now), ms(now), n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim webhook events: %w", err)
	}
	return out, nil
}

// ReleaseWebhookLeases ends every lease on pending events.
func (db *DB) ReleaseWebhookLeases(ctx context.Context) error {
	_, err := db.execQuiet(ctx, `UPDATE webhook_events SET lease_until = 0 WHERE done = 0 AND lease_until <> 0`)
	return err
}

// RecordWebhookDelivery stores the outcome of an attempt (once: an event
// already recorded is left as it is) and inserts its retry, together.
func (db *DB) RecordWebhookDelivery(ctx context.Context, o *webhook.Outcome) error {
	var sent int64
	if !o.Sent.IsZero() {
		sent = o.Sent.Unix()
	}
	return db.writeQuiet(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE webhook_events SET done = 1, lease_until = 0, status = ?, error = ?,
			delivery_failed = ?, sent_at = ?, first_at = ?, next_attempt_at = ? WHERE id = ? AND done = 0`),
			o.Status, o.Error, boolInt(o.DeliveryFailed), sent, ms(o.First), ms(o.NextAttempt), o.EventID)
		if err != nil {
			return fmt.Errorf("record webhook delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 || o.Retry == nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO webhook_events (`+eventColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			eventArgs(o.Retry)...); err != nil {
			return fmt.Errorf("insert webhook retry: %w", err)
		}
		return nil
	})
}

// PruneWebhookEvents removes attempted events created before cutoff.
func (db *DB) PruneWebhookEvents(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.execQuiet(ctx, `DELETE FROM webhook_events WHERE done = 1 AND created_at < ?`, ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("prune webhook events: %w", err)
	}
	return res.RowsAffected()
}

// AfterCommit runs f once the unit of work of ctx has committed (never if
// it rolls back) and reports true, or reports false when ctx has no unit.
func (db *DB) AfterCommit(ctx context.Context, f func()) bool {
	u := unitFrom(ctx)
	if u == nil {
		return false
	}
	u.onSettle(func(committed bool) {
		if committed {
			f()
		}
	})
	return true
}
