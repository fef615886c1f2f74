package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/wallet"
)

var _ wallet.Store = (*DB)(nil)

// walletSelect reads a wallet with its key's public side.
const walletSelect = `SELECT w.id, w.org_id, w.key_id, w.network, w.address, w.name, w.external_id, w.status, w.tags,
	w.created_at, k.scheme, k.curve, k.public_key, k.status, k.delegated_to FROM wallets w JOIN keys k ON k.id = w.key_id`

func scanWallet(sc interface{ Scan(...any) error }) (*wallet.Wallet, error) {
	var w wallet.Wallet
	var tags, pub string
	var created int64
	err := sc.Scan(&w.ID, &w.OrgID, &w.KeyID, &w.Network, &w.Address, &w.Name, &w.ExternalID, &w.Status, &tags,
		&created, &w.Key.Scheme, &w.Key.Curve, &pub, &w.Key.Status, &w.Key.DelegatedTo)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &w.Tags); err != nil {
		return nil, fmt.Errorf("wallet %s tags: %w", w.ID, err)
	}
	if w.Key.PublicKey, err = hex.DecodeString(pub); err != nil {
		return nil, fmt.Errorf("wallet %s key: %w", w.ID, err)
	}
	w.Created = fromMS(created)
	return &w, nil
}

func tagsText(tags []string) string {
	if tags == nil {
		tags = []string{}
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

// CreateWallet inserts w, after newKey when that is not nil, in one
// transaction.
func (db *DB) CreateWallet(ctx context.Context, w *wallet.Wallet, newKey *keys.Key) error {
	return db.tx(ctx, func(tx *Tx) error {
		if newKey != nil {
			if _, err := tx.ExecContext(ctx, db.q(insertKey), keyArgs(newKey)...); err != nil {
				return fmt.Errorf("insert key: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO wallets (id, org_id, key_id, network, address, name, external_id,
			status, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			w.ID, w.OrgID, w.KeyID, w.Network, w.Address, w.Name, w.ExternalID, w.Status, tagsText(w.Tags), ms(w.Created))
		if err != nil {
			return fmt.Errorf("insert wallet: %w", err)
		}
		return nil
	})
}

// Wallet returns wallet id of org, or NotFound.
func (db *DB) Wallet(ctx context.Context, org, id string) (*wallet.Wallet, error) {
	w, err := scanWallet(db.rd(ctx).QueryRowContext(ctx, db.q(walletSelect+` WHERE w.org_id = ? AND w.id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("wallet %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select wallet: %w", err)
	}
	return w, nil
}

// Wallets pages through the wallets of org by id.
func (db *DB) Wallets(ctx context.Context, org string, p identity.Page) ([]*wallet.Wallet, string, error) {
	return queryPage(ctx, db, "wallets", walletSelect+` WHERE w.org_id = ? AND w.id > ? ORDER BY w.id`,
		[]any{org, p.Token}, p,
		func(r scanner) (*wallet.Wallet, error) { return scanWallet(r) },
		func(w *wallet.Wallet) string { return w.ID })
}

// OwnedWallets pages through the wallets of org whose key is delegated to
// end user owner.
func (db *DB) OwnedWallets(ctx context.Context, org, owner string, p identity.Page) ([]*wallet.Wallet, string, error) {
	return queryPage(ctx, db, "wallets", walletSelect+` WHERE w.org_id = ? AND k.delegated_to = ? AND w.id > ? ORDER BY w.id`,
		[]any{org, owner, p.Token}, p,
		func(r scanner) (*wallet.Wallet, error) { return scanWallet(r) },
		func(w *wallet.Wallet) string { return w.ID })
}

// UpdateWallet writes the name and externalId of w.
func (db *DB) UpdateWallet(ctx context.Context, w *wallet.Wallet) error {
	_, err := db.exec(ctx, `UPDATE wallets SET name = ?, external_id = ? WHERE org_id = ? AND id = ?`,
		w.Name, w.ExternalID, w.OrgID, w.ID)
	if err != nil {
		return fmt.Errorf("update wallet: %w", err)
	}
	return nil
}

// UpdateTags adds and removes tags of wallet id in one transaction on the
// single writer, so concurrent changes do not lose each other.
func (db *DB) UpdateTags(ctx context.Context, org, id string, add, remove []string) error {
	return db.tx(ctx, func(tx *Tx) error {
		var text string
		// On PostgreSQL the row is locked until the transaction ends, so
		// that concurrent tag changes queue as they do on SQLite's writer.
		err := tx.QueryRowContext(ctx, db.q(`SELECT tags FROM wallets WHERE org_id = ? AND id = ?`+db.forUpdate()), org, id).Scan(&text)
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound("wallet %s not found", id)
		}
		if err != nil {
			return fmt.Errorf("select wallet tags: %w", err)
		}
		var tags []string
		if err := json.Unmarshal([]byte(text), &tags); err != nil {
			return fmt.Errorf("wallet %s tags: %w", id, err)
		}
		for _, t := range add {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(remove, t) })
		if len(tags) > 100 {
			return apierr.BadRequest("a wallet has at most 100 tags")
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE wallets SET tags = ? WHERE org_id = ? AND id = ?`), tagsText(tags), org, id)
		if err != nil {
			return fmt.Errorf("update wallet tags: %w", err)
		}
		return nil
	})
}
