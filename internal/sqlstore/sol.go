package sqlstore

import (
	"context"

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
