package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/evmwallet"
)

// AbortEVMRequest fails request id of org, provided it is Executing and
// not signed yet (docs/protocol/evm-transfers.md §4b), and reports whether
// it was such. A nonce it holds is given back in the same write, which
// only the wallet's last allocated nonce can be: when a later one was
// allocated, nothing changes and the error is evmwallet.ErrLaterNonce.
func (db *DB) AbortEVMRequest(ctx context.Context, org, id, reason string) (bool, error) {
	aborted := false
	err := db.writeQuiet(ctx, func(tx *Tx) error {
		var status, signed, walletID string
		var nonce int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT status, signed_tx, nonce, wallet_id FROM evm_requests
			WHERE org_id = ? AND id = ?`+db.forUpdate()), org, id).Scan(&status, &signed, &nonce, &walletID)
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound("request %s not found", id)
		}
		if err != nil {
			return err
		}
		if status != evmwallet.StatusExecuting || signed != "" {
			return nil
		}
		if nonce >= 0 {
			res, err := tx.ExecContext(ctx, db.q(`UPDATE evm_nonces SET next = ? WHERE wallet_id = ? AND next = ?`),
				nonce, walletID, nonce+1)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return evmwallet.ErrLaterNonce
			}
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE evm_requests SET status = 'Failed', reason = ?
			WHERE id = ? AND status = 'Executing' AND signed_tx = ''`), reason, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		aborted = n == 1
		return err
	})
	var ae *apierr.Error
	if err != nil && !errors.Is(err, evmwallet.ErrLaterNonce) && !errors.As(err, &ae) {
		return false, fmt.Errorf("abort evm request: %w", err)
	}
	return aborted, err
}

// SetEVMReplacement records replacementID as the replacement of request id
// of org, provided it is Broadcasted and has none; it reports whether it
// did (one of two concurrent speed-ups or cancels does it).
func (db *DB) SetEVMReplacement(ctx context.Context, org, id, replacementID string) (bool, error) {
	res, err := db.execQuiet(ctx, `UPDATE evm_requests SET replacement_id = ?
		WHERE org_id = ? AND id = ? AND status = 'Broadcasted' AND replacement_id = ''`, replacementID, org, id)
	if err != nil {
		return false, fmt.Errorf("set replacement: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// EVMNonceHeld reports whether an open request of wallet other than
// exceptID holds nonce (a replacement and the request it replaces share
// theirs), in the unit of work of ctx when there is one.
func (db *DB) EVMNonceHeld(ctx context.Context, walletID string, nonce int64, exceptID string) (bool, error) {
	var n int
	err := db.writeQuiet(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM evm_requests WHERE wallet_id = ? AND nonce = ? AND id <> ?
			AND status IN ('Executing', 'Broadcasted')`), walletID, nonce, exceptID).Scan(&n)
	})
	if err != nil {
		return false, fmt.Errorf("nonce held: %w", err)
	}
	return n > 0, nil
}
