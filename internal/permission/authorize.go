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
	ids := []string{p.UserID}
	if p.TokenID != "" {
		ids = append(ids, p.TokenID)
	}
	grants, err := s.store.GrantsOf(ctx, p.OrgID, ids...)
	if err != nil {
		return err
	}
	ok := allows(grants[p.UserID], op)
	if p.TokenID != "" {
		tokenGrants := grants[p.TokenID]
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
