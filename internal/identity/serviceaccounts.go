package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
)

func hashBearer(b string) string {
	h := sha256.Sum256([]byte(b))
	return hex.EncodeToString(h[:])
}

// CreateServiceAccount makes a service account with one token backed by
// in.PublicKey. With permissionId the caller must be allowed to grant it;
// without, it gets the caller's permissions, never more than the caller may
// do (Grants.CopyGrants).
func (s *Service) CreateServiceAccount(ctx context.Context, p *principal.Principal, in *TokenInput) (ServiceAccountView, error) {
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
	if err := s.store.CreateUser(ctx, u); err != nil {
		return ServiceAccountView{}, err
	}
	t, bearer, err := s.newToken(ctx, u, principal.KindServiceAccount, in, ttl)
	if err != nil {
		return ServiceAccountView{}, err
	}
	u.CredentialUUID = t.CredUUID
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return ServiceAccountView{}, err
	}
	if in.PermissionID != "" {
		err = s.grants.GrantPermission(ctx, p, in.PermissionID, u.ID)
	} else {
		err = s.grants.CopyGrants(ctx, p, u.ID)
	}
	if err != nil {
		return ServiceAccountView{}, err
	}
	return s.viewServiceAccount(ctx, u, t.ID, bearer)
}

// NewBootstrapServiceAccount is CreateServiceAccount without a caller, for
// bootstrap: it returns the bearer token too.
func (s *Service) NewBootstrapServiceAccount(ctx context.Context, org string, in *TokenInput) (*User, *Token, string, error) {
	u := &User{
		ID: id.New("us"), OrgID: org, Username: in.Name, Name: in.Name, Kind: KindEmployee,
		IsServiceAccount: true, IsActive: true, IsRegistered: true, Created: s.now(),
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, nil, "", err
	}
	ttl, err := in.validity(false)
	if err != nil {
		return nil, nil, "", err
	}
	t, bearer, err := s.newToken(ctx, u, principal.KindServiceAccount, in, ttl)
	if err != nil {
		return nil, nil, "", err
	}
	u.CredentialUUID = t.CredUUID
	return u, t, bearer, s.store.UpdateUser(ctx, u)
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

// UpdateServiceAccount renames a service account or changes its external id.
func (s *Service) UpdateServiceAccount(ctx context.Context, p *principal.Principal, saID string, in *UpdateTokenInput) (ServiceAccountView, error) {
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
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return ServiceAccountView{}, err
	}
	return s.viewServiceAccount(ctx, u, "", "")
}

// SetServiceAccountState activates, deactivates or archives a service
// account and its tokens.
func (s *Service) SetServiceAccountState(ctx context.Context, p *principal.Principal, saID string, state State) (ServiceAccountView, error) {
	u, err := s.serviceAccount(ctx, p, saID)
	if err != nil {
		return ServiceAccountView{}, err
	}
	if err := s.setState(ctx, p, u, state); err != nil {
		return ServiceAccountView{}, err
	}
	ts, err := s.store.Tokens(ctx, u.OrgID, principal.KindServiceAccount, u.ID)
	if err != nil {
		return ServiceAccountView{}, err
	}
	for _, t := range ts {
		if t.IsArchived {
			continue
		}
		if err := s.setTokenState(ctx, t, state); err != nil {
			return ServiceAccountView{}, err
		}
	}
	return s.viewServiceAccount(ctx, u, "", "")
}
