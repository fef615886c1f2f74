package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
)

// RecoveryCode returns the hash of the pending recovery code of user userID
// and when it expires ("" when there is none).
func (db *DB) RecoveryCode(ctx context.Context, org, userID string) (string, time.Time, error) {
	var hash string
	var exp int64
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT recovery_code, recovery_expiry FROM users
		WHERE org_id = ? AND id = ?`), org, userID).Scan(&hash, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, apierr.NotFound("user %s not found", userID)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("select recovery code: %w", err)
	}
	return hash, fromMS(exp), nil
}

// SetRecoveryCode replaces the pending recovery code of the registered user
// userID and reports whether there was such a user.
func (db *DB) SetRecoveryCode(ctx context.Context, org, userID, hash string, expires time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE users SET recovery_code = ?, recovery_expiry = ?
		WHERE org_id = ? AND id = ? AND is_registered = 1`, hash, ms(expires), org, userID)
	if err != nil {
		return false, fmt.Errorf("set recovery code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ConsumeRecoveryCode clears the pending recovery code of user userID if
// its hash is hash and it is valid at now, and reports whether it did.
func (db *DB) ConsumeRecoveryCode(ctx context.Context, org, userID, hash string, now time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE users SET recovery_code = '', recovery_expiry = 0
		WHERE org_id = ? AND id = ? AND recovery_code = ? AND recovery_code <> '' AND recovery_expiry > ?`,
		org, userID, hash, ms(now))
	if err != nil {
		return false, fmt.Errorf("consume recovery code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ResetCredentials is the first write of a recovery: every credential of
// user userID (its own and its tokens') is archived, its personal access
// tokens are revoked, its login sessions end, and credUUID becomes its
// first credential. The caller then stores the new credentials.
func (db *DB) ResetCredentials(ctx context.Context, org, userID, credUUID string) error {
	for _, q := range []struct {
		what, sql string
		args      []any
	}{
		{"archive credentials", `UPDATE credentials SET is_active = 0, is_archived = 1 WHERE org_id = ? AND user_id = ?`,
			[]any{org, userID}},
		{"revoke personal access tokens", `UPDATE tokens SET is_active = 0, is_archived = 1
			WHERE org_id = ? AND user_id = ? AND kind = 'Pat'`, []any{org, userID}},
		{"end sessions", `UPDATE users SET session_gen = session_gen + 1, credential_uuid = ?,
			recovery_code = '', recovery_expiry = 0 WHERE org_id = ? AND id = ?`, []any{credUUID, org, userID}},
	} {
		if _, err := db.exec(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("%s: %w", q.what, err)
		}
	}
	return nil
}

// LoginCode returns the hash of the pending login code of user userID and
// when it expires ("" when there is none).
func (db *DB) LoginCode(ctx context.Context, org, userID string) (string, time.Time, error) {
	var hash string
	var exp int64
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT login_code, login_code_expiry FROM users
		WHERE org_id = ? AND id = ?`), org, userID).Scan(&hash, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, apierr.NotFound("user %s not found", userID)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("select login code: %w", err)
	}
	return hash, fromMS(exp), nil
}

// SetLoginCode replaces the pending login code of user userID.
func (db *DB) SetLoginCode(ctx context.Context, org, userID, hash string, expires time.Time) error {
	if _, err := db.exec(ctx, `UPDATE users SET login_code = ?, login_code_expiry = ? WHERE org_id = ? AND id = ?`,
		hash, ms(expires), org, userID); err != nil {
		return fmt.Errorf("set login code: %w", err)
	}
	return nil
}

// ConsumeLoginCode clears the pending login code of user userID if its
// hash is hash and it is valid at now, and reports whether it did.
func (db *DB) ConsumeLoginCode(ctx context.Context, org, userID, hash string, now time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE users SET login_code = '', login_code_expiry = 0
		WHERE org_id = ? AND id = ? AND login_code = ? AND login_code <> '' AND login_code_expiry > ?`,
		org, userID, hash, ms(now))
	if err != nil {
		return false, fmt.Errorf("consume login code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
