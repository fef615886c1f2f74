package auth

import (
	"context"
	"net/mail"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
)

// UserCreator stores a new user (delegated registration).
type UserCreator interface {
	CreateUser(ctx context.Context, u *identity.User) error
}

// EndUserGrants gives new end users the managed DfnsDefaultEndUserAccess;
// *permission.Service is one.
type EndUserGrants interface {
	// PrepareEndUserGrant checks that granter may give it and returns the
	// write that gives it to a new user, for the unit that creates the user.
	PrepareEndUserGrant(ctx context.Context, granter *principal.Principal) (func(ctx context.Context, userID string) error, error)
}

// SetEndUserGrants makes delegated registration give each new end user
// DfnsDefaultEndUserAccess (docs/protocol/delegated.md). It must be called
// before the service is used.
func (r *People) SetEndUserGrants(g EndUserGrants) { r.grants = g }

// DelegatedRegistrationInput is the body of POST /auth/registration/delegated.
type DelegatedRegistrationInput struct {
	Email      string `json:"email"`
	Kind       string `json:"kind"`
	ExternalID string `json:"externalId,omitempty"`
}

// DelegatedRegistration creates an end user on behalf of a service
// account's application and returns its registration challenge, which the
// end user completes with POST /auth/registration
// (docs/protocol/delegated.md). The user, the challenge and the
// consumption of act commit together.
func (r *People) DelegatedRegistration(ctx context.Context, p *principal.Principal, act store.Consumer, in *DelegatedRegistrationInput) (*RegistrationChallenge, error) {
	if err := validate.Text("email", in.Email, validate.MaxEmail); err != nil {
		return nil, err
	}
	if err := validate.ExternalID("externalId", in.ExternalID); err != nil {
		return nil, err
	}
	if in.Kind != identity.KindEndUser {
		return nil, apierr.BadRequest("kind must be %s", identity.KindEndUser)
	}
	addr, err := mail.ParseAddress(in.Email)
	if err != nil || addr.Address != in.Email {
		return nil, apierr.BadRequest("email must be a valid email address")
	}
	grant := func(context.Context, string) error { return nil }
	if r.grants != nil {
		if grant, err = r.grants.PrepareEndUserGrant(ctx, p); err != nil {
			return nil, err
		}
	}
	now := r.auth.now()
	u := &identity.User{ID: id.New("us"), OrgID: p.OrgID, Username: strings.ToLower(in.Email), Name: in.Email,
		Kind: identity.KindEndUser, IsActive: true, ExternalID: in.ExternalID, Created: now}
	ident, rowID, secretHash := newHandle("ch")
	c := &Challenge{ID: rowID, SecretHash: secretHash, OrgID: p.OrgID, Purpose: PurposeRegistration, UserID: u.ID,
		Challenge: id.Secret(32), Created: now, ExpiresAt: now.Add(r.auth.cfg.ChallengeTTL)}
	otpURL, err := r.auth.offerTotp(c, u.Username)
	if err != nil {
		return nil, err
	}
	err = store.Run(ctx, r.store, act, func(ctx context.Context) error {
		if err := r.users.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := grant(ctx, u.ID); err != nil {
			return err
		}
		return r.auth.store.CreateChallenge(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	ch := r.registrationChallenge(u, ident, c.Challenge)
	ch.OtpURL = otpURL
	return &ch, nil
}

// DelegatedLoginInput is the body of POST /auth/login/delegated.
type DelegatedLoginInput struct {
	Username string `json:"username"`
}

// DelegatedLogin returns a login token of an end user of the caller's
// organisation without the user's credential. The token reads as the end
// user; every write still needs the end user's own signature, as only its
// credentials can sign its user actions (docs/protocol/delegated.md).
// act is consumed before the token is issued.
func (r *People) DelegatedLogin(ctx context.Context, p *principal.Principal, act store.Consumer, in *DelegatedLoginInput) (string, error) {
	if err := validate.Text("username", in.Username, validate.MaxEmail); err != nil {
		return "", err
	}
	if in.Username == "" {
		return "", apierr.BadRequest("username is required")
	}
	u, err := r.auth.store.UserByName(ctx, p.OrgID, strings.ToLower(in.Username))
	if err != nil {
		return "", err
	}
	if u.Kind != identity.KindEndUser || u.IsServiceAccount {
		return "", apierr.BadRequest("only end users can be logged in by delegation")
	}
	if !u.IsActive || u.IsArchived || !u.IsRegistered {
		return "", apierr.BadRequest("User account is not registered or has been deactivated.")
	}
	if act != nil {
		if err := store.Run(ctx, r.store, act, func(context.Context) error { return nil }); err != nil {
			return "", err
		}
	}
	return r.auth.IssueLogin(u)
}
