package permission

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
	"github.com/custos-dev/custos/internal/wire"
)

// Service manages permissions and assignments.
type Service struct {
	store Store
	now   func() time.Time
	// gov, when set, may hold changes for approval (governed.go).
	gov Governor
}

// New returns the permission service.
func New(store Store) *Service { return &Service{store: store, now: time.Now} }

// View is the wire Permission.
type View struct {
	ID          string   `json:"id"`
	OrgID       string   `json:"orgId"`
	Name        string   `json:"name"`
	Operations  []string `json:"operations"`
	Status      string   `json:"status"`
	IsImmutable bool     `json:"isImmutable"`
	IsArchived  bool     `json:"isArchived"`
	DateCreated string   `json:"dateCreated"`
	DateUpdated string   `json:"dateUpdated"`
}

// AssignmentView is the wire Assignment.
type AssignmentView struct {
	ID           string `json:"id"`
	PermissionID string `json:"permissionId"`
	IdentityID   string `json:"identityId"`
	IsImmutable  bool   `json:"isImmutable"`
	DateCreated  string `json:"dateCreated"`
	DateUpdated  string `json:"dateUpdated"`
}

func stamp(t time.Time) string { return wire.Time(t) }

// ViewOf renders p for the wire; a full-access permission lists every
// current operation.
func ViewOf(p *Permission) View {
	ops := p.Operations
	if p.FullAccess {
		ops = Current
	}
	if ops == nil {
		ops = []string{}
	}
	return View{ID: p.ID, OrgID: p.OrgID, Name: p.Name, Operations: ops, Status: "Active", IsImmutable: p.IsImmutable,
		IsArchived: p.IsArchived, DateCreated: stamp(p.Created), DateUpdated: stamp(p.Updated)}
}

// ViewAssignment renders a for the wire.
func ViewAssignment(a *Assignment) AssignmentView {
	return AssignmentView{ID: a.ID, PermissionID: a.PermissionID, IdentityID: a.IdentityID, IsImmutable: a.IsImmutable,
		DateCreated: stamp(a.Created), DateUpdated: stamp(a.Updated)}
}

// Input is the body of POST/PUT /permissions.
type Input struct {
	Name       *string   `json:"name"`
	Operations *[]string `json:"operations"`
}

func checkOps(ops []string) error {
	if len(ops) == 0 {
		return apierr.BadRequest("operations must list at least one operation")
	}
	for _, op := range ops {
		if err := validate.Word("operations", op); err != nil {
			return err
		}
		if !Known(op) {
			return apierr.BadRequest("operations: unknown operation %q", op)
		}
	}
	return nil
}

func checkName(name string) error {
	return validate.Name("name", name)
}

// Create makes a permission in the caller's org; act, when not nil, is
// consumed with it.
func (s *Service) Create(ctx context.Context, p *principal.Principal, act store.Consumer, in *Input) (*Permission, error) {
	if in.Name == nil || in.Operations == nil {
		return nil, apierr.BadRequest("name and operations are required")
	}
	if err := checkName(*in.Name); err != nil {
		return nil, err
	}
	if err := checkOps(*in.Operations); err != nil {
		return nil, err
	}
	now := s.now()
	perm := &Permission{ID: id.New("pm"), OrgID: p.OrgID, Name: *in.Name, Operations: *in.Operations, Created: now, Updated: now}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.CreatePermission(ctx, perm) }); err != nil {
		return nil, err
	}
	return perm, nil
}

// CreateManaged makes a managed permission (bootstrap).
func (s *Service) CreateManaged(ctx context.Context, org, name string, ops []string, full, immutable bool) (*Permission, error) {
	now := s.now()
	perm := &Permission{ID: id.New("pm"), OrgID: org, Name: name, Operations: ops, FullAccess: full, IsImmutable: immutable, Created: now, Updated: now}
	return perm, s.store.CreatePermission(ctx, perm)
}

// Get returns permission id of the caller's org.
func (s *Service) Get(ctx context.Context, p *principal.Principal, permID string) (*Permission, error) {
	return s.store.Permission(ctx, p.OrgID, permID)
}

// List pages through the permissions of the caller's org.
func (s *Service) List(ctx context.Context, p *principal.Principal, page identity.Page) ([]*Permission, string, error) {
	return s.store.Permissions(ctx, p.OrgID, page)
}

// Update renames a permission or replaces its operations; act, when not
// nil, is consumed with the change.
func (s *Service) Update(ctx context.Context, p *principal.Principal, act store.Consumer, permID string, in *Input) (*Permission, error) {
	perm, err := s.store.Permission(ctx, p.OrgID, permID)
	if err != nil {
		return nil, err
	}
	if perm.IsImmutable {
		return nil, apierr.BadRequest("permission %s is immutable", permID)
	}
	if perm.IsArchived {
		return nil, apierr.BadRequest("permission %s is archived", permID)
	}
	if in.Name != nil {
		if err := checkName(*in.Name); err != nil {
			return nil, err
		}
		perm.Name = *in.Name
	}
	if in.Operations != nil {
		if err := checkOps(*in.Operations); err != nil {
			return nil, err
		}
		// The new operations go to every assignee at once.
		if err := s.checkGives(ctx, p, *in.Operations); err != nil {
			return nil, err
		}
		perm.Operations = *in.Operations
	}
	perm.Updated = s.now()
	return perm, s.govern(ctx, p, act, modifyChange(perm), func(ctx context.Context) error {
		return s.store.UpdatePermission(ctx, perm)
	})
}

// Archive archives or restores a permission; archived permissions grant
// nothing. act, when not nil, is consumed with the change.
func (s *Service) Archive(ctx context.Context, p *principal.Principal, act store.Consumer, permID string, archived bool) (*Permission, error) {
	perm, err := s.store.Permission(ctx, p.OrgID, permID)
	if err != nil {
		return nil, err
	}
	if perm.IsImmutable {
		return nil, apierr.BadRequest("permission %s is immutable", permID)
	}
	switch {
	case perm.IsArchived && !archived:
		// Restoring gives the operations back to every assignee.
		if err := s.checkGives(ctx, p, perm.Operations); err != nil {
			return nil, err
		}
	case !perm.IsArchived && archived:
		if err := s.checkArchiveLifts(ctx, p, perm.ID); err != nil {
			return nil, err
		}
	}
	perm.IsArchived, perm.Updated = archived, s.now()
	return perm, s.govern(ctx, p, act, modifyChange(perm), func(ctx context.Context) error {
		return s.store.UpdatePermission(ctx, perm)
	})
}

// Assign grants permission permID to identityID, when p may grant it
// (CheckGrant); act, when not nil, is consumed with the assignment.
func (s *Service) Assign(ctx context.Context, p *principal.Principal, act store.Consumer, permID, identityID string) (*Assignment, error) {
	perm, err := s.store.Permission(ctx, p.OrgID, permID)
	if err != nil {
		return nil, err
	}
	if perm.IsArchived {
		return nil, apierr.BadRequest("permission %s is archived", permID)
	}
	if err := validate.ID("identityId", identityID); err != nil {
		return nil, err
	}
	// Self-assignment included: nobody grants what they do not hold.
	if err := s.CheckGrant(ctx, p, perm); err != nil {
		return nil, err
	}
	ok, err := s.store.IdentityExists(ctx, p.OrgID, identityID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apierr.NotFound("identity %s not found", identityID)
	}
	var a *Assignment
	err = s.govern(ctx, p, act, assignChange(perm.ID, identityID), func(ctx context.Context) error {
		var err error
		a, err = s.assign(ctx, p.OrgID, perm.ID, identityID, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// AssignManaged grants a permission at bootstrap or on identity creation.
func (s *Service) AssignManaged(ctx context.Context, org, permID, identityID string, immutable bool) (*Assignment, error) {
	return s.assign(ctx, org, permID, identityID, immutable)
}

func (s *Service) assign(ctx context.Context, org, permID, identityID string, immutable bool) (*Assignment, error) {
	now := s.now()
	a := &Assignment{ID: id.New("as"), OrgID: org, PermissionID: permID, IdentityID: identityID, IsImmutable: immutable, Created: now, Updated: now}
	return a, s.store.CreateAssignment(ctx, a)
}

// Assignments pages through the assignments of permission permID.
func (s *Service) Assignments(ctx context.Context, p *principal.Principal, permID string, page identity.Page) ([]*Assignment, string, error) {
	if _, err := s.store.Permission(ctx, p.OrgID, permID); err != nil {
		return nil, "", err
	}
	return s.store.Assignments(ctx, p.OrgID, permID, page)
}

// Revoke deletes assignment asID of permission permID; act, when not
// nil, is consumed with the deletion.
func (s *Service) Revoke(ctx context.Context, p *principal.Principal, act store.Consumer, permID, asID string) error {
	a, err := s.store.Assignment(ctx, p.OrgID, asID)
	if err != nil || a.PermissionID != permID {
		return apierr.NotFound("assignment %s not found", asID)
	}
	if a.IsImmutable {
		return apierr.BadRequest("assignment %s is immutable", asID)
	}
	if err := s.checkLift(ctx, p, a.IdentityID, func(g Grant) bool { return g.AssignmentID == a.ID }); err != nil {
		return err
	}
	return s.govern(ctx, p, act, revokeChange(a), func(ctx context.Context) error { return s.store.DeleteAssignment(ctx, p.OrgID, asID) })
}

// Grants lists what is assigned to identityID (for permissionAssignments).
func (s *Service) Grants(ctx context.Context, org, identityID string) ([]Grant, error) {
	return s.store.Grants(ctx, org, identityID)
}

var _ identity.Grants = (*Service)(nil)

// AssignmentInfos renders what is assigned to identityID as
// PermissionAssignmentInfo objects (never nil).
func (s *Service) AssignmentInfos(ctx context.Context, org, identityID string) ([]identity.AssignmentInfo, error) {
	grants, err := s.store.Grants(ctx, org, identityID)
	if err != nil {
		return nil, err
	}
	out := make([]identity.AssignmentInfo, 0, len(grants))
	for _, g := range grants {
		ops := g.Operations
		if g.FullAccess {
			ops = nil
		}
		out = append(out, identity.AssignmentInfo{PermissionName: g.Name, PermissionID: g.PermissionID, AssignmentID: g.AssignmentID, Operations: ops})
	}
	return out, nil
}
