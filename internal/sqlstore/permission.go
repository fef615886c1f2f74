package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/permission"
)

var _ permission.Store = (*DB)(nil)

const permCols = `id, org_id, name, operations, full_access, is_immutable, is_archived, created_at, updated_at`

func scanPerm(sc interface{ Scan(...any) error }) (*permission.Permission, error) {
	var p permission.Permission
	var ops string
	var full, imm, arch int
	var c, u int64
	if err := sc.Scan(&p.ID, &p.OrgID, &p.Name, &ops, &full, &imm, &arch, &c, &u); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ops), &p.Operations); err != nil {
		return nil, fmt.Errorf("permission %s operations: %w", p.ID, err)
	}
	p.FullAccess, p.IsImmutable, p.IsArchived, p.Created, p.Updated = full == 1, imm == 1, arch == 1, fromMS(c), fromMS(u)
	return &p, nil
}

// CreatePermission inserts p; a taken name is a 409.
func (db *DB) CreatePermission(ctx context.Context, p *permission.Permission) error {
	ops, _ := json.Marshal(p.Operations)
	_, err := db.exec(ctx, `INSERT INTO permissions (`+permCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.OrgID, p.Name, string(ops), b2i(p.FullAccess), b2i(p.IsImmutable), b2i(p.IsArchived), ms(p.Created), ms(p.Updated))
	if isUnique(err) {
		return apierr.Conflict("a permission named %q already exists", p.Name)
	}
	if err != nil {
		return fmt.Errorf("insert permission: %w", err)
	}
	return nil
}

// Permission returns permission id of org, or NotFound.
func (db *DB) Permission(ctx context.Context, org, id string) (*permission.Permission, error) {
	p, err := scanPerm(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+permCols+` FROM permissions WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("permission %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select permission: %w", err)
	}
	return p, nil
}

// PermissionByName returns the permission of org named name, or NotFound.
func (db *DB) PermissionByName(ctx context.Context, org, name string) (*permission.Permission, error) {
	p, err := scanPerm(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+permCols+` FROM permissions WHERE org_id = ? AND name = ?`), org, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("permission %s not found", name)
	}
	if err != nil {
		return nil, fmt.Errorf("select permission by name: %w", err)
	}
	return p, nil
}

// Permissions pages through the permissions of org by id.
func (db *DB) Permissions(ctx context.Context, org string, page identity.Page) ([]*permission.Permission, string, error) {
	return queryPage(ctx, db, "permissions", `SELECT `+permCols+` FROM permissions WHERE org_id = ? AND id > ? ORDER BY id`,
		[]any{org, page.Token}, page,
		func(r scanner) (*permission.Permission, error) { return scanPerm(r) },
		func(p *permission.Permission) string { return p.ID })
}

// UpdatePermission writes the mutable fields of p.
func (db *DB) UpdatePermission(ctx context.Context, p *permission.Permission) error {
	ops, _ := json.Marshal(p.Operations)
	_, err := db.exec(ctx, `UPDATE permissions SET name = ?, operations = ?, is_archived = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, p.Name, string(ops), b2i(p.IsArchived), ms(p.Updated), p.OrgID, p.ID)
	if isUnique(err) {
		return apierr.Conflict("a permission named %q already exists", p.Name)
	}
	if err != nil {
		return fmt.Errorf("update permission: %w", err)
	}
	return nil
}

const asCols = `id, org_id, permission_id, identity_id, is_immutable, created_at, updated_at`

func scanAssignment(sc interface{ Scan(...any) error }) (*permission.Assignment, error) {
	var a permission.Assignment
	var imm int
	var c, u int64
	if err := sc.Scan(&a.ID, &a.OrgID, &a.PermissionID, &a.IdentityID, &imm, &c, &u); err != nil {
		return nil, err
	}
	a.IsImmutable, a.Created, a.Updated = imm == 1, fromMS(c), fromMS(u)
	return &a, nil
}

// CreateAssignment inserts a; assigning twice is a 409.
func (db *DB) CreateAssignment(ctx context.Context, a *permission.Assignment) error {
	_, err := db.exec(ctx, `INSERT INTO assignments (`+asCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrgID, a.PermissionID, a.IdentityID, b2i(a.IsImmutable), ms(a.Created), ms(a.Updated))
	if isUnique(err) {
		return apierr.Conflict("permission %s is already assigned to %s", a.PermissionID, a.IdentityID)
	}
	if isForeignKey(err) {
		return apierr.NotFound("permission %s not found", a.PermissionID)
	}
	if err != nil {
		return fmt.Errorf("insert assignment: %w", err)
	}
	return nil
}

// Assignment returns assignment id of org, or NotFound.
func (db *DB) Assignment(ctx context.Context, org, id string) (*permission.Assignment, error) {
	a, err := scanAssignment(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+asCols+` FROM assignments WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("assignment %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select assignment: %w", err)
	}
	return a, nil
}

// Assignments pages through the assignments of one permission.
func (db *DB) Assignments(ctx context.Context, org, permissionID string, page identity.Page) ([]*permission.Assignment, string, error) {
	return queryPage(ctx, db, "assignments", `SELECT `+asCols+` FROM assignments WHERE org_id = ? AND permission_id = ?
		AND id > ? ORDER BY id`, []any{org, permissionID, page.Token}, page,
		func(r scanner) (*permission.Assignment, error) { return scanAssignment(r) },
		func(a *permission.Assignment) string { return a.ID })
}

// DeleteAssignment removes assignment id of org.
func (db *DB) DeleteAssignment(ctx context.Context, org, id string) error {
	_, err := db.exec(ctx, `DELETE FROM assignments WHERE org_id = ? AND id = ?`, org, id)
	if err != nil {
		return fmt.Errorf("delete assignment: %w", err)
	}
	return nil
}

// Grants lists the unarchived permissions assigned to identityID.
func (db *DB) Grants(ctx context.Context, org, identityID string) ([]permission.Grant, error) {
	m, err := db.GrantsOf(ctx, org, identityID)
	return m[identityID], err
}

// GrantsOf lists the unarchived permissions assigned to one or two
// identities (a user and its token), in one read.
func (db *DB) grantsOf(ctx context.Context, org string, ids ...string) (map[string][]permission.Grant, error) {
	if len(ids) == 0 || len(ids) > 2 {
		return nil, fmt.Errorf("grants of %d identities", len(ids))
	}
	second := ids[0]
	if len(ids) == 2 {
		second = ids[1]
	}
	rows, err := db.rd(ctx).QueryContext(ctx, db.q(`SELECT a.identity_id, a.id, p.id, p.name, p.operations, p.full_access
		FROM assignments a JOIN permissions p ON p.id = a.permission_id
		WHERE a.org_id = ? AND a.identity_id IN (?, ?) AND p.is_archived = 0 ORDER BY a.id`), org, ids[0], second)
	if err != nil {
		return nil, fmt.Errorf("select grants: %w", err)
	}
	defer rows.Close()
	out := map[string][]permission.Grant{}
	for rows.Next() {
		var g permission.Grant
		var who, ops string
		var full int
		if err := rows.Scan(&who, &g.AssignmentID, &g.PermissionID, &g.Name, &ops, &full); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(ops), &g.Operations); err != nil {
			return nil, fmt.Errorf("grant operations: %w", err)
		}
		g.FullAccess = full == 1
		out[who] = append(out[who], g)
	}
	return out, rows.Err()
}

// IdentityExists reports whether id is a user, token or app of org.
func (db *DB) IdentityExists(ctx context.Context, org, id string) (bool, error) {
	var n int
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT
		(SELECT COUNT(*) FROM users WHERE org_id = ? AND id = ?) +
		(SELECT COUNT(*) FROM tokens WHERE org_id = ? AND id = ?) +
		(SELECT COUNT(*) FROM apps WHERE org_id = ? AND id = ?)`), org, id, org, id, org, id).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("select identity: %w", err)
	}
	return n > 0, nil
}
