package permission

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
)

// A PAT with no active permission of its own mirrors its owner. Revoking
// the last assignment of a narrowed PAT, or archiving the last permission
// that narrows it, therefore gives the PAT every operation of its owner:
// it is a grant like any other, and only someone holding all that the
// owner holds may make it (docs/security.md, "Grants and escalation").

// checkLift returns nil unless dropping the grants drop selects would leave
// identityID, a narrowed PAT, with no permission of its own while p does not
// hold everything the PAT's owner holds.
func (s *Service) checkLift(ctx context.Context, p *principal.Principal, identityID string, drop func(Grant) bool) error {
	if !strings.HasPrefix(identityID, "to-") { // tokens only (id.New("to"))
		return nil
	}
	t, err := s.store.Token(ctx, p.OrgID, identityID)
	if err != nil {
		var ae *apierr.Error
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return nil
		}
		return err
	}
	if t.Kind != principal.KindPat {
		return nil
	}
	grants, err := s.store.GrantsOf(ctx, p.OrgID, t.UserID, t.ID)
	if err != nil {
		return err
	}
	own := grants[t.ID]
	if len(own) == 0 || !allDropped(own, drop) {
		return nil // not narrowed now, or still narrowed after
	}
	eff, err := s.Effective(ctx, p)
	if err != nil {
		return err
	}
	if (Ops{user: grants[t.UserID]}).Within(eff) {
		return nil
	}
	return apierr.Forbidden("%s is not authorized to grant personal access token %s all operations of its owner", p.Describe(), t.ID)
}

func allDropped(grants []Grant, drop func(Grant) bool) bool {
	for _, g := range grants {
		if !drop(g) {
			return false
		}
	}
	return true
}

// checkArchiveLifts runs checkLift for every identity permission permID is
// assigned to, as archiving it drops it from all of them.
func (s *Service) checkArchiveLifts(ctx context.Context, p *principal.Principal, permID string) error {
	drop := func(g Grant) bool { return g.PermissionID == permID }
	pg := identity.Page{Limit: 500}
	for {
		as, next, err := s.store.Assignments(ctx, p.OrgID, permID, pg)
		if err != nil {
			return err
		}
		for _, a := range as {
			if err := s.checkLift(ctx, p, a.IdentityID, drop); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		pg.Token = next
	}
}
