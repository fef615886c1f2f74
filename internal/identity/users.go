package identity

import (
	"context"
	"net/mail"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
)

// CreateUserInput is the body of POST /auth/users.
type CreateUserInput struct {
	Email         string `json:"email"`
	Kind          string `json:"kind"`
	PublicKey     string `json:"publicKey,omitempty"`
	ExternalID    string `json:"externalId,omitempty"`
	IsSSORequired bool   `json:"isSSORequired,omitempty"`
}

// CreateUser makes a CustomerEmployee. When publicKey is given it becomes the
// user's first Key credential and the user counts as registered. The
// user, its credential and the consumption of act (when not nil) commit
// together.
func (s *Service) CreateUser(ctx context.Context, p *principal.Principal, act store.Consumer, in *CreateUserInput) (UserView, error) {
	if in.Kind != KindEmployee {
		if in.Kind == KindEndUser {
			return UserView{}, apierr.BadRequest("kind: end users are created through delegated registration")
		}
		return UserView{}, apierr.BadRequest("kind must be %s", KindEmployee)
	}
	if err := validate.Text("email", in.Email, validate.MaxEmail); err != nil {
		return UserView{}, err
	}
	addr, err := mail.ParseAddress(in.Email)
	if err != nil || addr.Address != in.Email {
		return UserView{}, apierr.BadRequest("email must be a valid email address")
	}
	if err := validate.ExternalID("externalId", in.ExternalID); err != nil {
		return UserView{}, err
	}
	if in.PublicKey != "" {
		if err := validate.PEM("publicKey", in.PublicKey); err != nil {
			return UserView{}, err
		}
		if _, err := pemkey.ParsePublic(in.PublicKey); err != nil {
			return UserView{}, apierr.BadRequest("publicKey: %v", err)
		}
	}
	u := &User{
		ID: id.New("us"), OrgID: p.OrgID, Username: strings.ToLower(in.Email), Name: in.Email, Kind: in.Kind,
		IsActive: true, IsSSORequired: in.IsSSORequired, ExternalID: in.ExternalID, Created: s.now(),
	}
	var cred *credential.Credential
	if in.PublicKey != "" {
		if cred, err = s.keys.KeyCredential(u.OrgID, u.ID, "", in.PublicKey); err != nil {
			return UserView{}, err
		}
		u.CredentialUUID, u.IsRegistered = cred.UUID, true
	}
	code := s.invite(u)
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := s.store.CreateUser(ctx, u); err != nil || cred == nil {
			return err
		}
		return s.store.CreateCredential(ctx, cred, "")
	})
	if err != nil {
		return UserView{}, err
	}
	s.sendInvite(ctx, u, code)
	return s.viewUser(ctx, u)
}

// user returns a human user (not a service account) of p's org.
func (s *Service) user(ctx context.Context, p *principal.Principal, userID string) (*User, error) {
	u, err := s.store.User(ctx, p.OrgID, userID)
	if err != nil {
		return nil, err
	}
	if u.IsServiceAccount {
		return nil, apierr.NotFound("user %s not found", userID)
	}
	return u, nil
}

// GetUser returns user userID.
func (s *Service) GetUser(ctx context.Context, p *principal.Principal, userID string) (UserView, error) {
	u, err := s.user(ctx, p, userID)
	if err != nil {
		return UserView{}, err
	}
	return s.viewUser(ctx, u)
}

// ListUsers pages through the users of p's org, optionally of one kind.
func (s *Service) ListUsers(ctx context.Context, p *principal.Principal, kind string, pg Page) ([]UserView, string, error) {
	switch kind {
	case "", KindEmployee, KindEndUser:
	default:
		return nil, "", apierr.BadRequest("kind must be CustomerEmployee or EndUser")
	}
	users, next, err := s.store.Users(ctx, p.OrgID, kind, false, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]UserView, 0, len(users))
	for _, u := range users {
		v, err := s.viewUser(ctx, u)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

// UpdateUserInput is the body of PUT /auth/users/{userId}.
type UpdateUserInput struct {
	IsSSORequired *bool `json:"isSSORequired"`
}

// UpdateUser changes whether the user must log in with SSO; act, when not
// nil, is consumed with the change.
func (s *Service) UpdateUser(ctx context.Context, p *principal.Principal, act store.Consumer, userID string, in *UpdateUserInput) (UserView, error) {
	if in.IsSSORequired == nil {
		return UserView{}, apierr.BadRequest("isSSORequired is required")
	}
	u, err := s.user(ctx, p, userID)
	if err != nil {
		return UserView{}, err
	}
	u.IsSSORequired = *in.IsSSORequired
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.UpdateUser(ctx, u) }); err != nil {
		return UserView{}, err
	}
	return s.viewUser(ctx, u)
}

// SetUserState activates, deactivates or archives (terminal) a user. A
// caller cannot change its own state. act, when not nil, is consumed with
// the change.
func (s *Service) SetUserState(ctx context.Context, p *principal.Principal, act store.Consumer, userID string, state State) (UserView, error) {
	u, err := s.user(ctx, p, userID)
	if err != nil {
		return UserView{}, err
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.setState(ctx, p, u, state) }); err != nil {
		return UserView{}, err
	}
	return s.viewUser(ctx, u)
}

// State is a lifecycle change.
type State int

// Lifecycle changes of users, service accounts and tokens.
const (
	Activate State = iota
	Deactivate
	Archive
)

func (s *Service) setState(ctx context.Context, p *principal.Principal, u *User, state State) error {
	if u.ID == p.UserID {
		return apierr.BadRequest("an identity cannot change its own state")
	}
	if u.IsArchived {
		return apierr.BadRequest("%s is archived", u.ID)
	}
	switch state {
	case Activate:
		u.IsActive = true
	case Deactivate:
		u.IsActive = false
	case Archive:
		u.IsActive, u.IsArchived = false, true
	}
	return s.store.UpdateUser(ctx, u)
}
