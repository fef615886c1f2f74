package auth

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
)

// RegistrationExtra adds to a registration (end users' wallets,
// docs/protocol/delegated.md). Check, when set, vets the user before any
// credential is verified; Prepare, when set, runs once the credentials
// verify (it may do slow work) and returns a write made in the
// registration's unit of work.
type RegistrationExtra struct {
	Check   func(u *identity.User) error
	Prepare func(ctx context.Context, u *identity.User) (func(ctx context.Context) error, error)
}

// RegisterWith is Register with extra, and returns the registered user.
func (r *People) RegisterWith(ctx context.Context, tempToken string, in *RegistrationInput, extra RegistrationExtra) (*RegistrationResult, *identity.User, error) {
	if err := in.check(); err != nil {
		return nil, nil, err
	}
	cid, secretHash, ok := splitHandle(tempToken)
	if !ok {
		return nil, nil, notAuthorized
	}
	a := r.auth
	c, err := a.store.LiveChallenge(ctx, cid, secretHash, PurposeRegistration, a.now())
	if err != nil {
		return nil, nil, notAuthorized.Wrap(err)
	}
	u, err := a.store.User(ctx, c.OrgID, c.UserID)
	if err != nil {
		return nil, nil, notAuthorized.Wrap(err)
	}
	if u.IsRegistered {
		return nil, nil, apierr.Unauthorized("User already exists.")
	}
	if extra.Check != nil {
		if err := extra.Check(u); err != nil {
			return nil, nil, err
		}
	}
	creds, err := r.attestAll(ctx, u, in, c)
	if err != nil {
		return nil, nil, err
	}
	write := func(context.Context) error { return nil }
	if extra.Prepare != nil {
		if write, err = extra.Prepare(ctx, u); err != nil {
			return nil, nil, err
		}
	}
	err = r.store.Tx(ctx, func(ctx context.Context) error {
		if _, err := a.store.TakeChallenge(ctx, cid, secretHash, PurposeRegistration, a.now()); err != nil {
			return err
		}
		for _, cr := range creds {
			if err := a.store.CreateCredential(ctx, cr, ""); err != nil {
				return err
			}
		}
		ok, err := r.store.MarkRegistered(ctx, u.OrgID, u.ID, creds[0].UUID)
		if err == nil && !ok {
			err = apierr.Unauthorized("User already exists.")
		}
		if err != nil {
			return err
		}
		return write(ctx)
	})
	if err != nil {
		return nil, nil, err
	}
	u.IsRegistered = true
	return result(u, creds[0]), u, nil
}

// IssueLogin returns a login token of u (a registered end user, just
// registered by RegisterWith).
func (r *People) IssueLogin(u *identity.User) (string, error) { return r.auth.IssueLogin(u) }
