package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/custos-dev/custos/internal/btcwallet"
)

// The outputs that pay Bitcoin-family wallets (migration 0016). Requests,
// events, cursors and block hashes of these wallets are in the EVM tables
// (evm.go). Nothing here is cached, so every write is quiet.

var _ btcwallet.Store = (*DB)(nil)

const btcOutputCols = `network, tx_hash, vout, org_id, wallet_id, value, pk_script, block_number, coinbase, spent_tx, reserved_by`

func scanBTCOutput(sc scanner) (*btcwallet.Output, error) {
	var o btcwallet.Output
	var vout, coinbase int64
	err := sc.Scan(&o.Network, &o.TxHash, &vout, &o.OrgID, &o.WalletID, &o.Value, &o.PkScript, &o.Block, &coinbase,
		&o.SpentTx, &o.ReservedBy)
	o.Vout, o.Coinbase = uint32(vout), coinbase != 0
	return &o, err
}

// SpendableOutputs lists a wallet's unspent, unreserved outputs, largest
// first.
func (db *DB) SpendableOutputs(ctx context.Context, network, walletID string, limit int) ([]*btcwallet.Output, error) {
	return queryAll(ctx, db, "spendable outputs", `SELECT `+btcOutputCols+` FROM btc_outputs
		WHERE wallet_id = ? AND spent_tx = '' AND reserved_by = '' AND network = ?
		ORDER BY CASE WHEN block_number < 0 THEN 1 ELSE 0 END, value DESC, block_number, tx_hash, vout LIMIT ?`, []any{walletID, network, limit}, scanBTCOutput)
}

// outPointChunk bounds the outputs one statement looks up.
const outPointChunk = 200

// WalletOutputs returns those of ops that pay wallets of network.
func (db *DB) WalletOutputs(ctx context.Context, network string, ops []btcwallet.OutPoint) ([]*btcwallet.Output, error) {
	var out []*btcwallet.Output
	for len(ops) > 0 {
		n := min(len(ops), outPointChunk)
		chunk := ops[:n]
		ops = ops[n:]
		// By transaction hash (indexed with the network), then the output
		// index in Go: an output of one of these transactions is ours.
		hashes := map[string]bool{}
		want := map[btcwallet.OutPoint]bool{}
		args := []any{network}
		for _, op := range chunk {
			want[op] = true
			if !hashes[op.TxHash] {
				hashes[op.TxHash] = true
				args = append(args, op.TxHash)
			}
		}
		rows, err := queryAll(ctx, db, "wallet outputs", `SELECT `+btcOutputCols+` FROM btc_outputs
			WHERE network = ? AND tx_hash IN (?`+strings.Repeat(", ?", len(args)-2)+`)`, args, scanBTCOutput)
		if err != nil {
			return nil, err
		}
		for _, o := range rows {
			if want[btcwallet.OutPoint{TxHash: o.TxHash, Vout: o.Vout}] {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// ReserveOutputs marks ops as spent by request id.
func (db *DB) ReserveOutputs(ctx context.Context, network, requestID string, ops []btcwallet.OutPoint, strict bool) error {
	return db.writeQuiet(ctx, func(tx *Tx) error {
		for _, op := range ops {
			res, err := tx.ExecContext(ctx, db.q(`UPDATE btc_outputs SET reserved_by = ?
				WHERE network = ? AND tx_hash = ? AND vout = ? AND spent_tx = '' AND reserved_by = ''`),
				requestID, network, op.TxHash, int64(op.Vout))
			if err != nil {
				return fmt.Errorf("reserve output: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 && strict {
				return btcwallet.ErrOutputsTaken
			}
		}
		return nil
	})
}

// ReleaseOutputs frees the outputs reserved by request id.
func (db *DB) ReleaseOutputs(ctx context.Context, requestID string) error {
	if _, err := db.execQuiet(ctx, `UPDATE btc_outputs SET reserved_by = '' WHERE reserved_by = ?`, requestID); err != nil {
		return fmt.Errorf("release outputs: %w", err)
	}
	return nil
}

// RecordOutputs stores the outputs a block creates and marks those it
// spends.
func (db *DB) RecordOutputs(ctx context.Context, network string, block int64, created []*btcwallet.Output, spent []btcwallet.Spend) error {
	return db.writeQuiet(ctx, func(tx *Tx) error {
		for _, o := range created {
			coinbase := 0
			if o.Coinbase {
				coinbase = 1
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO btc_outputs (network, tx_hash, vout, org_id, wallet_id,
				value, pk_script, block_number, coinbase) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (network, tx_hash, vout) DO UPDATE SET block_number = excluded.block_number`),
				network, o.TxHash, int64(o.Vout), o.OrgID, o.WalletID, o.Value, o.PkScript, block, coinbase); err != nil {
				return fmt.Errorf("insert output: %w", err)
			}
		}
		for _, s := range spent {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE btc_outputs SET spent_tx = ?, spent_block = ?
				WHERE network = ? AND tx_hash = ? AND vout = ?`), s.SpentTx, block, network, s.TxHash, int64(s.Vout)); err != nil {
				return fmt.Errorf("spend output: %w", err)
			}
		}
		return nil
	})
}

// RewindOutputs forgets the outputs of blocks from number on.
func (db *DB) RewindOutputs(ctx context.Context, network string, number int64) error {
	return db.writeQuiet(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM btc_outputs WHERE network = ? AND block_number >= ?`), network, number); err != nil {
			return fmt.Errorf("rewind outputs: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE btc_outputs SET spent_tx = '', spent_block = 0
			WHERE network = ? AND spent_block >= ? AND spent_block > 0`), network, number); err != nil {
			return fmt.Errorf("rewind spends: %w", err)
		}
		return nil
	})
}

// WalletBalance sums a wallet's unspent outputs.
func (db *DB) WalletBalance(ctx context.Context, org, walletID string) (int64, int, error) {
	var sum, n int64
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT COALESCE(SUM(value), 0), COUNT(*) FROM btc_outputs
		WHERE wallet_id = ? AND spent_tx = '' AND block_number >= 0 AND org_id = ?`), walletID, org).Scan(&sum, &n)
	if err != nil {
		return 0, 0, fmt.Errorf("select balance: %w", err)
	}
	return sum, int(n), nil
}

// AddPendingOutputs stores the change outputs of a wallet's own
// transaction that is out but not yet mined (block_number -1).
func (db *DB) AddPendingOutputs(ctx context.Context, outs []*btcwallet.Output) error {
	return db.writeQuiet(ctx, func(tx *Tx) error {
		for _, o := range outs {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO btc_outputs (network, tx_hash, vout, org_id, wallet_id,
				value, pk_script, block_number) VALUES (?, ?, ?, ?, ?, ?, ?, -1) ON CONFLICT DO NOTHING`),
				o.Network, o.TxHash, int64(o.Vout), o.OrgID, o.WalletID, o.Value, o.PkScript); err != nil {
				return fmt.Errorf("insert pending output: %w", err)
			}
		}
		return nil
	})
}

// DropPendingOutputs forgets the not yet mined outputs of transaction
// txHash (it was refused).
func (db *DB) DropPendingOutputs(ctx context.Context, network, txHash string) error {
	if _, err := db.execQuiet(ctx, `DELETE FROM btc_outputs WHERE network = ? AND tx_hash = ? AND block_number < 0`, network, txHash); err != nil {
		return fmt.Errorf("drop pending outputs: %w", err)
	}
	return nil
}
