package permission

import (
	"context"
	"errors"
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
)

// ByNameStore finds a permission by its name; the SQL store is one.
type ByNameStore interface {
	PermissionByName(ctx context.Context, org, name string) (*Permission, error)
}

// PrepareEndUserGrant returns the write that gives a new end user created
// by granter the organisation's DfnsDefaultEndUserAccess, after checking
// that granter holds everything it gives (CheckHolds; docs/security.md,
// "Grants and escalation"), else a 403. It stores nothing: call it before
// creating the end user, and the write in the unit of work that creates
// it. When the organisation has archived the permission there is nothing
// to give and the write does nothing.
func (s *Service) PrepareEndUserGrant(ctx context.Context, granter *principal.Principal) (func(ctx context.Context, userID string) error, error) {
	none := func(context.Context, string) error { return nil }
	bn, ok := s.store.(ByNameStore)
	if !ok {
		return nil, errors.New("permission store cannot find permissions by name")
	}
	perm, err := bn.PermissionByName(ctx, granter.OrgID, DefaultEndUser)
	var ae *apierr.Error
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return none, nil
	}
	if err != nil {
		return nil, err
	}
	if perm.IsArchived {
		return none, nil
	}
	if err := s.CheckHolds(ctx, granter, perm); err != nil {
		return nil, err
	}
	return func(ctx context.Context, userID string) error {
		_, err := s.assign(ctx, granter.OrgID, perm.ID, userID, false)
		return err
	}, nil
}
