package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
)

// errNoUnit is returned by Serialize outside a unit of work.
var errNoUnit = errors.New("sqlstore: Serialize needs a unit of work")

// Serialize makes the units of work that call it with the same name run
// one after another, across every process sharing the database, from this
// call until the unit ends: a transaction-scoped advisory lock on
// PostgreSQL. A SQLite database has one writer, which runs units one at a
// time already. It lets a unit check that something does not exist yet
// and create it, without a second process doing the same meanwhile
// (bootstrap, the first token signing key).
func (db *DB) Serialize(ctx context.Context, name string) error {
	u := unitFrom(ctx)
	if u == nil {
		return errNoUnit
	}
	if db.dialect != "postgres" {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte("custos:" + name))
	if _, err := u.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64())); err != nil {
		return fmt.Errorf("serialize %s: %w", name, err)
	}
	return nil
}
