package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lease takes or renews the lease on the background job name for holder
// until now+ttl and reports whether holder has it: it does when nobody
// holds it, when holder already does, or when the previous holder let it
// expire (a replica that died). A job runs on the one replica holding its
// lease, and moves to another within ttl of its holder's end
// (docs/replicas.md). A SQLite database belongs to one process, which
// always holds every lease.
func (db *DB) Lease(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	if db.dialect != "postgres" {
		return true, nil
	}
	var got string
	err := db.r.QueryRowContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at < $4
		RETURNING holder`, name, holder, ms(now.Add(ttl)), ms(now)).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	return got == holder, nil
}
