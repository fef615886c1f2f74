package identity

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
)

// TokenInput is the body of POST /auth/pats and POST /auth/service-accounts.
type TokenInput struct {
	Name         string `json:"name"`
	PublicKey    string `json:"publicKey"`
	PermissionID string `json:"permissionId,omitempty"`
	ExternalID   string `json:"externalId,omitempty"`
	DaysValid    *int   `json:"daysValid,omitempty"`
	SecondsValid *int   `json:"secondsValid,omitempty"`
}

// UpdateTokenInput is the body of PUT on a PAT or service account.
type UpdateTokenInput struct {
	Name       *string `json:"name,omitempty"`
	ExternalID *string `json:"externalId,omitempty"`
}

const maxDays = 730

// validity returns how long a new token lives: secondsValid wins over
// daysValid; at most 730 days; a year by default.
func (in *TokenInput) validity(allowSeconds bool) (time.Duration, error) {
	if in.SecondsValid != nil {
		if !allowSeconds {
			return 0, apierr.BadRequest("secondsValid is not allowed here")
		}
		if *in.SecondsValid < 1 || *in.SecondsValid > maxDays*86400 {
			return 0, apierr.BadRequest("secondsValid must be between 1 and %d", maxDays*86400)
		}
		return time.Duration(*in.SecondsValid) * time.Second, nil
	}
	if in.DaysValid != nil {
		if *in.DaysValid < 1 || *in.DaysValid > maxDays {
			return 0, apierr.BadRequest("daysValid must be between 1 and %d", maxDays)
		}
		return time.Duration(*in.DaysValid) * 24 * time.Hour, nil
	}
	return 365 * 24 * time.Hour, nil
}

func (in *TokenInput) check() error {
	if err := validate.Name("name", in.Name); err != nil {
		return err
	}
	if in.PublicKey == "" {
		return apierr.BadRequest("publicKey is required")
	}
	if err := validate.PEM("publicKey", in.PublicKey); err != nil {
		return err
	}
	if _, err := pemkey.ParsePublic(in.PublicKey); err != nil {
		return apierr.BadRequest("publicKey: %v", err)
	}
	if err := validate.OptID("permissionId", in.PermissionID); err != nil {
		return err
	}
	return validate.ExternalID("externalId", in.ExternalID)
}

// newToken is a token with its Key credential and bearer string (shown
// once), made but not stored yet.
type newToken struct {
	t      *Token
	cred   *credential.Credential
	bearer string
}

// makeToken makes a token of kind for user u with its key and signs its
// bearer: the slow part, done before the unit of work that stores it.
func (s *Service) makeToken(u *User, kind string, in *TokenInput, ttl time.Duration) (*newToken, error) {
	now := s.now()
	t := &Token{
		ID: id.New("to"), OrgID: u.OrgID, Kind: kind, UserID: u.ID, Name: in.Name, PublicKey: in.PublicKey,
		ExternalID: in.ExternalID, IsActive: true, ExpiresAt: now.Add(ttl), Created: now,
	}
	cred, err := s.keys.KeyCredential(u.OrgID, u.ID, in.Name, in.PublicKey)
	if err != nil {
		return nil, err
	}
	t.CredUUID, t.CredID = cred.UUID, cred.CredID
	bearer, err := s.keys.IssueAccessToken(t, u.Username)
	if err != nil {
		return nil, err
	}
	t.Hash = hashBearer(bearer)
	return &newToken{t: t, cred: cred, bearer: bearer}, nil
}

// store stores the token and its credential (inside the caller's unit
// of work).
func (n *newToken) store(ctx context.Context, st Store) error {
	if err := st.CreateCredential(ctx, n.cred, n.t.ID); err != nil {
		return err
	}
	return st.CreateToken(ctx, n.t)
}

// CreatePat makes a personal access token for the calling user. With
// permissionId the caller must be allowed to grant it; without, the PAT is
// narrowed like the PAT that creates it, if any, and otherwise mirrors its
// owner. act, when not nil, is consumed with it.
func (s *Service) CreatePat(ctx context.Context, p *principal.Principal, act store.Consumer, in *TokenInput) (TokenView, error) {
	if p.IsServiceAccount {
		return TokenView{}, apierr.BadRequest("service accounts cannot create personal access tokens")
	}
	if err := in.check(); err != nil {
		return TokenView{}, err
	}
	ttl, err := in.validity(true)
	if err != nil {
		return TokenView{}, err
	}
	if in.PermissionID != "" {
		if err := s.grants.CheckGrantID(ctx, p, in.PermissionID); err != nil {
			return TokenView{}, err
		}
	}
	existing, err := s.store.Tokens(ctx, p.OrgID, principal.KindPat, p.UserID)
	if err != nil {
		return TokenView{}, err
	}
	for _, e := range existing {
		if e.Name == in.Name && !e.IsArchived {
			return TokenView{}, apierr.Conflict("a personal access token named %q already exists", in.Name)
		}
	}
	u, err := s.store.User(ctx, p.OrgID, p.UserID)
	if err != nil {
		return TokenView{}, err
	}
	nt, err := s.makeToken(u, principal.KindPat, in, ttl)
	if err != nil {
		return TokenView{}, err
	}
	// The token, its credential and its grants commit together, with the
	// consumption of act.
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := nt.store(ctx, s.store); err != nil {
			return err
		}
		if in.PermissionID != "" {
			return s.grants.GrantPermission(ctx, p, in.PermissionID, nt.t.ID)
		}
		return s.grants.NarrowLikeCreator(ctx, p, nt.t.ID)
	})
	if err != nil {
		return TokenView{}, err
	}
	return s.viewToken(ctx, nt.t, nt.bearer)
}

// pat returns PAT tokenID owned by the caller.
func (s *Service) pat(ctx context.Context, p *principal.Principal, tokenID string) (*Token, error) {
	t, err := s.store.Token(ctx, p.OrgID, tokenID)
	if err != nil || t.Kind != principal.KindPat || t.UserID != p.UserID {
		return nil, apierr.NotFound("personal access token %s not found", tokenID)
	}
	return t, nil
}

// GetPat returns one of the caller's PATs.
func (s *Service) GetPat(ctx context.Context, p *principal.Principal, tokenID string) (TokenView, error) {
	t, err := s.pat(ctx, p, tokenID)
	if err != nil {
		return TokenView{}, err
	}
	return s.viewToken(ctx, t, "")
}

// ListPats lists the caller's PATs.
func (s *Service) ListPats(ctx context.Context, p *principal.Principal) ([]TokenView, error) {
	ts, err := s.store.Tokens(ctx, p.OrgID, principal.KindPat, p.UserID)
	if err != nil {
		return nil, err
	}
	return s.viewTokens(ctx, ts)
}

func (s *Service) viewTokens(ctx context.Context, ts []*Token) ([]TokenView, error) {
	out := make([]TokenView, 0, len(ts))
	for _, t := range ts {
		v, err := s.viewToken(ctx, t, "")
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// UpdatePat renames a PAT or changes its external id; act, when not nil,
// is consumed with the change.
func (s *Service) UpdatePat(ctx context.Context, p *principal.Principal, act store.Consumer, tokenID string, in *UpdateTokenInput) (TokenView, error) {
	t, err := s.pat(ctx, p, tokenID)
	if err != nil {
		return TokenView{}, err
	}
	if err := in.check(); err != nil {
		return TokenView{}, err
	}
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.ExternalID != nil {
		t.ExternalID = *in.ExternalID
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.UpdateToken(ctx, t) }); err != nil {
		return TokenView{}, err
	}
	return s.viewToken(ctx, t, "")
}

// SetPatState activates, deactivates or archives one of the caller's PATs;
// act, when not nil, is consumed with the change.
func (s *Service) SetPatState(ctx context.Context, p *principal.Principal, act store.Consumer, tokenID string, state State) (TokenView, error) {
	t, err := s.pat(ctx, p, tokenID)
	if err != nil {
		return TokenView{}, err
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.setTokenState(ctx, t, state) }); err != nil {
		return TokenView{}, err
	}
	return s.viewToken(ctx, t, "")
}

func (s *Service) setTokenState(ctx context.Context, t *Token, state State) error {
	if t.IsArchived {
		return apierr.BadRequest("token %s is archived", t.ID)
	}
	switch state {
	case Activate:
		t.IsActive = true
	case Deactivate:
		t.IsActive = false
	case Archive:
		t.IsActive, t.IsArchived = false, true
	}
	return s.store.UpdateToken(ctx, t)
}
