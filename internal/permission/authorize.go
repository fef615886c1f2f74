package permission

import (
	"context"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
)

// OpAssign is the operation needed to grant a permission to an identity.
const OpAssign = "Permissions:Assign"

// combine says how the grants of a principal's token combine with those of
// its user.
type combine uint8

const (
	userOnly combine = iota // a login session, or a PAT without permissions of its own
	narrowed                // a PAT with permissions of its own: its own ∩ its owner's
	widened                 // a service account's token: its user's ∪ the token's
)

// Ops is what a principal may do: the operations of its grants, combined
// as its kind of token requires (docs/security.md, "Grants and
// escalation"). The zero Ops allows nothing. It only reads the grants it
// holds, which may be shared with a cache.
type Ops struct {
	user, token []Grant
	mode        combine
}

// opsOf is the one rule for what a principal may do, given the active grants
// of its user and of its token (keyed by identity id). Authorize, grant
// checks and the copy of a creator's grants all go through it.
func opsOf(p *principal.Principal, grants map[string][]Grant) Ops {
	o := Ops{user: grants[p.UserID]}
	if p.TokenID == "" {
		return o
	}
	o.token = grants[p.TokenID]
	switch {
	case p.TokenKind == principal.KindPat && len(o.token) > 0:
		o.mode = narrowed
	case p.TokenKind == principal.KindServiceAccount:
		o.mode = widened
	}
	return o
}

// allows reports whether grants include op.
func allows(grants []Grant, op string) bool {
	for _, g := range grants {
		if g.FullAccess || slices.Contains(g.Operations, op) {
			return true
		}
	}
	return false
}

func anyFull(grants []Grant) bool {
	return slices.ContainsFunc(grants, func(g Grant) bool { return g.FullAccess })
}

// Has reports whether o allows op.
func (o Ops) Has(op string) bool {
	ok := allows(o.user, op)
	switch o.mode {
	case narrowed:
		return ok && allows(o.token, op)
	case widened:
		return ok || allows(o.token, op)
	}
	return ok
}

// Full reports whether o is full access: every current and future
// operation (a full admin).
func (o Ops) Full() bool {
	u := anyFull(o.user)
	switch o.mode {
	case narrowed:
		return u && anyFull(o.token)
	case widened:
		return u || anyFull(o.token)
	}
	return u
}

// List returns the operations o allows, sorted (for full access, every
// current operation).
func (o Ops) List() []string {
	var cand []string
	full := false
	for _, l := range [][]Grant{o.user, o.token} {
		for _, g := range l {
			full = full || g.FullAccess
			cand = append(cand, g.Operations...)
		}
	}
	if full {
		cand = append(cand, Current...)
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	return slices.DeleteFunc(cand, func(op string) bool { return !o.Has(op) })
}

// Within reports whether everything o allows is allowed by outer.
func (o Ops) Within(outer Ops) bool {
	if outer.Full() {
		return true
	}
	if o.Full() {
		return false
	}
	return outer.Missing(o.List()) == ""
}

// Missing returns the first of ops that o does not allow, or "".
func (o Ops) Missing(ops []string) string {
	for _, op := range ops {
		if !o.Has(op) {
			return op
		}
	}
	return ""
}

// holds reports whether o includes everything g gives.
func (o Ops) holds(g Grant) bool {
	if g.FullAccess {
		return o.Full()
	}
	return o.Missing(g.Operations) == ""
}

// Effective returns what p may do, in one read of the grants of its user
// and token.
func (s *Service) Effective(ctx context.Context, p *principal.Principal) (Ops, error) {
	grants, err := s.grantsOf(ctx, p)
	if err != nil {
		return Ops{}, err
	}
	return opsOf(p, grants), nil
}

func (s *Service) grantsOf(ctx context.Context, p *principal.Principal) (map[string][]Grant, error) {
	if p.TokenID == "" {
		return s.store.GrantsOf(ctx, p.OrgID, p.UserID)
	}
	return s.store.GrantsOf(ctx, p.OrgID, p.UserID, p.TokenID)
}

// Authorize returns nil when p may perform op, else a 403 in the Dfns
// wording.
func (s *Service) Authorize(ctx context.Context, p *principal.Principal, op string) error {
	ops, err := s.Effective(ctx, p)
	if err != nil {
		return err
	}
	if !ops.Has(op) {
		return apierr.Forbidden("%s is not authorized to perform operation (%s)", p.Describe(), op)
	}
	return nil
}
