package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

func hashBearer(b string) string {
	h := sha256.Sum256([]byte(b))
	return hex.EncodeToString(h[:])
}

// CreateServiceAccount makes a service account with one token backed by
// in.PublicKey. With permissionId the caller must be allowed to grant it;
// without, it gets the caller's permissions, never more than the caller may
// do (Grants.CopyGrants). act, when not nil, is consumed with it.
func (s *Service) CreateServiceAccount(ctx context.Context, p *principal.Principal, act store.Consumer, in *TokenInput) (ServiceAccountView, error) {
	if err := in.check(); err != nil {
		return ServiceAccountView{}, err
	}
	ttl, err := in.validity(false)
	if err != nil {
		return ServiceAccountView{}, err
	}
	if in.PermissionID != "" {
		if err := s.grants.CheckGrantID(ctx, p, in.PermissionID); err != nil {
			return ServiceAccountView{}, err
		}
	}
	u := &User{
		ID: id.New("us"), OrgID: p.OrgID, Username: in.Name, Name: in.Name, Kind: KindEmployee,
		IsServiceAccount: true, IsActive: true, IsRegistered: true, ExternalID: in.ExternalID, Created: s.now(),
	}
	nt, err := s.makeToken(u, principal.KindServiceAccount, in, ttl)
	if err != nil {
		return ServiceAccountView{}, err
	}
	u.CredentialUUID = nt.t.CredUUID
	// The account, its token, credential and grants commit together, with
	// the consumption of act.
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := s.storeAccount(ctx, u, nt); err != nil {
			return err
		}
		if in.PermissionID != "" {
			return s.grants.GrantPermission(ctx, p, in.PermissionID, u.ID)
		}
		return s.grants.CopyGrants(ctx, p, u.ID)
	})
	if err != nil {
		return ServiceAccountView{}, err
	}
	return s.viewServiceAccount(ctx, u, nt.t.ID, nt.bearer)
}

// storeAccount stores service account u with its token (in the caller's
// unit of work).
func (s *Service) storeAccount(ctx context.Context, u *User, nt *newToken) error {
	if err := s.store.CreateUser(ctx, u); err != nil {
		return err
	}
	return nt.store(ctx, s.store)
}

// BootstrapAccount is a service account made for bootstrap but not stored
// yet: Store stores it.
type BootstrapAccount struct {
	User   *User
	Token  *Token
	Bearer string
	nt     *newToken
}

// NewBootstrapAccount makes (with its key credential and signed bearer,
// the slow part) a service account of org without a caller, for
// bootstrap; StoreBootstrapAccount stores it.
func (s *Service) NewBootstrapAccount(org string, in *TokenInput) (*BootstrapAccount, error) {
	u := &User{
		ID: id.New("us"), OrgID: org, Username: in.Name, Name: in.Name, Kind: KindEmployee,
		IsServiceAccount: true, IsActive: true, IsRegistered: true, Created: s.now(),
	}
	ttl, err := in.validity(false)
	if err != nil {
		return nil, err
	}
	nt, err := s.makeToken(u, principal.KindServiceAccount, in, ttl)
	if err != nil {
		return nil, err
	}
	u.CredentialUUID = nt.t.CredUUID
	return &BootstrapAccount{User: u, Token: nt.t, Bearer: nt.bearer, nt: nt}, nil
}

// StoreBootstrapAccount stores a, in the unit of work of ctx if any.
func (s *Service) StoreBootstrapAccount(ctx context.Context, a *BootstrapAccount) error {
	return s.store.Tx(ctx, func(ctx context.Context) error { return s.storeAccount(ctx, a.User, a.nt) })
}

func (s *Service) viewServiceAccount(ctx context.Context, u *User, newTokenID, bearer string) (ServiceAccountView, error) {
	uv, err := s.viewUser(ctx, u)
	if err != nil {
		return ServiceAccountView{}, err
	}
	ts, err := s.store.Tokens(ctx, u.OrgID, principal.KindServiceAccount, u.ID)
	if err != nil {
		return ServiceAccountView{}, err
	}
	out := ServiceAccountView{UserInfo: uv, AccessTokens: []TokenView{}}
	for _, t := range ts {
		b := ""
		if t.ID == newTokenID {
			b = bearer
		}
		tv, err := s.viewToken(ctx, t, b)
		if err != nil {
			return ServiceAccountView{}, err
		}
		out.AccessTokens = append(out.AccessTokens, tv)
	}
	return out, nil
}

// serviceAccount returns service account saID of p's org.
func (s *Service) serviceAccount(ctx context.Context, p *principal.Principal, saID string) (*User, error) {
	u, err := s.store.User(ctx, p.OrgID, saID)
	if err != nil || !u.IsServiceAccount {
		return nil, apierr.NotFound("service account %s not found", saID)
	}
	return u, nil
}

// GetServiceAccount returns service account saID.
func (s *Service) GetServiceAccount(ctx context.Context, p *principal.Principal, saID string) (ServiceAccountView, error) {
	u, err := s.serviceAccount(ctx, p, saID)
	if err != nil {
		return ServiceAccountView{}, err
	}
	return s.viewServiceAccount(ctx, u, "", "")
}

// ListServiceAccounts lists the service accounts of p's org.
func (s *Service) ListServiceAccounts(ctx context.Context, p *principal.Principal) ([]ServiceAccountView, error) {
	out := []ServiceAccountView{}
	pg := Page{Limit: 1000}
	for {
		users, next, err := s.store.Users(ctx, p.OrgID, "", true, pg)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			v, err := s.viewServiceAccount(ctx, u, "", "")
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if next == "" {
			return out, nil
		}
		pg.Token = next
	}
}

// UpdateServiceAccount renames a service account or changes its external
// id; act, when not nil, is consumed with the change.
func (s *Service) UpdateServiceAccount(ctx context.Context, p *principal.Principal, act store.Consumer, saID string, in *UpdateTokenInput) (ServiceAccountView, error) {
	u, err := s.serviceAccount(ctx, p, saID)
	if err != nil {
		return ServiceAccountView{}, err
	}
	if err := in.check(); err != nil {
		return ServiceAccountView{}, err
	}
	if in.Name != nil {
		u.Name = *in.Name
	}
	if in.ExternalID != nil {
		u.ExternalID = *in.ExternalID
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.UpdateUser(ctx, u) }); err != nil {
		return ServiceAccountView{}, err
	}
	return s.viewServiceAccount(ctx, u, "", "")
}

// SetServiceAccountState activates, deactivates or archives a service
// account and its tokens; act, when not nil, is consumed with the change.
func (s *Service) SetServiceAccountState(ctx context.Context, p *principal.Principal, act store.Consumer, saID string, state State) (ServiceAccountView, error) {
	u, err := s.serviceAccount(ctx, p, saID)
	if err != nil {
		return ServiceAccountView{}, err
	}
	// The account and its tokens change together.
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := s.setState(ctx, p, u, state); err != nil {
			return err
		}
		ts, err := s.store.Tokens(ctx, u.OrgID, principal.KindServiceAccount, u.ID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.IsArchived {
				continue
			}
			if err := s.setTokenState(ctx, t, state); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ServiceAccountView{}, err
	}
	return s.viewServiceAccount(ctx, u, "", "")
}
