package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/ratelimit"
)

// The state of the rate limits and the login/action backoff that replicas
// on one PostgreSQL database share (migrations/postgres/0006; the algorithms
// are in internal/ratelimit, docs/security.md "Rate limits and backoff").
// Each call is one statement in autocommit, outside the group of writes a
// unit makes and without invalidating any cache. SQLite has none of this:
// one process owns its database and keeps the state in memory.

// errNoSharedLimits is returned by the shared-limit calls on SQLite.
var errNoSharedLimits = errors.New("sqlstore: shared rate limits need PostgreSQL")

// SharesLimits reports whether the rate limits and the backoff should live
// in the database (PostgreSQL: several replicas may serve it).
func (db *DB) SharesLimits() bool { return db.dialect == "postgres" }

// spendTAT advances key's theoretical arrival time by interval when the
// result stays within window of now (all unix ns), inserting the key as
// at rest when unknown. It returns whether the request fits and the state
// after the call; a refused request changes nothing. The WHERE of DO UPDATE
// is the condition: a refused request returns no row from the upsert and
// the current state from the second branch.
const spendTAT = `WITH up AS (
	INSERT INTO rate_limits AS r (k, tat) VALUES ($1, $2::bigint + $3::bigint)
	ON CONFLICT (k) DO UPDATE SET tat = GREATEST(r.tat, $2::bigint) + $3::bigint
	WHERE GREATEST(r.tat, $2::bigint) + $3::bigint - $2::bigint <= $4::bigint
	RETURNING tat)
SELECT true, tat FROM up
UNION ALL
SELECT false, tat FROM rate_limits WHERE k = $1 AND NOT EXISTS (SELECT 1 FROM up)`

// SpendTAT implements ratelimit.TATStore.
func (db *DB) SpendTAT(ctx context.Context, key string, now, interval, window int64) (bool, int64, error) {
	if !db.SharesLimits() {
		return false, 0, errNoSharedLimits
	}
	var ok bool
	var tat int64
	err := db.w.QueryRowContext(ctx, spendTAT, key, now, interval, window).Scan(&ok, &tat)
	if errors.Is(err, sql.ErrNoRows) {
		// Refused while another transaction inserted the key after this
		// statement's snapshot: its state is at least one request ahead.
		return false, now + window, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	return ok, tat, nil
}

// Backoff statements: a failure bumps the pair and the subject (counts
// older than forget start afresh); the state read is the pair's and the
// subject's counts; a success deletes both.
const (
	backoffFail = `WITH p AS (
	INSERT INTO backoff_pairs AS b (scope, subject, client, n, last_ns) VALUES ($1, $2, $3, 1, $4)
	ON CONFLICT (scope, subject, client) DO UPDATE
	SET n = CASE WHEN $4::bigint - b.last_ns > $5::bigint THEN 1 ELSE b.n + 1 END, last_ns = GREATEST(b.last_ns, $4::bigint)
	RETURNING 1)
INSERT INTO backoff_subjects AS s (scope, subject, n, last_ns) VALUES ($1, $2, 1, $4)
ON CONFLICT (scope, subject) DO UPDATE
SET n = CASE WHEN $4::bigint - s.last_ns > $5::bigint THEN 1 ELSE s.n + 1 END, last_ns = GREATEST(s.last_ns, $4::bigint)`
	backoffState = `SELECT p.n, p.last_ns, COALESCE(s.n, 0), COALESCE(s.last_ns, 0)
FROM backoff_pairs p LEFT JOIN backoff_subjects s ON s.scope = p.scope AND s.subject = p.subject
WHERE p.scope = $1 AND p.subject = $2 AND p.client = $3`
	backoffReset = `WITH p AS (DELETE FROM backoff_pairs WHERE scope = $1 AND subject = $2 AND client = $3)
DELETE FROM backoff_subjects WHERE scope = $1 AND subject = $2`
	backoffSubjects = `SELECT subject FROM backoff_subjects WHERE scope = $1 AND last_ns >= $2 LIMIT $3`
)

// BackoffFail implements ratelimit.BackoffStore.
func (db *DB) BackoffFail(ctx context.Context, scope, subject, client string, t, forget int64) error {
	if !db.SharesLimits() {
		return errNoSharedLimits
	}
	if _, err := db.w.ExecContext(ctx, backoffFail, scope, subject, client, t, forget); err != nil {
		return fmt.Errorf("backoff: %w", err)
	}
	return nil
}

// BackoffState implements ratelimit.BackoffStore.
func (db *DB) BackoffState(ctx context.Context, scope, subject, client string) (pair, subj ratelimit.Failures, err error) {
	if !db.SharesLimits() {
		return pair, subj, errNoSharedLimits
	}
	err = db.w.QueryRowContext(ctx, backoffState, scope, subject, client).Scan(&pair.N, &pair.Last, &subj.N, &subj.Last)
	if errors.Is(err, sql.ErrNoRows) {
		return pair, subj, nil
	}
	if err != nil {
		return pair, subj, fmt.Errorf("backoff: %w", err)
	}
	return pair, subj, nil
}

// BackoffReset implements ratelimit.BackoffStore.
func (db *DB) BackoffReset(ctx context.Context, scope, subject, client string) error {
	if !db.SharesLimits() {
		return errNoSharedLimits
	}
	if _, err := db.w.ExecContext(ctx, backoffReset, scope, subject, client); err != nil {
		return fmt.Errorf("backoff: %w", err)
	}
	return nil
}

// BackoffSubjects implements ratelimit.BackoffStore.
func (db *DB) BackoffSubjects(ctx context.Context, scope string, since int64, limit int) ([]string, error) {
	if !db.SharesLimits() {
		return nil, errNoSharedLimits
	}
	rows, err := db.w.QueryContext(ctx, backoffSubjects, scope, since, limit)
	if err != nil {
		return nil, fmt.Errorf("backoff: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("backoff: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backoff: %w", err)
	}
	return out, nil
}

// PruneLimits deletes the rate-limit keys at rest at now (their budget is
// whole again: an absent key behaves the same) and the backoff failures
// last made more than forget before now. It does nothing on SQLite.
func (db *DB) PruneLimits(ctx context.Context, now time.Time, forget time.Duration) (int64, error) {
	if !db.SharesLimits() {
		return 0, nil
	}
	t := now.UnixNano()
	var total int64
	for _, st := range []struct {
		q   string
		arg int64
	}{
		{`DELETE FROM rate_limits WHERE tat <= $1`, t},
		{`DELETE FROM backoff_pairs WHERE last_ns < $1`, t - int64(forget)},
		{`DELETE FROM backoff_subjects WHERE last_ns < $1`, t - int64(forget)},
	} {
		res, err := db.w.ExecContext(ctx, st.q, st.arg)
		if err != nil {
			return total, fmt.Errorf("prune limits: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
