// Package permission holds permissions (named sets of operations), their
// assignments to identities, and the check every route makes before its
// handler runs (docs/protocol/permissions.md §2).
package permission

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/store"
)

// Names of the managed permissions every organisation starts with.
const (
	FullAdmin      = "DfnsFullAdminAccess"
	DefaultEndUser = "DfnsDefaultEndUserAccess"
)

// Permission is a named set of operations. FullAccess grants every current
// and future operation (the managed DfnsFullAdminAccess).
type Permission struct {
	ID          string
	OrgID       string
	Name        string
	Operations  []string
	FullAccess  bool
	IsImmutable bool
	IsArchived  bool
	Created     time.Time
	Updated     time.Time
}

// Assignment grants a permission to an identity (user, service account,
// token or application id).
type Assignment struct {
	ID           string
	OrgID        string
	PermissionID string
	IdentityID   string
	IsImmutable  bool
	Created      time.Time
	Updated      time.Time
}

// Grant is what one assignment gives: the permission's name and operations.
type Grant struct {
	AssignmentID string
	PermissionID string
	Name         string
	Operations   []string
	FullAccess   bool
}

// Store is what permission needs of storage.
type Store interface {
	// Tx runs several of the calls below as one unit of work.
	store.Unit

	CreatePermission(ctx context.Context, p *Permission) error
	Permission(ctx context.Context, org, id string) (*Permission, error)
	Permissions(ctx context.Context, org string, page identity.Page) ([]*Permission, string, error)
	UpdatePermission(ctx context.Context, p *Permission) error

	CreateAssignment(ctx context.Context, a *Assignment) error
	Assignment(ctx context.Context, org, id string) (*Assignment, error)
	Assignments(ctx context.Context, org, permissionID string, page identity.Page) ([]*Assignment, string, error)
	DeleteAssignment(ctx context.Context, org, id string) error
	// Grants lists the active (not archived) permissions assigned to identity.
	Grants(ctx context.Context, org, identityID string) ([]Grant, error)
	// GrantsOf lists, in one read, the active permissions assigned to each
	// of identityIDs.
	GrantsOf(ctx context.Context, org string, identityIDs ...string) (map[string][]Grant, error)
	// IdentityExists reports whether id names a user, service account,
	// token or application of org.
	IdentityExists(ctx context.Context, org, id string) (bool, error)
	// Token returns token id of org (a PAT or service-account token), or
	// a NotFound error.
	Token(ctx context.Context, org, id string) (*identity.Token, error)
}
