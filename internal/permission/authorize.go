package permission

import (
	"context"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
)

// allows reports whether grants include op.
func allows(grants []Grant, op string) bool {
	for _, g := range grants {
		if g.FullAccess || slices.Contains(g.Operations, op) {
			return true
		}
	}
	return false
}

// Authorize returns nil when p may perform op, else a 403 in the Dfns
// wording. A user's (or service account's) operations are the union over its
// assignments; a PAT with assignments of its own is limited to the
// intersection of its own and its user's operations.
func (s *Service) Authorize(ctx context.Context, p *principal.Principal, op string) error {
	userGrants, err := s.store.Grants(ctx, p.OrgID, p.UserID)
	if err != nil {
		return err
	}
	ok := allows(userGrants, op)
	if p.TokenID != "" {
		tokenGrants, err := s.store.Grants(ctx, p.OrgID, p.TokenID)
		if err != nil {
			return err
		}
		switch {
		case p.TokenKind == principal.KindPat && len(tokenGrants) > 0:
			ok = ok && allows(tokenGrants, op)
		case p.TokenKind == principal.KindServiceAccount:
			ok = ok || allows(tokenGrants, op)
		}
	}
	if !ok {
		return apierr.Forbidden("%s is not authorized to perform operation (%s)", p.Describe(), op)
	}
	return nil
}
