package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
)

var _ keys.Store = (*DB)(nil)

const keyCols = `id, org_id, scheme, curve, public_key, name, status, custodial, imported, exportable, exported,
	backend, kek_id, sealed, created_by, created_at, exported_at, deleted_at, delegated_to`

func scanKey(sc interface{ Scan(...any) error }) (*keys.Key, error) {
	var k keys.Key
	var pub string
	var cust, imp, expable, exp int
	var created, exported, deleted int64
	err := sc.Scan(&k.ID, &k.OrgID, &k.Scheme, &k.Curve, &pub, &k.Name, &k.Status, &cust, &imp, &expable, &exp,
		&k.Material.Backend, &k.Material.KEKID, &k.Material.Ciphertext, &k.CreatedBy, &created, &exported, &deleted,
		&k.DelegatedTo)
	if err != nil {
		return nil, err
	}
	if k.PublicKey, err = hex.DecodeString(pub); err != nil {
		return nil, fmt.Errorf("key %s public key: %w", k.ID, err)
	}
	k.Custodial, k.Imported, k.Exportable, k.Exported = cust == 1, imp == 1, expable == 1, exp == 1
	k.Created, k.DateExported, k.DateDeleted = fromMS(created), fromMS(exported), fromMS(deleted)
	return &k, nil
}

func keyArgs(k *keys.Key) []any {
	return []any{k.ID, k.OrgID, k.Scheme, k.Curve, hex.EncodeToString(k.PublicKey), k.Name, k.Status, b2i(k.Custodial),
		b2i(k.Imported), b2i(k.Exportable), b2i(k.Exported), k.Material.Backend, k.Material.KEKID, k.Material.Ciphertext,
		k.CreatedBy, ms(k.Created), ms(k.DateExported), ms(k.DateDeleted), k.DelegatedTo}
}

const insertKey = `INSERT INTO keys (` + keyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateKey inserts k.
func (db *DB) CreateKey(ctx context.Context, k *keys.Key) error {
	if _, err := db.exec(ctx, insertKey, keyArgs(k)...); err != nil {
		return fmt.Errorf("insert key: %w", err)
	}
	return nil
}

// Key returns key id of org, or NotFound.
func (db *DB) key(ctx context.Context, org, id string) (*keys.Key, error) {
	k, err := scanKey(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+keyCols+` FROM keys WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("key %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select key: %w", err)
	}
	return k, nil
}

// Keys pages through the keys of org by id.
func (db *DB) Keys(ctx context.Context, org string, p identity.Page) ([]*keys.Key, string, error) {
	return queryPage(ctx, db, "keys", `SELECT `+keyCols+` FROM keys WHERE org_id = ? AND id > ? ORDER BY id`,
		[]any{org, p.Token}, p,
		func(r scanner) (*keys.Key, error) { return scanKey(r) },
		func(k *keys.Key) string { return k.ID })
}

// OwnedKeys pages through the keys of org delegated to end user owner.
func (db *DB) OwnedKeys(ctx context.Context, org, owner string, p identity.Page) ([]*keys.Key, string, error) {
	return queryPage(ctx, db, "keys", `SELECT `+keyCols+` FROM keys WHERE org_id = ? AND delegated_to = ? AND id > ? ORDER BY id`,
		[]any{org, owner, p.Token}, p,
		func(r scanner) (*keys.Key, error) { return scanKey(r) },
		func(k *keys.Key) string { return k.ID })
}

// DelegateKey makes custodial key keyID of org a key of owner, and reports
// whether it was custodial (a concurrent delegation loses).
func (db *DB) DelegateKey(ctx context.Context, org, keyID, owner string) (bool, error) {
	res, err := db.exec(ctx, `UPDATE keys SET delegated_to = ?, custodial = 0 WHERE org_id = ? AND id = ? AND delegated_to = ''`,
		owner, org, keyID)
	if err != nil {
		return false, fmt.Errorf("delegate key: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UpdateKey writes the mutable fields of k.
func (db *DB) UpdateKey(ctx context.Context, k *keys.Key) error {
	_, err := db.exec(ctx, `UPDATE keys SET name = ?, status = ?, exported = ?, exported_at = ?, deleted_at = ?
		WHERE org_id = ? AND id = ?`, k.Name, k.Status, b2i(k.Exported), ms(k.DateExported), ms(k.DateDeleted), k.OrgID, k.ID)
	if err != nil {
		return fmt.Errorf("update key: %w", err)
	}
	return nil
}

// KeyWallets lists the wallets of key keyID.
func (db *DB) KeyWallets(ctx context.Context, org, keyID string) ([]keys.WalletRef, error) {
	return queryAll(ctx, db, "key wallets", `SELECT id, network FROM wallets WHERE org_id = ? AND key_id = ? ORDER BY id`,
		[]any{org, keyID}, func(r scanner) (keys.WalletRef, error) {
			var w keys.WalletRef
			err := r.Scan(&w.ID, &w.Network)
			return w, err
		})
}

const sigCols = `id, org_id, key_id, wallet_id, network, requester_user_id, requester_token_id, requester_app_id,
	request_body, status, reason, result, approval_id, external_id, requested_at, policy_resolved_at, signed_at`

func scanSig(sc interface{ Scan(...any) error }) (*keys.SignatureRequest, error) {
	var r keys.SignatureRequest
	var body, result string
	var req, pol, signed int64
	err := sc.Scan(&r.ID, &r.OrgID, &r.KeyID, &r.WalletID, &r.Network, &r.Requester.UserID, &r.Requester.TokenID,
		&r.Requester.AppID, &body, &r.Status, &r.Reason, &result, &r.ApprovalID, &r.ExternalID, &req, &pol, &signed)
	if err != nil {
		return nil, err
	}
	r.Body = json.RawMessage(body)
	if result != "" {
		r.Result = new(chain.Result)
		if err := json.Unmarshal([]byte(result), r.Result); err != nil {
			return nil, fmt.Errorf("signature request %s result: %w", r.ID, err)
		}
	}
	r.Requested, r.PolicyResolved, r.Signed = fromMS(req), fromMS(pol), fromMS(signed)
	return &r, nil
}

func resultText(res *chain.Result) (string, error) {
	if res == nil {
		return "", nil
	}
	b, err := json.Marshal(res)
	return string(b), err
}

// CreateSignatureRequest inserts r; a used externalId is
// keys.ErrDuplicateExternalID.
func (db *DB) CreateSignatureRequest(ctx context.Context, r *keys.SignatureRequest) error {
	result, err := resultText(r.Result)
	if err != nil {
		return err
	}
	// ON CONFLICT DO NOTHING turns a used externalId into no row instead
	// of an error, so the statement cannot fail in a way its caller
	// handles: inside the signing unit of work on PostgreSQL it needs no
	// savepoint (nofail), and waits to be sent with the unit's other
	// writes in one round trip (pipeline.go).
	taken := func(querier) error {
		if r.ExternalID != "" {
			return keys.ErrDuplicateExternalID
		}
		return fmt.Errorf("insert signature request: id %s is taken", r.ID)
	}
	err = db.submit(ctx, writeOp{single: true, quiet: true, nofail: true, fn: func(tx *Tx) error {
		return tx.expect(db.q(`INSERT INTO signature_requests (`+sigCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`), 1, taken,
			r.ID, r.OrgID, r.KeyID, r.WalletID, r.Network, r.Requester.UserID, r.Requester.TokenID, r.Requester.AppID,
			string(r.Body), r.Status, r.Reason, result, r.ApprovalID, r.ExternalID, ms(r.Requested), ms(r.PolicyResolved),
			ms(r.Signed))
	}})
	if err != nil && !errors.Is(err, keys.ErrDuplicateExternalID) {
		return fmt.Errorf("insert signature request: %w", err)
	}
	return err
}

func (db *DB) oneSig(ctx context.Context, where string, args ...any) (*keys.SignatureRequest, error) {
	r, err := scanSig(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+sigCols+` FROM signature_requests WHERE `+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("signature request not found")
	}
	if err != nil {
		return nil, fmt.Errorf("select signature request: %w", err)
	}
	return r, nil
}

// SignatureRequest returns request id of org, or NotFound.
func (db *DB) SignatureRequest(ctx context.Context, org, id string) (*keys.SignatureRequest, error) {
	return db.oneSig(ctx, `org_id = ? AND id = ?`, org, id)
}

// SignatureRequestByExternalID returns the request of org with externalId
// ext, or NotFound. Writes are acknowledged only once committed, so a
// request created by another call is already visible here.
func (db *DB) SignatureRequestByExternalID(ctx context.Context, org, ext string) (*keys.SignatureRequest, error) {
	r, err := scanSig(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+sigCols+` FROM signature_requests
		WHERE org_id = ? AND external_id = ?`), org, ext))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("signature request not found")
	}
	if err != nil {
		return nil, fmt.Errorf("select signature request by externalId: %w", err)
	}
	return r, nil
}

// SignatureRequests pages through the requests of a key or a wallet by id.
func (db *DB) SignatureRequests(ctx context.Context, org string, f keys.SignatureFilter, p identity.Page) ([]*keys.SignatureRequest, string, error) {
	q := `SELECT ` + sigCols + ` FROM signature_requests WHERE org_id = ? AND id > ?`
	args := []any{org, p.Token}
	if f.KeyID != "" {
		q += ` AND key_id = ?`
		args = append(args, f.KeyID)
	}
	if f.WalletID != "" {
		// wallet_id <> '' lets the partial wallet index serve it.
		q += ` AND wallet_id = ? AND wallet_id <> ''`
		args = append(args, f.WalletID)
	}
	return queryPage(ctx, db, "signature requests", q+` ORDER BY id`, args, p,
		func(r scanner) (*keys.SignatureRequest, error) { return scanSig(r) },
		func(r *keys.SignatureRequest) string { return r.ID })
}

// CreateImportSigner inserts s.
func (db *DB) CreateImportSigner(ctx context.Context, s *keys.ImportSigner) error {
	_, err := db.exec(ctx, `INSERT INTO import_signers (id, org_id, public_key, kek_id, sealed, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		s.ID, s.OrgID, hex.EncodeToString(s.PublicKey), s.KEKID, s.Sealed, ms(s.Created))
	if err != nil {
		return fmt.Errorf("insert import signer: %w", err)
	}
	return nil
}

// ImportSigners lists the import signers of org.
func (db *DB) ImportSigners(ctx context.Context, org string) ([]*keys.ImportSigner, error) {
	return queryAll(ctx, db, "import signers", `SELECT id, org_id, public_key, kek_id, sealed, created_at FROM import_signers
		WHERE org_id = ? ORDER BY id`, []any{org}, func(r scanner) (*keys.ImportSigner, error) {
		var s keys.ImportSigner
		var pub string
		var created int64
		if err := r.Scan(&s.ID, &s.OrgID, &pub, &s.KEKID, &s.Sealed, &created); err != nil {
			return nil, err
		}
		var err error
		if s.PublicKey, err = hex.DecodeString(pub); err != nil {
			return nil, fmt.Errorf("import signer %s: %w", s.ID, err)
		}
		s.Created = fromMS(created)
		return &s, nil
	})
}
