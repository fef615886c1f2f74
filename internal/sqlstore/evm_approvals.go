package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// The writes of EVM requests held by an approval
// (docs/protocol/evm-transfers.md §4a): each is conditional on the state it
// moves from, so that of two servers racing one wins.

// ResolveEVMRequest moves request id of org from Pending to status
// (Executing or Rejected) with reason and the date the policy resolved it,
// and reports whether it was Pending.
func (db *DB) ResolveEVMRequest(ctx context.Context, org, id, status, reason string, at time.Time) (bool, error) {
	res, err := db.execQuiet(ctx, `UPDATE evm_requests SET status = ?, reason = ?, policy_resolved_at = ?
		WHERE org_id = ? AND id = ? AND status = 'Pending'`, status, reason, ms(at), org, id)
	if err != nil {
		return false, fmt.Errorf("resolve evm request: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetEVMUnsigned stores the nonce and unsigned transaction of an approved
// request that has none yet, and reports whether it had none.
func (db *DB) SetEVMUnsigned(ctx context.Context, id string, nonce int64, unsigned string) (bool, error) {
	res, err := db.execQuiet(ctx, `UPDATE evm_requests SET nonce = ?, unsigned_tx = ?
		WHERE id = ? AND status = 'Executing' AND unsigned_tx = ''`, nonce, unsigned, id)
	if err != nil {
		return false, fmt.Errorf("store unsigned transaction: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FailUnbuiltEVMRequest fails an approved request whose transaction was
// not built (no nonce, nothing signed), and reports whether it was such.
func (db *DB) FailUnbuiltEVMRequest(ctx context.Context, id, reason string) (bool, error) {
	res, err := db.execQuiet(ctx, `UPDATE evm_requests SET status = 'Failed', reason = ?
		WHERE id = ? AND status = 'Executing' AND unsigned_tx = ''`, reason, id)
	if err != nil {
		return false, fmt.Errorf("fail evm request: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
