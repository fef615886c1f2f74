package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// TakeLease takes or renews the lease on the background job name for
// holder until until and reports whether holder has it: it does when
// nobody holds it, when holder already does, or when the previous holder
// let it expire (a replica that died). A job runs on the one replica
// holding its lease and moves to another once its holder stops renewing
// it (docs/replicas.md). One conditional statement, so of replicas racing
// for a free lease one gets it.
func (db *DB) TakeLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	res, err := db.execQuiet(ctx, `INSERT INTO worker_leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE worker_leases.holder = excluded.holder OR worker_leases.expires_at < ?`,
		name, holder, ms(until), ms(now))
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
