package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/custos-dev/custos/internal/solwallet"
)

var _ solwallet.Store = (*DB)(nil)

// TokenMints lists the mints in a Solana wallet's token events.
func (db *DB) TokenMints(ctx context.Context, org, walletID string) ([]string, error) {
	return queryAll(ctx, db, "token mints", `SELECT DISTINCT contract FROM evm_events
		WHERE org_id = ? AND wallet_id = ? AND kind IN ('SplTransfer', 'Spl2022Transfer') ORDER BY contract LIMIT 100`,
		[]any{org, walletID}, func(r scanner) (string, error) {
			var c string
			return c, r.Scan(&c)
		})
}

// SetSolValidUntil records the last block height at which the signed
// transaction of request id can land, unless one is recorded.
func (db *DB) SetSolValidUntil(ctx context.Context, id string, height int64) error {
	if _, err := db.execQuiet(ctx, `INSERT INTO sol_valid_until (request_id, last_valid_height) VALUES (?, ?)
		ON CONFLICT (request_id) DO NOTHING`, id, height); err != nil {
		return fmt.Errorf("store valid height: %w", err)
	}
	return nil
}

// SolValidUntil returns the height SetSolValidUntil recorded for request id
// (ok false: none).
func (db *DB) SolValidUntil(ctx context.Context, id string) (int64, bool, error) {
	var h int64
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT last_valid_height FROM sol_valid_until WHERE request_id = ?`), id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("select valid height: %w", err)
	}
	return h, true, nil
}
