package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/id"
)

// Prune deletes protocol state that expired before before: challenges,
// nonces and logged-out sessions, and user actions that expired
// unconsumed. Consumed user actions are the audit log and stay; so that
// pruning does not read the whole log each time, only actions made since
// since are looked at (zero: all). Challenges and actions are found by id
// range (an id starts with its creation time, and nothing expires before
// it is made).
func (db *DB) Prune(ctx context.Context, before, since time.Time) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM challenges WHERE id < ? AND expires_at < ?`, []any{id.Floor("ch", before), ms(before)}},
		{`DELETE FROM nonces WHERE expires_at < ?`, []any{ms(before)}},
		{`DELETE FROM revoked_sessions WHERE expires_at < ?`, []any{ms(before)}},
		{`DELETE FROM user_actions WHERE id >= ? AND id < ? AND consumed_at = 0 AND expires_at < ?`,
			[]any{id.Floor("ua", since), id.Floor("ua", before), ms(before)}},
	} {
		res, err := db.exec(ctx, q.sql, q.args...)
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
