package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/id"
)

// Prune deletes protocol state that expired before before: what
// PruneProtocol deletes, and nonces and logged-out sessions.
func (db *DB) Prune(ctx context.Context, before, since time.Time) (int64, error) {
	n, err := db.PruneProtocol(ctx, before, since)
	if err != nil {
		return n, err
	}
	m, err := db.PruneSessions(ctx, before)
	return n + m, err
}

// PruneSessions deletes nonces and logged-out sessions that expired before
// before.
func (db *DB) PruneSessions(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM nonces WHERE expires_at < ?`,
		`DELETE FROM revoked_sessions WHERE expires_at < ?`,
	} {
		res, err := db.exec(ctx, q, ms(before))
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

const (
	// pruneBatch bounds the challenges one statement deletes, and
	// pruneStep the span of user-action ids one statement looks at, so
	// that pruning holds the single writer only briefly at a time.
	pruneBatch = 2000
	pruneStep  = 15 * time.Second
)

// PruneProtocol deletes the challenges and the unconsumed user actions
// that expired before before, and forgets expired entries of the
// in-memory caches and counts. Consumed user actions are the audit log and
// stay; so that pruning does not read the whole log each time, only
// actions made since since are looked at (zero: all). Both are found by id
// range (an id starts with its creation time, and nothing expires before
// it is made).
func (db *DB) PruneProtocol(ctx context.Context, before, since time.Time) (int64, error) {
	now := time.Now()
	if before.Before(now) {
		now = before
	}
	db.challenges.sweep(now)
	db.actions.sweep(now)
	db.live.expire(now)

	var total int64
	run := func(q string, args ...any) (int64, error) {
		res, err := db.execQuiet(ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("prune: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		return n, nil
	}
	// Challenges live minutes: the table holds little besides expired ones,
	// which sort first.
	for {
		n, err := run(`DELETE FROM challenges WHERE id IN (SELECT id FROM challenges WHERE id < ? AND expires_at < ? LIMIT ?)`,
			id.Floor("ch", before), ms(before), pruneBatch)
		if err != nil {
			return total, err
		}
		if n < pruneBatch {
			break
		}
	}
	const actions = `DELETE FROM user_actions WHERE id >= ? AND id < ? AND consumed_at = 0 AND expires_at < ?`
	if since.IsZero() {
		_, err := run(actions, "", id.Floor("ua", before), ms(before))
		return total, err
	}
	for lo := since; lo.Before(before); lo = lo.Add(pruneStep) {
		hi := lo.Add(pruneStep)
		if hi.After(before) {
			hi = before
		}
		if _, err := run(actions, id.Floor("ua", lo), id.Floor("ua", hi), ms(before)); err != nil {
			return total, err
		}
	}
	return total, nil
}
