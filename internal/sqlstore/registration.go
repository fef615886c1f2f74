package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/auth"
)

var _ auth.RegistrationStore = (*DB)(nil)

// ConsumeRegistrationCode clears the pending registration code of user
// userID if its hash is hash and it is still valid at now, in one
// statement, and reports whether it did: a code is used once.
func (db *DB) ConsumeRegistrationCode(ctx context.Context, org, userID, hash string, now time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE users SET registration_code = '', registration_expiry = 0
		WHERE org_id = ? AND id = ? AND is_registered = 0 AND registration_code = ? AND registration_code <> ''
		AND registration_expiry > ?`, org, userID, hash, ms(now))
	if err != nil {
		return false, fmt.Errorf("consume registration code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetRegistrationCode replaces the pending registration code of the
// unregistered user userID (the previous one stops working) and reports
// whether there was such a user.
func (db *DB) SetRegistrationCode(ctx context.Context, org, userID, hash string, expires time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE users SET registration_code = ?, registration_expiry = ?
		WHERE org_id = ? AND id = ? AND is_registered = 0`, hash, ms(expires), org, userID)
	if err != nil {
		return false, fmt.Errorf("set registration code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkRegistered records that user userID registered with credential
// credUUID as its first factor, unless it was registered already (false).
func (db *DB) MarkRegistered(ctx context.Context, org, userID, credUUID string) (bool, error) {
	res, err := db.exec(ctx, `UPDATE users SET is_registered = 1, credential_uuid = ?, registration_code = '',
		registration_expiry = 0 WHERE org_id = ? AND id = ? AND is_registered = 0`, credUUID, org, userID)
	if err != nil {
		return false, fmt.Errorf("mark user registered: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
