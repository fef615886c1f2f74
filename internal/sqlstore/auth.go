package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
)

var _ auth.Store = (*DB)(nil)

// SessionRevoked reports whether the login session jti was logged out.
func (db *DB) SessionRevoked(ctx context.Context, jti string) (bool, error) {
	var n int
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM revoked_sessions WHERE jti = ?`), jti).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("select revoked session: %w", err)
	}
	return n > 0, nil
}

// RevokeSession records the logout of session jti until it would expire.
func (db *DB) RevokeSession(ctx context.Context, jti string, until time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO revoked_sessions (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`, jti, ms(until))
	if err != nil {
		return fmt.Errorf("insert revoked session: %w", err)
	}
	return nil
}

// UseNonce records nonce and reports whether it was fresh.
func (db *DB) UseNonce(ctx context.Context, nonce string, until time.Time) (bool, error) {
	res, err := db.execQuiet(ctx, `INSERT INTO nonces (value, expires_at) VALUES (?, ?) ON CONFLICT (value) DO NOTHING`, nonce, ms(until))
	if err != nil {
		return false, fmt.Errorf("insert nonce: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CreateChallenge inserts c, or answers 429 when its identity, or the
// server, has too many challenges outstanding (outstanding.go). A login
// challenge past its user's cap deletes the oldest one instead.
func (db *DB) CreateChallenge(ctx context.Context, c *auth.Challenge) error {
	evicted, err := db.live.reserve(c, time.Now())
	if evicted != "" {
		db.challenges.drop(evicted)
		if _, derr := db.execQuiet(ctx, `DELETE FROM challenges WHERE id = ?`, evicted); derr != nil {
			return errors.Join(err, fmt.Errorf("delete evicted challenge: %w", derr))
		}
	}
	if err != nil {
		return err
	}
	allowed, _ := json.Marshal(c.Allowed)
	err = db.execEphemeral(ctx, `INSERT INTO challenges (id, secret_hash, org_id, purpose, user_id, token_id, session_id, challenge, kind,
		method, path, payload_hash, canonical_hash, allowed, expires_at, created_at, otp_secret)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.SecretHash, c.OrgID, c.Purpose, c.UserID, c.TokenID, c.SessionID, c.Challenge, c.Kind, c.Method, c.Path,
		c.PayloadHash, c.CanonicalHash, string(allowed), ms(c.ExpiresAt), ms(c.Created), c.TotpSecret)
	if err != nil {
		db.live.release(c.ID)
		return fmt.Errorf("insert challenge: %w", err)
	}
	db.challenges.add(c.ID, c)
	return nil
}

const challengeCols = `id, org_id, purpose, user_id, token_id, session_id, challenge, kind, method, path, payload_hash,
	canonical_hash, allowed, expires_at, created_at, otp_secret`

func scanChallenge(row *sql.Row) (*auth.Challenge, error) {
	var c auth.Challenge
	var allowed string
	var exp, created int64
	err := row.Scan(&c.ID, &c.OrgID, &c.Purpose, &c.UserID, &c.TokenID, &c.SessionID, &c.Challenge, &c.Kind, &c.Method,
		&c.Path, &c.PayloadHash, &c.CanonicalHash, &allowed, &exp, &created, &c.TotpSecret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.BadRequest("Challenge token is not valid.")
	}
	if err != nil {
		return nil, fmt.Errorf("select challenge: %w", err)
	}
	if err := json.Unmarshal([]byte(allowed), &c.Allowed); err != nil {
		return nil, fmt.Errorf("challenge allowed list: %w", err)
	}
	c.ExpiresAt, c.Created = fromMS(exp), fromMS(created)
	return &c, nil
}

// TakeChallenge atomically marks a live, unused challenge used and returns it.
func (db *DB) TakeChallenge(ctx context.Context, id, secretHash, purpose string, now time.Time) (*auth.Challenge, error) {
	db.challenges.drop(id)
	var c *auth.Challenge
	err := db.writeRow(ctx, `UPDATE challenges SET used_at = ?
		WHERE id = ? AND secret_hash = ? AND purpose = ? AND used_at = 0 AND expires_at > ?
		RETURNING `+challengeCols, []any{ms(now), id, secretHash, purpose, ms(now)}, func(r *sql.Row) error {
		var err error
		c, err = scanChallenge(r)
		return err
	})
	if err == nil {
		db.live.release(id)
	}
	return c, err
}

// LiveChallenge returns a live, unused challenge without taking it.
func (db *DB) LiveChallenge(ctx context.Context, id, secretHash, purpose string, now time.Time) (*auth.Challenge, error) {
	if c, ok := db.challenges.get(id, secretHash, now, false); ok && c.Purpose == purpose {
		c.Allowed = append([]string(nil), c.Allowed...)
		return c, nil
	}
	return scanChallenge(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+challengeCols+` FROM challenges
		WHERE id = ? AND secret_hash = ? AND purpose = ? AND used_at = 0 AND expires_at > ?`), id, secretHash, purpose, ms(now)))
}

// CreateActionFor stores user action a, minted for challenge id. The
// action's id is derived from the challenge's, so the primary key lets each
// challenge yield one action: a second one is refused as an invalid
// challenge. One statement, so no savepoint in the group commit.
func (db *DB) CreateActionFor(ctx context.Context, id string, a *auth.UserAction) error {
	db.challenges.drop(id)
	err := db.execEphemeral(ctx, `INSERT INTO user_actions (`+actionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		actionArgs(a)...)
	if isUnique(err) {
		return apierr.BadRequest("Challenge token is not valid.")
	}
	if err != nil {
		return fmt.Errorf("insert user action: %w", err)
	}
	db.live.release(id)
	db.actions.add(a.ID, a)
	return nil
}

const credCols = `uuid, org_id, user_id, cred_id, kind, name, public_key, algorithm, encrypted_private_key, rp_id,
	origin, sign_count, is_active, created_at, cose_key, aaguid, transports, backup_eligible, backup_state, attestation_fmt,
	secret_hash, otp_secret`

func scanCred(sc interface{ Scan(...any) error }) (*credential.Credential, error) {
	var c credential.Credential
	var kind string
	var count, created int64
	var act, be, bs int
	var cose, transports string
	w := &c.WebAuthn
	if err := sc.Scan(&c.UUID, &c.OrgID, &c.UserID, &c.CredID, &kind, &c.Name, &c.PublicKey, &c.Algorithm,
		&c.EncryptedPrivateKey, &c.RelyingPartyID, &c.Origin, &count, &act, &created,
		&cose, &w.AAGUID, &transports, &be, &bs, &w.AttestationFormat, &c.SecretHash, &c.TotpSecret); err != nil {
		return nil, err
	}
	c.Kind, c.SignCount, c.IsActive, c.DateCreated = credential.Kind(kind), uint32(count), act == 1, fromMS(created)
	if cose != "" {
		k, err := base64.RawURLEncoding.DecodeString(cose)
		if err != nil {
			return nil, fmt.Errorf("stored COSE key of credential %s: %w", c.UUID, err)
		}
		w.COSEKey = k
	}
	if transports != "" {
		w.Transports = strings.Split(transports, ",")
	}
	w.BackupEligible, w.BackupState = be == 1, bs == 1
	return &c, nil
}

// CreateCredential inserts c, bound to tokenID when not empty.
func (db *DB) CreateCredential(ctx context.Context, c *credential.Credential, tokenID string) error {
	w := &c.WebAuthn
	_, err := db.exec(ctx, `INSERT INTO credentials (`+credCols+`, token_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.UUID, c.OrgID, c.UserID, c.CredID, string(c.Kind), c.Name, c.PublicKey, c.Algorithm, c.EncryptedPrivateKey,
		c.RelyingPartyID, c.Origin, int64(c.SignCount), b2i(c.IsActive), ms(c.DateCreated),
		base64.RawURLEncoding.EncodeToString(w.COSEKey), w.AAGUID, strings.Join(w.Transports, ","),
		b2i(w.BackupEligible), b2i(w.BackupState), w.AttestationFormat, c.SecretHash, c.TotpSecret, tokenID)
	if isUnique(err) {
		return apierr.Conflict("a credential with this credId already exists")
	}
	if err != nil {
		return fmt.Errorf("insert credential: %w", err)
	}
	return nil
}

// Credential returns credential uuid of org, or NotFound.
func (db *DB) credential(ctx context.Context, org, uuid string) (*credential.Credential, error) {
	c, err := scanCred(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+credCols+` FROM credentials
		WHERE org_id = ? AND uuid = ? AND is_archived = 0`), org, uuid))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("credential %s not found", uuid)
	}
	if err != nil {
		return nil, fmt.Errorf("select credential: %w", err)
	}
	return c, nil
}

// CredentialByCredID returns the credential with client id credID, or NotFound.
func (db *DB) credentialByCredID(ctx context.Context, org, credID string) (*credential.Credential, error) {
	c, err := scanCred(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+credCols+` FROM credentials
		WHERE org_id = ? AND cred_id = ? AND is_archived = 0`), org, credID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("credential not found")
	}
	if err != nil {
		return nil, fmt.Errorf("select credential: %w", err)
	}
	return c, nil
}

func (db *DB) creds(ctx context.Context, query string, args ...any) ([]*credential.Credential, error) {
	return queryAll(ctx, db, "credentials", query, args, func(r scanner) (*credential.Credential, error) { return scanCred(r) })
}

// SigningCredentials lists the active credentials user's login sessions may sign with.
func (db *DB) signingCredentials(ctx context.Context, org, userID string) ([]*credential.Credential, error) {
	return db.creds(ctx, `SELECT `+credCols+` FROM credentials WHERE org_id = ? AND user_id = ? AND token_id = ''
		AND is_active = 1 AND is_archived = 0 ORDER BY created_at, uuid`, org, userID)
}

// UserCredentials lists the credentials of user not bound to a token.
func (db *DB) UserCredentials(ctx context.Context, org, userID string) ([]*credential.Credential, error) {
	return db.creds(ctx, `SELECT `+credCols+` FROM credentials WHERE org_id = ? AND user_id = ? AND token_id = ''
		AND is_archived = 0 ORDER BY created_at, uuid`, org, userID)
}

// SetCredentialActive activates or deactivates credential uuid.
func (db *DB) SetCredentialActive(ctx context.Context, org, uuid string, active bool) error {
	_, err := db.exec(ctx, `UPDATE credentials SET is_active = ? WHERE org_id = ? AND uuid = ?`, b2i(active), org, uuid)
	if err != nil {
		return fmt.Errorf("update credential: %w", err)
	}
	return nil
}

// ArchiveCredential deactivates credential uuid for good; it disappears from lists.
func (db *DB) ArchiveCredential(ctx context.Context, org, uuid string) error {
	_, err := db.exec(ctx, `UPDATE credentials SET is_active = 0, is_archived = 1 WHERE org_id = ? AND uuid = ?`, org, uuid)
	if err != nil {
		return fmt.Errorf("archive credential: %w", err)
	}
	return nil
}

// SetSignCount raises the WebAuthn sign counter of credential uuid to n.
// A counter that is not below n (an assertion verified concurrently with
// a higher or equal one) refuses it: auth.ErrCounterNotIncreasing.
func (db *DB) SetSignCount(ctx context.Context, org, uuid string, n uint32) error {
	res, err := db.exec(ctx, `UPDATE credentials SET sign_count = ? WHERE org_id = ? AND uuid = ? AND sign_count < ?`,
		int64(n), org, uuid, int64(n))
	if err != nil {
		return fmt.Errorf("update sign count: %w", err)
	}
	if k, err := res.RowsAffected(); err == nil && k == 0 {
		return credential.ErrCounterNotIncreasing
	}
	return nil
}

const actionCols = `id, token_hash, org_id, user_id, username, token_id, session_id, cred_uuid, method, path,
	canonical_hash, payload_hash, client_data, signature, authenticator_data, expires_at, consumed_at, created_at`

func scanAction(sc interface{ Scan(...any) error }) (*auth.UserAction, error) {
	var a auth.UserAction
	var exp, consumed, created int64
	if err := sc.Scan(&a.ID, &a.TokenHash, &a.OrgID, &a.UserID, &a.Username, &a.TokenID, &a.SessionID, &a.CredUUID,
		&a.Method, &a.Path, &a.CanonicalHash, &a.PayloadHash, &a.ClientData, &a.Signature, &a.AuthenticatorData,
		&exp, &consumed, &created); err != nil {
		return nil, err
	}
	a.ExpiresAt, a.ConsumedAt, a.Created = fromMS(exp), fromMS(consumed), fromMS(created)
	return &a, nil
}

func actionArgs(a *auth.UserAction) []any {
	return []any{a.ID, a.TokenHash, a.OrgID, a.UserID, a.Username, a.TokenID, a.SessionID, a.CredUUID, a.Method, a.Path,
		a.CanonicalHash, a.PayloadHash, a.ClientData, a.Signature, a.AuthenticatorData, ms(a.ExpiresAt), ms(a.ConsumedAt), ms(a.Created)}
}

// UserAction returns the action id whose token hashes to tokenHash, or nil.
func (db *DB) UserAction(ctx context.Context, id, tokenHash string) (*auth.UserAction, error) {
	if a, ok := db.actions.get(id, tokenHash, time.Now(), false); ok {
		return a, nil
	}
	a, err := scanAction(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+actionCols+` FROM user_actions
		WHERE id = ? AND token_hash = ?`), id, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("select user action: %w", err)
	}
	return a, nil
}

const consumeAction = `UPDATE user_actions SET consumed_at = ?
	WHERE id = ? AND token_hash = ? AND consumed_at = 0 AND EXISTS (SELECT 1 FROM credentials c
		WHERE c.uuid = user_actions.cred_uuid AND c.is_active = 1 AND c.is_archived = 0)`

// ConsumeUserAction atomically consumes the claimed action p while the
// credential that signed it is active, and settles p: nil when consumed,
// else auth.ErrActionUsed or auth.ErrActionInvalid. Inside a unit of work
// it is a step of the unit, settled when the unit commits or rolls back.
func (db *DB) ConsumeUserAction(ctx context.Context, p *auth.Pending) error {
	id := p.Action.ID
	if u := unitFrom(ctx); u != nil {
		// On PostgreSQL the refusal may come only when the unit ends
		// (pipeline.go): it settles p then, and the unit's rollback must
		// not reopen it.
		refused := false
		err := db.consumeIn(u.tx, id, p.TokenHash, p.At, func(err error) {
			refused = true
			settleRefusal(p, err)
		})
		if err != nil {
			if !refused {
				settleRefusal(p, err)
			}
			return err
		}
		db.actions.drop(id)
		u.onSettle(func(committed bool) {
			if !refused {
				p.Settle(nil, !committed)
			}
		})
		return nil
	}
	err := db.submit(ctx, writeOp{single: true, quiet: true, fn: func(tx *Tx) error {
		return db.consumeIn(tx, id, p.TokenHash, p.At, nil)
	}})
	if err == nil {
		db.actions.drop(id)
	}
	settleRefusal(p, err)
	if err == nil {
		p.Settle(nil, false)
	}
	return err
}

// settleRefusal settles p after a failed consumption: refused for good
// when the database refused it, open again when the write failed.
func settleRefusal(p *auth.Pending, err error) {
	switch {
	case err == nil:
	case errors.Is(err, auth.ErrActionUsed) || errors.Is(err, auth.ErrActionInvalid):
		p.Settle(err, false)
	default:
		p.Settle(nil, true)
	}
}

// consumeIn consumes action id inside tx; the error is the refusal to
// answer with, also given to refused (if set) whenever it is known. Only
// the refusal reads the row again.
func (db *DB) consumeIn(tx *Tx, id, tokenHash string, now time.Time, refused func(error)) error {
	return tx.expect(db.q(consumeAction), 1, func(q querier) error {
		var n int
		err := q.QueryRowContext(context.Background(), db.q(`SELECT COUNT(*) FROM user_actions
			WHERE id = ? AND token_hash = ? AND consumed_at > 0`), id, tokenHash).Scan(&n)
		switch {
		case err != nil:
			err = fmt.Errorf("select user action: %w", err)
		case n > 0:
			err = auth.ErrActionUsed
		default:
			err = auth.ErrActionInvalid
		}
		if refused != nil {
			refused(err)
		}
		return err
	}, ms(now), id, tokenHash)
}

// AuditLog returns consumed user action id of org, or NotFound.
func (db *DB) AuditLog(ctx context.Context, org, id string) (*auth.UserAction, error) {
	a, err := scanAction(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+actionCols+` FROM user_actions
		WHERE org_id = ? AND id = ? AND consumed_at > 0`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("audit log %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select audit log: %w", err)
	}
	return a, nil
}

// AuditLogs lists consumed user actions of org signed within [Start, End].
func (db *DB) AuditLogs(ctx context.Context, org string, f auth.LogFilter) ([]*auth.UserAction, string, error) {
	// The id range holds every action signed in [Start, End]: an action's
	// id carries its challenge's creation time, at most MaxProtocolTTL
	// earlier. It lets the primary key serve the time range.
	lo, hi := id.Floor("ua", f.Start.Add(-auth.MaxProtocolTTL)), id.Floor("ua", f.End.Add(time.Millisecond))
	q := `SELECT ` + actionCols + ` FROM user_actions WHERE id >= ? AND id < ? AND org_id = ? AND consumed_at > 0
		AND created_at >= ? AND created_at <= ? AND id > ?`
	args := []any{lo, hi, org, ms(f.Start), ms(f.End), f.Page.Token}
	if f.UserID != "" {
		q += ` AND user_id = ?`
		args = append(args, f.UserID)
	}
	return queryPage(ctx, db, "audit logs", q+` ORDER BY id`, args, f.Page,
		func(r scanner) (*auth.UserAction, error) { return scanAction(r) },
		func(a *auth.UserAction) string { return a.ID })
}

// SigningKeys lists the token signing keys, newest first.
func (db *DB) SigningKeys(ctx context.Context) ([]auth.StoredKey, error) {
	rows, err := db.rd(ctx).QueryContext(ctx, `SELECT kid, public_key, kek_id, sealed, created_at FROM jwt_keys ORDER BY created_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("select jwt keys: %w", err)
	}
	defer rows.Close()
	var out []auth.StoredKey
	for rows.Next() {
		var k auth.StoredKey
		var c int64
		if err := rows.Scan(&k.KID, &k.PublicKey, &k.KEKID, &k.Sealed, &c); err != nil {
			return nil, err
		}
		k.Created = fromMS(c)
		out = append(out, k)
	}
	return out, rows.Err()
}

// CreateSigningKey inserts k.
func (db *DB) CreateSigningKey(ctx context.Context, k auth.StoredKey) error {
	_, err := db.exec(ctx, `INSERT INTO jwt_keys (kid, public_key, kek_id, sealed, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.KID, k.PublicKey, k.KEKID, k.Sealed, ms(k.Created))
	if err != nil {
		return fmt.Errorf("insert jwt key: %w", err)
	}
	return nil
}
