package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// Replicas on one PostgreSQL database keep their read caches correct
// (cache.go, docs/replicas.md) by three means:
//   - each polls the shared cache generation every cachePoll and serves a
//     cached entry only while the last poll that validated it started
//     less than cacheFence ago;
//   - each lists itself in `replicas` every heartbeatEvery, and serves
//     nothing from its cache unless its last listing started less than
//     selfFence ago (a replica that cannot renew it stops serving cached
//     reads before the others stop counting it);
//   - a write that may change cached reads, once committed, waits
//     cacheFence when another replica is listed (seen within
//     listedFor by the database's clock), so that every other cache has
//     polled past the commit or stopped serving before it returns.
//
// A replica registers before its first poll. So when a write, after its
// commit, finds no other replica listed, any replica not yet listed polls
// first after the commit and sees the new generation.
const (
	heartbeatEvery = time.Second
	selfFence      = 3 * time.Second
	listedFor      = "5 seconds"
	// forgetAfter drops the rows of replicas gone for good.
	forgetAfter = "1 hour"
)

// WatchCacheGeneration runs the replica's side of the above until ctx
// ends, in the program's worker group: without it, on PostgreSQL, every
// read goes to the database. It returns nil at once on SQLite.
func (db *DB) WatchCacheGeneration(ctx context.Context) error {
	if !db.cache.shared {
		return nil
	}
	defer func() {
		// Gone: the others need not wait for this cache any more.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_, _ = db.r.ExecContext(dctx, `DELETE FROM replicas WHERE id = $1`, db.replicaID)
		cancel()
	}()
	t := time.NewTicker(cachePoll)
	defer t.Stop()
	var listed time.Time
	for {
		if time.Since(listed) >= heartbeatEvery {
			start := time.Now()
			if err := db.heartbeat(ctx); err == nil {
				listed = start
				db.cache.listed(start)
			}
		}
		if !listed.IsZero() {
			start := time.Now()
			pctx, cancel := context.WithTimeout(ctx, cacheFence)
			g, err := db.sharedGeneration(pctx)
			cancel()
			if err == nil {
				db.cache.observe(g, start)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// heartbeat lists this replica as holding cached reads, and forgets the
// replicas gone for long.
func (db *DB) heartbeat(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := db.r.ExecContext(ctx, `INSERT INTO replicas (id, seen_at) VALUES ($1, now())
		ON CONFLICT (id) DO UPDATE SET seen_at = now()`, db.replicaID); err != nil {
		return fmt.Errorf("replica heartbeat: %w", err)
	}
	_, err := db.r.ExecContext(ctx, `DELETE FROM replicas WHERE seen_at < now() - interval '`+forgetAfter+`'`)
	return err
}

// fence returns once every other replica's cache has seen the write just
// committed: at once when no other replica is listed, after cacheFence
// otherwise (or when the list cannot be read).
func (db *DB) fence() {
	ctx, cancel := context.WithTimeout(context.Background(), cacheFence)
	defer cancel()
	var others bool
	err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM replicas
		WHERE id <> $1 AND seen_at > now() - interval '`+listedFor+`')`, db.replicaID).Scan(&others)
	if err != nil || others {
		time.Sleep(cacheFence)
	}
}

// sharedGeneration reads the replicas' shared cache generation.
func (db *DB) sharedGeneration(ctx context.Context) (uint64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(sum(n), 0)::bigint FROM cache_generation`).Scan(&n); err != nil {
		return 0, fmt.Errorf("read cache generation: %w", err)
	}
	return uint64(n), nil
}
