package sqlstore

import (
	"context"
	"strings"

	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/permission"
)

// The reads below run on every request's path; they are served from the
// read cache (cache.go) and return copies, so callers may change what they
// get without touching the cache.

type loginRead struct {
	u       *identity.User
	revoked bool
}

// LoginSession returns the user of a login token and whether its session
// was logged out.
func (db *DB) LoginSession(ctx context.Context, org, userID, jti string) (*identity.User, bool, error) {
	r, err := cached(db.cacheFor(ctx), "ls\x00"+org+"\x00"+userID+"\x00"+jti, func() (loginRead, error) {
		u, revoked, err := db.loginSession(ctx, org, userID, jti)
		return loginRead{u, revoked}, err
	})
	if err != nil {
		return nil, false, err
	}
	u := *r.u
	return &u, r.revoked, nil
}

type tokenRead struct {
	u *identity.User
	t *identity.Token
}

// TokenSession returns the user and token of a PAT or service-account bearer.
func (db *DB) TokenSession(ctx context.Context, org, userID, tokenID string) (*identity.User, *identity.Token, error) {
	r, err := cached(db.cacheFor(ctx), "ts\x00"+org+"\x00"+userID+"\x00"+tokenID, func() (tokenRead, error) {
		u, t, err := db.tokenSession(ctx, org, userID, tokenID)
		return tokenRead{u, t}, err
	})
	if err != nil {
		return nil, nil, err
	}
	u, t := *r.u, *r.t
	return &u, &t, nil
}

// GrantsOf lists the unarchived permissions assigned to one or two
// identities (a user and its token). The result is shared: read it only.
func (db *DB) GrantsOf(ctx context.Context, org string, ids ...string) (map[string][]permission.Grant, error) {
	return cached(db.cacheFor(ctx), "gr\x00"+org+"\x00"+strings.Join(ids, "\x00"), func() (map[string][]permission.Grant, error) {
		return db.grantsOf(ctx, org, ids...)
	})
}

func copyCred(c *credential.Credential, err error) (*credential.Credential, error) {
	if err != nil {
		return nil, err
	}
	cp := *c
	return &cp, nil
}

// Credential returns credential uuid of org, or NotFound.
func (db *DB) Credential(ctx context.Context, org, uuid string) (*credential.Credential, error) {
	return copyCred(cached(db.cacheFor(ctx), "cr\x00"+org+"\x00"+uuid, func() (*credential.Credential, error) {
		return db.credential(ctx, org, uuid)
	}))
}

// CredentialByCredID returns the credential with client id credID, or NotFound.
func (db *DB) CredentialByCredID(ctx context.Context, org, credID string) (*credential.Credential, error) {
	return copyCred(cached(db.cacheFor(ctx), "ci\x00"+org+"\x00"+credID, func() (*credential.Credential, error) {
		return db.credentialByCredID(ctx, org, credID)
	}))
}

// SigningCredentials lists the active credentials user's login sessions may sign with.
func (db *DB) SigningCredentials(ctx context.Context, org, userID string) ([]*credential.Credential, error) {
	cs, err := cached(db.cacheFor(ctx), "sc\x00"+org+"\x00"+userID, func() ([]*credential.Credential, error) {
		return db.signingCredentials(ctx, org, userID)
	})
	if err != nil {
		return nil, err
	}
	out := make([]*credential.Credential, len(cs))
	for i, c := range cs {
		cp := *c
		out[i] = &cp
	}
	return out, nil
}

// Key returns key id of org, or NotFound.
func (db *DB) Key(ctx context.Context, org, id string) (*keys.Key, error) {
	k, err := cached(db.cacheFor(ctx), "ke\x00"+org+"\x00"+id, func() (*keys.Key, error) {
		return db.key(ctx, org, id)
	})
	if err != nil {
		return nil, err
	}
	cp := *k
	return &cp, nil
}
