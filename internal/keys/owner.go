package keys

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
)

// Keys delegated to an end user (docs/protocol/delegated.md, "Wallets of end
// users"): Key.DelegatedTo names the end user who owns the key. Two rules
// follow, written here once for keys and their wallets:
//
//   - an end user sees only the keys (and wallets) delegated to them, whatever
//     their permissions: any other is a 404, as if it did not exist;
//   - only the owner signs with a delegated key, through a login session
//     whose user actions the owner's own credentials sign: a service account,
//     an administrator or a token of someone else is refused (403), whatever
//     its permissions.

// OwnedKeyStore lists the keys delegated to one end user; the SQL store is
// one.
type OwnedKeyStore interface {
	OwnedKeys(ctx context.Context, org, owner string, p identity.Page) ([]*Key, string, error)
}

// IsEndUser reports whether p is an end user's session or token.
func IsEndUser(p *principal.Principal) bool {
	return p != nil && p.UserKind == identity.KindEndUser && !p.IsServiceAccount
}

// Visible reports whether p may see a key delegated to owner ("" for a
// custodial key): end users see only their own.
func Visible(p *principal.Principal, owner string) bool {
	return !IsEndUser(p) || (owner != "" && owner == p.UserID)
}

// CheckSigner returns nil when p may sign with a key delegated to owner
// ("" for a custodial key, which the permission checks alone govern), else
// a 403: a delegated key signs only for its owner's login session. The
// route's user action has then been signed by one of the owner's
// credentials (a login token's user actions can only be signed by its
// user's credentials, docs/protocol/auth.md).
func CheckSigner(p *principal.Principal, owner string) error {
	if owner == "" {
		return nil
	}
	if p == nil || p.UserID != owner || p.IsServiceAccount || p.TokenKind != principal.KindLogin {
		return apierr.Forbidden("the key is delegated to end user %s: only they can sign with it", owner)
	}
	return nil
}

// Delegate makes k a key of end user owner, which only they sign with.
func (k *Key) Delegate(owner string) {
	k.DelegatedTo, k.Custodial = owner, false
}

// notVisible is the 404 of a key p may not see.
func notVisible(keyID string) error { return apierr.NotFound("key %s not found", clip(keyID)) }
