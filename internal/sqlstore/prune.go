package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// Prune deletes protocol state that can no longer be used: challenges,
// nonces and logged-out sessions past their expiry, and user actions that
// expired unconsumed. Consumed user actions are the audit log and stay.
func (db *DB) Prune(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM challenges WHERE expires_at < ?`,
		`DELETE FROM nonces WHERE expires_at < ?`,
		`DELETE FROM revoked_sessions WHERE expires_at < ?`,
		`DELETE FROM user_actions WHERE consumed_at = 0 AND expires_at < ?`,
	} {
		res, err := db.exec(ctx, q, ms(now))
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
