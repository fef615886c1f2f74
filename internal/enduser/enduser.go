// Package enduser registers end users with wallets they own
// (POST /auth/registration/enduser; docs/protocol/delegated.md): the
// registration of auth.People, the end user's wallets (keys delegated to
// them, wallet.PrepareOwned) and the use of the challenge commit together,
// and the end user is answered with a login token.
package enduser

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/wallet"
)

// Service registers end users.
type Service struct {
	people  *auth.People
	wallets *wallet.Service
}

// New returns the end-user registration service.
func New(people *auth.People, wallets *wallet.Service) *Service {
	return &Service{people: people, wallets: wallets}
}

// Input is the body of POST /auth/registration/enduser: a registration
// (auth.RegistrationInput) and the wallets to create.
type Input struct {
	auth.RegistrationInput
	Wallets []wallet.OwnedInput `json:"wallets"`
}

// Result is its answer: the registration's, the end user's login token and
// the new wallets.
type Result struct {
	*auth.RegistrationResult
	Authentication struct {
		Token string `json:"token"`
	} `json:"authentication"`
	Wallets []wallet.View `json:"wallets"`
}

// Register completes the registration of an end user (the bearer tempToken
// is the challenge of POST /auth/registration/delegated) and creates the
// wallets of in, owned by the end user. Only end users register here (a
// 400 for anyone else, before any credential is verified).
func (s *Service) Register(ctx context.Context, tempToken string, in *Input) (*Result, error) {
	if in.Wallets == nil {
		return nil, apierr.BadRequest("wallets is required (an array, possibly empty)")
	}
	if err := wallet.CheckOwned(in.Wallets); err != nil {
		return nil, err
	}
	var owned *wallet.Owned
	reg, u, err := s.people.RegisterWith(ctx, tempToken, &in.RegistrationInput, auth.RegistrationExtra{
		Check: func(u *identity.User) error {
			if u.Kind != identity.KindEndUser || u.IsServiceAccount {
				return apierr.BadRequest("only end users register with wallets; use POST /auth/registration")
			}
			return nil
		},
		Prepare: func(ctx context.Context, u *identity.User) (func(ctx context.Context) error, error) {
			var err error
			if owned, err = s.wallets.PrepareOwned(ctx, u.OrgID, u.ID, in.Wallets); err != nil {
				return nil, err
			}
			return owned.Store, nil
		},
	})
	if err != nil {
		return nil, err
	}
	out := &Result{RegistrationResult: reg, Wallets: owned.Views()}
	if out.Authentication.Token, err = s.people.IssueLogin(u); err != nil {
		return nil, err
	}
	return out, nil
}
