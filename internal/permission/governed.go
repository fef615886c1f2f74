package permission

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// Governor decides on governed permission changes: Permissions:Modify
// (update, archive) and Permissions:Assign (assign, revoke) policies may
// hold them for approval (docs/protocol/policies.md §3). *policy.Service
// is one.
type Governor interface {
	// Govern runs apply with the consumption of act, or holds the change
	// (a *policy.PendingError), or refuses it.
	Govern(ctx context.Context, p *principal.Principal, act store.Consumer, c policy.Governed, apply func(ctx context.Context) error) error
}

// SetGovernor makes g decide on governed changes; without one every
// change is made at once.
func (s *Service) SetGovernor(g Governor) { s.gov = g }

// govern makes a governed change: through the governor when there is one.
func (s *Service) govern(ctx context.Context, p *principal.Principal, act store.Consumer, c policy.Governed, apply func(ctx context.Context) error) error {
	if s.gov == nil {
		return store.Run(ctx, s.store, act, apply)
	}
	return s.gov.Govern(ctx, p, act, c, apply)
}

func modifyChange(perm *Permission) policy.Governed {
	return policy.Governed{ActivityKind: policy.KindPermissionsModify, Kind: "Permission", OperationKind: "Update",
		EntityID: perm.ID, PermissionID: perm.ID, Body: ViewOf(perm)}
}

// assignmentBody is the would-be assignment of an Assignment change.
type assignmentBody struct {
	ID           string `json:"id,omitempty"`
	PermissionID string `json:"permissionId"`
	IdentityID   string `json:"identityId"`
}

func assignChange(permID, identityID string) policy.Governed {
	return policy.Governed{ActivityKind: policy.KindPermissionsAssign, Kind: "Assignment", OperationKind: "Create",
		EntityID: permID, PermissionID: permID, Body: assignmentBody{PermissionID: permID, IdentityID: identityID}}
}

func revokeChange(a *Assignment) policy.Governed {
	return policy.Governed{ActivityKind: policy.KindPermissionsAssign, Kind: "Assignment", OperationKind: "Delete",
		EntityID: a.ID, PermissionID: a.PermissionID, Body: assignmentBody{ID: a.ID, PermissionID: a.PermissionID, IdentityID: a.IdentityID}}
}

// ApplyChange applies an approved permission change request (in the unit
// of work of the approving decision).
func (s *Service) ApplyChange(ctx context.Context, cr *policy.ChangeRequest) error {
	switch cr.Kind + "/" + cr.OperationKind {
	case "Permission/Update":
		var v View
		if err := json.Unmarshal(cr.Body, &v); err != nil {
			return fmt.Errorf("change request %s body: %w", cr.ID, err)
		}
		perm, err := s.store.Permission(ctx, cr.OrgID, cr.EntityID)
		if err != nil {
			return err
		}
		perm.Name, perm.Operations, perm.IsArchived, perm.Updated = v.Name, v.Operations, v.IsArchived, s.now()
		return s.store.UpdatePermission(ctx, perm)
	case "Assignment/Create", "Assignment/Delete":
		var b assignmentBody
		if err := json.Unmarshal(cr.Body, &b); err != nil {
			return fmt.Errorf("change request %s body: %w", cr.ID, err)
		}
		if cr.OperationKind == "Delete" {
			return s.store.DeleteAssignment(ctx, cr.OrgID, b.ID)
		}
		_, err := s.assign(ctx, cr.OrgID, b.PermissionID, b.IdentityID, false)
		return err
	}
	return fmt.Errorf("change request %s: unknown change %s %s", cr.ID, cr.Kind, cr.OperationKind)
}
