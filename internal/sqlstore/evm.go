package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
)

// The tables of EVM transfers (migrations 0011): none of them is cached,
// so every write is quiet.

var _ evmwallet.Store = (*DB)(nil)

const evmRequestCols = `id, org_id, wallet_id, network, kind, requester_user_id, requester_token_id, requester_app_id,
	request_body, external_id, status, reason, approval_id, symbol, decimals, sender, nonce, unsigned_tx, signed_tx,
	tx_hash, fee, block_number, requested_at, policy_resolved_at, broadcasted_at, confirmed_at`

// evmRequestRead is what reads select: evmRequestCols and the id of the
// replacement transaction issued for the request (migration 0018; set by
// SetEVMReplacement, never inserted).
const evmRequestRead = evmRequestCols + `, replacement_id`

func evmKind(transfer bool) string {
	if transfer {
		return "transfer"
	}
	return "transaction"
}

func scanEVMRequest(sc scanner) (*evmwallet.Request, error) {
	var r evmwallet.Request
	var kind, body string
	var req, pol, bc, conf int64
	err := sc.Scan(&r.ID, &r.OrgID, &r.WalletID, &r.Network, &kind, &r.Requester.UserID, &r.Requester.TokenID,
		&r.Requester.AppID, &body, &r.ExternalID, &r.Status, &r.Reason, &r.ApprovalID, &r.Symbol, &r.Decimals,
		&r.Sender, &r.Nonce, &r.Unsigned, &r.Signed, &r.TxHash, &r.Fee, &r.Block, &req, &pol, &bc, &conf, &r.ReplacementID)
	if err != nil {
		return nil, err
	}
	r.Transfer, r.Body = kind == "transfer", []byte(body)
	r.Requested, r.PolicyResolved, r.Broadcasted, r.Confirmed = fromMS(req), fromMS(pol), fromMS(bc), fromMS(conf)
	return &r, nil
}

// AllocateEVMNonce returns max(next, floor) of the wallet and stores it plus
// one; the row lock (PostgreSQL) or the single writer (SQLite) serialises
// concurrent allocations.
func (db *DB) AllocateEVMNonce(ctx context.Context, walletID string, floor uint64) (uint64, error) {
	var n int64
	err := db.writeQuiet(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO evm_nonces (wallet_id, next) VALUES (?, ?)
			ON CONFLICT (wallet_id) DO UPDATE SET next = CASE WHEN evm_nonces.next > ? THEN evm_nonces.next ELSE ? END + 1
			RETURNING next - 1`), walletID, int64(floor)+1, int64(floor), int64(floor)).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("allocate nonce: %w", err)
	}
	return uint64(n), nil
}

// UseEVMNonce makes the wallet's next nonce at least nonce+1.
func (db *DB) UseEVMNonce(ctx context.Context, walletID string, nonce uint64) error {
	_, err := db.execQuiet(ctx, `INSERT INTO evm_nonces (wallet_id, next) VALUES (?, ?)
		ON CONFLICT (wallet_id) DO UPDATE SET next = CASE WHEN evm_nonces.next > ? THEN evm_nonces.next ELSE ? END`,
		walletID, int64(nonce)+1, int64(nonce)+1, int64(nonce)+1)
	if err != nil {
		return fmt.Errorf("use nonce: %w", err)
	}
	return nil
}

// ReleaseEVMNonce gives nonce back when it is the last allocated.
func (db *DB) ReleaseEVMNonce(ctx context.Context, walletID string, nonce uint64) error {
	_, err := db.execQuiet(ctx, `UPDATE evm_nonces SET next = ? WHERE wallet_id = ? AND next = ?`,
		int64(nonce), walletID, int64(nonce)+1)
	if err != nil {
		return fmt.Errorf("release nonce: %w", err)
	}
	return nil
}

// CreateEVMRequest inserts r; ErrDuplicateExternalID when its externalId is
// taken.
func (db *DB) CreateEVMRequest(ctx context.Context, r *evmwallet.Request) error {
	_, err := db.execQuiet(ctx, `INSERT INTO evm_requests (`+evmRequestCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.OrgID, r.WalletID, r.Network, evmKind(r.Transfer), r.Requester.UserID, r.Requester.TokenID,
		r.Requester.AppID, string(r.Body), r.ExternalID, r.Status, r.Reason, r.ApprovalID, r.Symbol, r.Decimals,
		r.Sender, r.Nonce, r.Unsigned, r.Signed, r.TxHash, r.Fee, r.Block, ms(r.Requested), ms(r.PolicyResolved),
		ms(r.Broadcasted), ms(r.Confirmed))
	if isUnique(err) && r.ExternalID != "" {
		return evmwallet.ErrDuplicateExternalID
	}
	if err != nil {
		return fmt.Errorf("insert evm request: %w", err)
	}
	return nil
}

func (db *DB) oneEVMRequest(ctx context.Context, where string, args ...any) (*evmwallet.Request, error) {
	r, err := scanEVMRequest(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+evmRequestRead+` FROM evm_requests WHERE `+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("request not found")
	}
	if err != nil {
		return nil, fmt.Errorf("select evm request: %w", err)
	}
	return r, nil
}

// Request returns request id of org.
func (db *DB) EVMRequest(ctx context.Context, org, id string) (*evmwallet.Request, error) {
	return db.oneEVMRequest(ctx, `org_id = ? AND id = ?`, org, id)
}

// EVMRequestByExternalID returns the request of org with externalId ext.
func (db *DB) EVMRequestByExternalID(ctx context.Context, org string, transfer bool, ext string) (*evmwallet.Request, error) {
	return db.oneEVMRequest(ctx, `org_id = ? AND kind = ? AND external_id = ?`, org, evmKind(transfer), ext)
}

// descToken is the page token of a first page ordered by id, newest first:
// after every id.
func descToken(t string) string {
	if t == "" {
		return "~"
	}
	return t
}

// Requests pages through a wallet's transfers or transactions, newest
// first.
func (db *DB) EVMRequests(ctx context.Context, org, walletID string, transfer bool, p identity.Page) ([]*evmwallet.Request, string, error) {
	return queryPage(ctx, db, "evm requests", `SELECT `+evmRequestRead+` FROM evm_requests
		WHERE org_id = ? AND wallet_id = ? AND kind = ? AND id < ? ORDER BY id DESC`,
		[]any{org, walletID, evmKind(transfer), descToken(p.Token)}, p,
		func(r scanner) (*evmwallet.Request, error) { return scanEVMRequest(r) },
		func(r *evmwallet.Request) string { return r.ID })
}

// SetEVMSigned stores the signed transaction unless one is stored or the
// request is no longer Executing (aborted), and returns the stored one.
func (db *DB) SetEVMSigned(ctx context.Context, id, signed, hash string) (string, string, error) {
	var gotSigned, gotHash string
	err := db.writeQuiet(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE evm_requests SET signed_tx = ?, tx_hash = ? WHERE id = ? AND signed_tx = ''
			AND status = 'Executing'`),
			signed, hash, id); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, db.q(`SELECT signed_tx, tx_hash FROM evm_requests WHERE id = ?`), id).Scan(&gotSigned, &gotHash)
	})
	if err != nil {
		return "", "", fmt.Errorf("store signed transaction: %w", err)
	}
	return gotSigned, gotHash, nil
}

// MarkEVMBroadcasted moves an Executing request to Broadcasted.
func (db *DB) MarkEVMBroadcasted(ctx context.Context, id string, at time.Time) error {
	_, err := db.execQuiet(ctx, `UPDATE evm_requests SET status = 'Broadcasted', broadcasted_at = ? WHERE id = ? AND status = 'Executing'`,
		ms(at), id)
	if err != nil {
		return fmt.Errorf("mark broadcasted: %w", err)
	}
	return nil
}

// MarkEVMFailed fails a request that is still open.
func (db *DB) MarkEVMFailed(ctx context.Context, id, reason string) error {
	_, err := db.execQuiet(ctx, `UPDATE evm_requests SET status = 'Failed', reason = ?
		WHERE id = ? AND status IN ('Executing', 'Broadcasted')`, reason, id)
	if err != nil {
		return fmt.Errorf("mark failed: %w", err)
	}
	return nil
}

// OpenEVMRequestByHash returns the open request of network whose
// transaction has hash.
func (db *DB) OpenEVMRequestByHash(ctx context.Context, network, hash string) (*evmwallet.Request, error) {
	return db.oneEVMRequest(ctx, `network = ? AND tx_hash = ? AND status IN ('Executing', 'Broadcasted')`, network, hash)
}

// Open lists the open requests of network, oldest first.
func (db *DB) OpenEVMRequests(ctx context.Context, network string, limit int) ([]*evmwallet.Request, error) {
	return queryAll(ctx, db, "open evm requests", `SELECT `+evmRequestRead+` FROM evm_requests
		WHERE network = ? AND status IN ('Executing', 'Broadcasted') ORDER BY id LIMIT ?`,
		[]any{network, limit}, func(r scanner) (*evmwallet.Request, error) { return scanEVMRequest(r) })
}

// Cursor returns the next block to read on network.
func (db *DB) EVMCursor(ctx context.Context, network string) (int64, bool, error) {
	var n int64
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT next_block FROM evm_cursors WHERE network = ?`), network).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("select cursor: %w", err)
	}
	return n, true, nil
}

// BlockHash returns the recorded hash of a block.
func (db *DB) EVMBlockHash(ctx context.Context, network string, number int64) (string, bool, error) {
	var h string
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT hash FROM evm_blocks WHERE network = ? AND number = ?`), network, number).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("select block hash: %w", err)
	}
	return h, true, nil
}

// keptBlocks is how many recent block hashes are kept to notice a
// reorganisation.
const keptBlocks = 256

// Advance records block number as read (see evmwallet.Store).
func (db *DB) AdvanceEVM(ctx context.Context, network string, number int64, hash string, events []*evmwallet.Event, finals []evmwallet.Final) error {
	return db.AdvanceFrom(ctx, network, number, number, hash, events, finals)
}

// AdvanceFrom records block number as read and moves the cursor from from
// (the numbers between hold no block, e.g. skipped Solana slots) to
// number+1 (see solwallet.Store).
func (db *DB) AdvanceFrom(ctx context.Context, network string, from, number int64, hash string, events []*evmwallet.Event, finals []evmwallet.Final) error {
	return db.writeQuiet(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE evm_cursors SET next_block = ? WHERE network = ? AND next_block = ?`), number+1, network, from)
		if err != nil {
			return fmt.Errorf("move cursor: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			res, err = tx.ExecContext(ctx, db.q(`INSERT INTO evm_cursors (network, next_block) VALUES (?, ?) ON CONFLICT (network) DO NOTHING`), network, number+1)
			if err != nil {
				return fmt.Errorf("insert cursor: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return evmwallet.ErrLostRace
			}
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO evm_blocks (network, number, hash) VALUES (?, ?, ?)
			ON CONFLICT (network, number) DO UPDATE SET hash = excluded.hash`), network, number, hash); err != nil {
			return fmt.Errorf("insert block: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM evm_blocks WHERE network = ? AND number < ?`), network, number-keptBlocks); err != nil {
			return fmt.Errorf("prune blocks: %w", err)
		}
		for _, e := range events {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO evm_events (id, org_id, wallet_id, network, kind, direction,
				block_number, tx_hash, log_index, from_addr, to_addr, value, token_id, contract, symbol, decimals, fee, ts)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
				e.ID, e.OrgID, e.WalletID, e.Network, e.Kind, e.Direction, e.Block, e.TxHash, e.LogIndex, e.From, e.To,
				e.Value, e.TokenID, e.Contract, e.Symbol, e.Decimals, e.Fee, ms(e.Time)); err != nil {
				return fmt.Errorf("insert event: %w", err)
			}
		}
		for _, f := range finals {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE evm_requests SET status = ?, reason = ?, fee = ?, block_number = ?,
				confirmed_at = ?, broadcasted_at = CASE WHEN broadcasted_at = 0 THEN ? ELSE broadcasted_at END
				WHERE id = ? AND status IN ('Executing', 'Broadcasted')`),
				f.Status, f.Reason, f.Fee, f.Block, ms(f.At), ms(f.At), f.ID); err != nil {
				return fmt.Errorf("settle request: %w", err)
			}
		}
		return nil
	})
}

// Rewind forgets blocks from number on.
func (db *DB) RewindEVM(ctx context.Context, network string, number int64) error {
	return db.writeQuiet(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`DELETE FROM evm_events WHERE network = ? AND block_number >= ?`,
			`UPDATE evm_requests SET status = 'Broadcasted', reason = '', fee = '', block_number = 0, confirmed_at = 0
				WHERE network = ? AND block_number >= ? AND block_number > 0 AND status IN ('Confirmed', 'Failed')`,
			`DELETE FROM evm_blocks WHERE network = ? AND number >= ?`,
		} {
			if _, err := tx.ExecContext(ctx, db.q(q), network, number); err != nil {
				return fmt.Errorf("rewind: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE evm_cursors SET next_block = ? WHERE network = ?`), number, network)
		return err
	})
}

// EVMWalletsSince maps the lower-case addresses of network's wallets created
// at or after since to the wallets.
func (db *DB) EVMWalletsSince(ctx context.Context, network string, since time.Time) (map[string]evmwallet.WalletRef, error) {
	rows, err := db.rd(ctx).QueryContext(ctx, db.q(`SELECT address, org_id, id, created_at FROM wallets WHERE network = ? AND created_at >= ?`),
		network, ms(since))
	if err != nil {
		return nil, fmt.Errorf("select wallets: %w", err)
	}
	defer rows.Close()
	out := map[string]evmwallet.WalletRef{}
	for rows.Next() {
		var addr string
		var ref evmwallet.WalletRef
		var created int64
		if err := rows.Scan(&addr, &ref.OrgID, &ref.WalletID, &created); err != nil {
			return nil, err
		}
		ref.Created = fromMS(created)
		out[strings.ToLower(addr)] = ref
	}
	return out, rows.Err()
}

func scanEVMEvent(sc scanner) (*evmwallet.Event, error) {
	var e evmwallet.Event
	var ts int64
	err := sc.Scan(&e.ID, &e.OrgID, &e.WalletID, &e.Network, &e.Kind, &e.Direction, &e.Block, &e.TxHash, &e.LogIndex,
		&e.From, &e.To, &e.Value, &e.TokenID, &e.Contract, &e.Symbol, &e.Decimals, &e.Fee, &ts)
	e.Time = fromMS(ts)
	return &e, err
}

// Events pages through a wallet's events, newest first.
func (db *DB) EVMEvents(ctx context.Context, org, walletID string, f evmwallet.HistoryFilter, p identity.Page) ([]*evmwallet.Event, string, error) {
	q := `SELECT id, org_id, wallet_id, network, kind, direction, block_number, tx_hash, log_index, from_addr, to_addr,
		value, token_id, contract, symbol, decimals, fee, ts FROM evm_events WHERE org_id = ? AND wallet_id = ? AND id < ?`
	args := []any{org, walletID, descToken(p.Token)}
	for col, v := range map[string]string{"kind": f.Kind, "direction": f.Direction, "contract": f.Contract} {
		if v != "" {
			q += ` AND ` + col + ` = ?`
			args = append(args, v)
		}
	}
	return queryPage(ctx, db, "evm events", q+` ORDER BY id DESC`, args, p, scanEVMEvent,
		func(e *evmwallet.Event) string { return e.ID })
}

// EVMNftEvents lists a wallet's newest Erc721Transfer events in chain order.
func (db *DB) EVMNftEvents(ctx context.Context, org, walletID string, limit int) ([]*evmwallet.Event, error) {
	es, err := queryAll(ctx, db, "nft events", `SELECT id, org_id, wallet_id, network, kind, direction, block_number, tx_hash,
		log_index, from_addr, to_addr, value, token_id, contract, symbol, decimals, fee, ts FROM evm_events
		WHERE org_id = ? AND wallet_id = ? AND kind = 'Erc721Transfer' ORDER BY block_number DESC, log_index DESC LIMIT ?`,
		[]any{org, walletID, limit}, scanEVMEvent)
	slices.Reverse(es)
	return es, err
}

// Contracts lists the ERC-20 contracts in a wallet's events.
func (db *DB) EVMContracts(ctx context.Context, org, walletID string) ([]string, error) {
	return queryAll(ctx, db, "token contracts", `SELECT DISTINCT contract FROM evm_events
		WHERE org_id = ? AND wallet_id = ? AND kind = 'Erc20Transfer' ORDER BY contract LIMIT 100`,
		[]any{org, walletID}, func(r scanner) (string, error) {
			var c string
			return c, r.Scan(&c)
		})
}
