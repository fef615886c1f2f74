package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/policy"
)

const changeCols = `id, org_id, kind, operation_kind, entity_id, status, requester, body, approval_id, created_at, resolved_at`

func scanChange(sc scanner) (*policy.ChangeRequest, error) {
	var c policy.ChangeRequest
	var req, body string
	var created, resolved int64
	if err := sc.Scan(&c.ID, &c.OrgID, &c.Kind, &c.OperationKind, &c.EntityID, &c.Status, &req, &body, &c.ApprovalID,
		&created, &resolved); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(req), &c.Requester); err != nil {
		return nil, fmt.Errorf("change request %s requester: %w", c.ID, err)
	}
	c.Body, c.Created, c.Resolved = json.RawMessage(body), fromMS(created), fromMS(resolved)
	return &c, nil
}

// CreateChangeRequest inserts c.
func (db *DB) CreateChangeRequest(ctx context.Context, c *policy.ChangeRequest) error {
	req, err := json.Marshal(c.Requester)
	if err != nil {
		return err
	}
	if _, err := db.execQuiet(ctx, `INSERT INTO change_requests (`+changeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.OrgID, c.Kind, c.OperationKind, c.EntityID, c.Status, string(req), string(c.Body), c.ApprovalID,
		ms(c.Created), ms(c.Resolved)); err != nil {
		return fmt.Errorf("insert change request: %w", err)
	}
	return nil
}

// ChangeRequest returns change request id of org, or NotFound.
func (db *DB) ChangeRequest(ctx context.Context, org, id string) (*policy.ChangeRequest, error) {
	c, err := scanChange(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+changeCols+` FROM change_requests
		WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("change request %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select change request: %w", err)
	}
	return c, nil
}

// PendingChangeRequest returns the Pending change request of an entity, or
// nil.
func (db *DB) PendingChangeRequest(ctx context.Context, org, entityID string) (*policy.ChangeRequest, error) {
	c, err := scanChange(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+changeCols+` FROM change_requests
		WHERE org_id = ? AND entity_id = ? AND status = 'Pending' ORDER BY id LIMIT 1`), org, entityID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("select pending change request: %w", err)
	}
	return c, nil
}

// UpdateChangeRequest writes status and dateResolved of c.
func (db *DB) UpdateChangeRequest(ctx context.Context, c *policy.ChangeRequest) error {
	if _, err := db.execQuiet(ctx, `UPDATE change_requests SET status = ?, resolved_at = ? WHERE org_id = ? AND id = ?`,
		c.Status, ms(c.Resolved), c.OrgID, c.ID); err != nil {
		return fmt.Errorf("update change request: %w", err)
	}
	return nil
}
