package sqlstore

import (
	"context"
	"fmt"

	"github.com/custos-dev/custos/internal/keys"
)

// FinishSignatureRequest writes status, reason, result and dates of r if
// its stored status is still from, and reports whether it was.
func (db *DB) FinishSignatureRequest(ctx context.Context, r *keys.SignatureRequest, from string) (bool, error) {
	result, err := resultText(r.Result)
	if err != nil {
		return false, err
	}
	res, err := db.execQuiet(ctx, `UPDATE signature_requests SET status = ?, reason = ?, result = ?, policy_resolved_at = ?,
		signed_at = ? WHERE org_id = ? AND id = ? AND status = ?`, r.Status, r.Reason, result, ms(r.PolicyResolved),
		ms(r.Signed), r.OrgID, r.ID, from)
	if err != nil {
		return false, fmt.Errorf("update signature request: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ExecutingSignatureRequests lists up to limit approved requests (any org)
// waiting to be signed.
func (db *DB) ExecutingSignatureRequests(ctx context.Context, limit int) ([]*keys.SignatureRequest, error) {
	return queryAll(ctx, db, "executing signature requests", `SELECT `+sigCols+` FROM signature_requests
		WHERE status = 'Executing' ORDER BY id LIMIT ?`, []any{limit}, func(r scanner) (*keys.SignatureRequest, error) { return scanSig(r) })
}
