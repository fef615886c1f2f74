package permission

import (
	"context"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
)

// Every way an identity gains operations passes through this file
// (docs/security.md, "Grants and escalation"): an assignment, a permission
// given at identity creation, the grants a new identity copies from its
// creator, and a change to (or restoration of) the operations of an
// assigned permission. The rule is one: nobody gives more than they hold.

// mayGrant returns nil when a principal with ops may grant perm, else a 403:
// full admins may grant anything; anyone else needs Permissions:Assign and
// every operation of perm, and never grants full access.
func (o Ops) mayGrant(p *principal.Principal, perm *Permission) error {
	if o.Full() {
		return nil
	}
	if !o.Has(OpAssign) {
		return apierr.Forbidden("%s is not authorized to perform operation (%s)", p.Describe(), OpAssign)
	}
	return o.mayPassOn(p, perm)
}

// mayPassOn returns nil when a principal with ops holds everything perm
// gives: full access only a full admin holds.
func (o Ops) mayPassOn(p *principal.Principal, perm *Permission) error {
	if o.Full() {
		return nil
	}
	if perm.FullAccess {
		return apierr.Forbidden("%s is not authorized to grant full access (%s)", p.Describe(), perm.Name)
	}
	return o.mayGive(p, perm.Operations)
}

// mayGive returns nil when o holds every one of ops (full admins hold
// everything), else a 403 naming the first it lacks.
func (o Ops) mayGive(p *principal.Principal, ops []string) error {
	if o.Full() {
		return nil
	}
	if op := o.Missing(ops); op != "" {
		return apierr.Forbidden("%s is not authorized to grant operation (%s)", p.Describe(), op)
	}
	return nil
}

// CheckGrant returns nil when granter may grant perm to an identity (by
// assignment or at the identity's creation), else a 403.
func (s *Service) CheckGrant(ctx context.Context, granter *principal.Principal, perm *Permission) error {
	ops, err := s.Effective(ctx, granter)
	if err != nil {
		return err
	}
	return ops.mayGrant(granter, perm)
}

// CheckHolds returns nil when granter holds everything perm gives, else a
// 403. It is the check for a managed permission granted as part of an
// operation the granter is authorised for (the default end-user permission
// of a future delegated registration), where Permissions:Assign is not
// asked; every other grant uses CheckGrant.
func (s *Service) CheckHolds(ctx context.Context, granter *principal.Principal, perm *Permission) error {
	ops, err := s.Effective(ctx, granter)
	if err != nil {
		return err
	}
	return ops.mayPassOn(granter, perm)
}

// grantable loads permission permID of granter's org for a grant at
// identity creation (a missing or archived one is a 400) and checks that
// granter may grant it.
func (s *Service) grantable(ctx context.Context, granter *principal.Principal, permID string) (*Permission, error) {
	perm, err := s.store.Permission(ctx, granter.OrgID, permID)
	if err != nil {
		return nil, apierr.BadRequest("permissionId: permission %s not found", permID)
	}
	if perm.IsArchived {
		return nil, apierr.BadRequest("permissionId: permission %s is archived", permID)
	}
	return perm, s.CheckGrant(ctx, granter, perm)
}

// CheckGrantID is CheckGrant for permission permID, for an identity about
// to be created with a permissionId: it fails before anything is created.
func (s *Service) CheckGrantID(ctx context.Context, granter *principal.Principal, permID string) error {
	_, err := s.grantable(ctx, granter, permID)
	return err
}

// GrantPermission assigns permission permID to identityID on behalf of
// granter (a token or service account created with a permissionId), after
// CheckGrant.
func (s *Service) GrantPermission(ctx context.Context, granter *principal.Principal, permID, identityID string) error {
	perm, err := s.grantable(ctx, granter, permID)
	if err != nil {
		return err
	}
	_, err = s.assign(ctx, granter.OrgID, perm.ID, identityID, false)
	return err
}

// CopyGrants gives identityID, a service account created by creator without
// a permissionId, the grants of creator (its user's and its token's) that
// lie wholly within what creator may do. For a login session or a service
// account that is every grant (as Dfns documents); for a PAT narrowed by
// permissions of its own, it is those grants that the narrowing keeps whole,
// so the account never gets more than the PAT could do.
func (s *Service) CopyGrants(ctx context.Context, creator *principal.Principal, identityID string) error {
	grants, err := s.grantsOf(ctx, creator)
	if err != nil {
		return err
	}
	ops := opsOf(creator, grants)
	// All the grants or none (a unit of work, nested in the caller's).
	return s.store.Tx(ctx, func(ctx context.Context) error {
		var done []string
		for _, g := range slices.Concat(grants[creator.UserID], grants[creator.TokenID]) {
			if slices.Contains(done, g.PermissionID) || !ops.holds(g) {
				continue
			}
			done = append(done, g.PermissionID)
			if _, err := s.assign(ctx, creator.OrgID, g.PermissionID, identityID, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// NarrowLikeCreator gives patID, a PAT created by creator without a
// permissionId, the narrowing of its creator: a PAT created by a PAT with
// permissions of its own gets the same permissions (the same owner, so the
// same effective operations); one created by a login session or an
// unnarrowed PAT gets none and mirrors its owner, as its creator does.
func (s *Service) NarrowLikeCreator(ctx context.Context, creator *principal.Principal, patID string) error {
	if creator.TokenKind != principal.KindPat || creator.TokenID == "" {
		return nil
	}
	grants, err := s.store.GrantsOf(ctx, creator.OrgID, creator.TokenID)
	if err != nil {
		return err
	}
	return s.store.Tx(ctx, func(ctx context.Context) error {
		for _, g := range grants[creator.TokenID] {
			if _, err := s.assign(ctx, creator.OrgID, g.PermissionID, patID, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkGives returns nil when p holds every one of ops, which a change to
// an assigned permission would give to its assignees.
func (s *Service) checkGives(ctx context.Context, p *principal.Principal, ops []string) error {
	eff, err := s.Effective(ctx, p)
	if err != nil {
		return err
	}
	return eff.mayGive(p, ops)
}
