package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
)

var _ auth.CodeStore = (*DB)(nil)

// CreateCredentialCode stores c unless its user has max live codes
// already (429); expired codes of every user are deleted first, so the
// table holds only live ones and those just used.
func (db *DB) CreateCredentialCode(ctx context.Context, c *auth.CredentialCode, max int) error {
	if _, err := db.execQuiet(ctx, `DELETE FROM credential_codes WHERE expires_at <= ?`, ms(c.Created)); err != nil {
		return fmt.Errorf("delete expired credential codes: %w", err)
	}
	var n int
	if err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM credential_codes
		WHERE org_id = ? AND user_id = ? AND used_at = 0`), c.OrgID, c.UserID).Scan(&n); err != nil {
		return fmt.Errorf("count credential codes: %w", err)
	}
	if n >= max {
		return apierr.TooMany("too many credential codes outstanding; use or let one expire first")
	}
	_, err := db.execQuiet(ctx, `INSERT INTO credential_codes (code_hash, org_id, user_id, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?)`, c.Hash, c.OrgID, c.UserID, ms(c.ExpiresAt), ms(c.Created))
	if isUnique(err) {
		return apierr.Conflict("credential code collision; ask for another")
	}
	if err != nil {
		return fmt.Errorf("insert credential code: %w", err)
	}
	return nil
}

// TakeCredentialCode marks the live, unused code whose hash is hash as used
// and returns it; otherwise a 401.
func (db *DB) TakeCredentialCode(ctx context.Context, hash string, now time.Time) (*auth.CredentialCode, error) {
	c := &auth.CredentialCode{Hash: hash}
	var exp, created int64
	err := db.writeRow(ctx, `UPDATE credential_codes SET used_at = ?
		WHERE code_hash = ? AND used_at = 0 AND expires_at > ? RETURNING org_id, user_id, expires_at, created_at`,
		[]any{ms(now), hash, ms(now)}, func(r *sql.Row) error { return r.Scan(&c.OrgID, &c.UserID, &exp, &created) })
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.Unauthorized("Invalid code.")
	}
	if err != nil {
		return nil, fmt.Errorf("take credential code: %w", err)
	}
	c.ExpiresAt, c.Created = fromMS(exp), fromMS(created)
	return c, nil
}
