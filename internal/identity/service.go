package identity

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/mail"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/wire"
)

// Keys makes the Key credentials of users and tokens (which identity
// stores) and mints long-lived bearer tokens. The auth service implements
// it.
type Keys interface {
	// KeyCredential makes, without storing it, the Key credential of
	// userID backed by publicKeyPEM; name "" is a user's default name.
	KeyCredential(org, userID, name, publicKeyPEM string) (*credential.Credential, error)
	IssueAccessToken(t *Token, username string) (string, error)
}

// Grants reads and writes permission assignments. The permission service
// implements it; every grant it makes is bounded by what the creator may
// do (docs/security.md, "Grants and escalation").
type Grants interface {
	AssignmentInfos(ctx context.Context, org, identityID string) ([]AssignmentInfo, error)
	// CheckGrantID returns nil when granter may grant permissionID, else
	// the error to answer; it is called before anything is created.
	CheckGrantID(ctx context.Context, granter *principal.Principal, permissionID string) error
	// GrantPermission assigns permissionID to identityID on behalf of
	// granter, checking it again.
	GrantPermission(ctx context.Context, granter *principal.Principal, permissionID, identityID string) error
	// CopyGrants gives a new service account the creator's grants that lie
	// within what the creator may do.
	CopyGrants(ctx context.Context, creator *principal.Principal, identityID string) error
	// NarrowLikeCreator gives a new PAT the narrowing of the PAT that
	// creates it, if any.
	NarrowLikeCreator(ctx context.Context, creator *principal.Principal, patID string) error
}

// AssignmentInfo is the wire PermissionAssignmentInfo embedded in users,
// tokens and applications.
type AssignmentInfo struct {
	PermissionName string   `json:"permissionName"`
	PermissionID   string   `json:"permissionId"`
	AssignmentID   string   `json:"assignmentId"`
	Operations     []string `json:"operations,omitempty"`
}

// Service manages users, service accounts, PATs and applications.
type Service struct {
	store  Store
	keys   Keys
	grants Grants
	now    func() time.Time
	mailer mail.Sender // nil: no email, no registration codes (invite.go)
}

// NewService returns the identity service.
func NewService(store Store, keys Keys, grants Grants) *Service {
	return &Service{store: store, keys: keys, grants: grants, now: time.Now}
}

func stamp(t time.Time) string { return wire.Time(t) }

// UserView is the wire User (docs/protocol/identities.md §2).
type UserView struct {
	UserID                string           `json:"userId"`
	Username              string           `json:"username"`
	Name                  string           `json:"name"`
	Kind                  string           `json:"kind"`
	CredentialUUID        string           `json:"credentialUuid"`
	OrgID                 string           `json:"orgId"`
	Permissions           []string         `json:"permissions"`
	Scopes                []string         `json:"scopes"`
	IsActive              bool             `json:"isActive"`
	IsServiceAccount      bool             `json:"isServiceAccount"`
	IsRegistered          bool             `json:"isRegistered"`
	IsSSORequired         *bool            `json:"isSSORequired,omitempty"`
	ExternalID            string           `json:"externalId,omitempty"`
	PermissionAssignments []AssignmentInfo `json:"permissionAssignments"`
}

// TokenView is the wire AccessToken (PATs and service-account tokens).
type TokenView struct {
	TokenID               string           `json:"tokenId"`
	AccessToken           string           `json:"accessToken,omitempty"`
	Kind                  string           `json:"kind"`
	Name                  string           `json:"name"`
	CredID                string           `json:"credId"`
	PublicKey             string           `json:"publicKey"`
	IsActive              bool             `json:"isActive"`
	LinkedUserID          string           `json:"linkedUserId"`
	LinkedAppID           string           `json:"linkedAppId"`
	OrgID                 string           `json:"orgId"`
	ExternalID            string           `json:"externalId,omitempty"`
	DateCreated           string           `json:"dateCreated"`
	ExpiresAt             string           `json:"expiresAt"`
	PermissionAssignments []AssignmentInfo `json:"permissionAssignments"`
}

// ServiceAccountView is the wire ServiceAccount.
type ServiceAccountView struct {
	UserInfo     UserView    `json:"userInfo"`
	AccessTokens []TokenView `json:"accessTokens"`
}

// AppView is the wire Application.
type AppView struct {
	AppID                 string           `json:"appId"`
	Kind                  string           `json:"kind"`
	OrgID                 string           `json:"orgId"`
	Name                  string           `json:"name"`
	IsActive              bool             `json:"isActive"`
	ExpectedRPID          string           `json:"expectedRpId"`
	ExpectedOrigin        string           `json:"expectedOrigin"`
	ExternalID            string           `json:"externalId,omitempty"`
	PermissionAssignments []AssignmentInfo `json:"permissionAssignments"`
	AccessTokens          []TokenView      `json:"accessTokens"`
}

func (s *Service) viewUser(ctx context.Context, u *User) (UserView, error) {
	infos, err := s.grants.AssignmentInfos(ctx, u.OrgID, u.ID)
	if err != nil {
		return UserView{}, err
	}
	v := UserView{
		UserID: u.ID, Username: u.Username, Name: u.Name, Kind: u.Kind, CredentialUUID: u.CredentialUUID,
		OrgID: u.OrgID, Permissions: []string{}, Scopes: []string{}, IsActive: u.IsActive && !u.IsArchived,
		IsServiceAccount: u.IsServiceAccount, IsRegistered: u.IsRegistered, ExternalID: u.ExternalID,
		PermissionAssignments: infos,
	}
	if !u.IsServiceAccount {
		sso := u.IsSSORequired
		v.IsSSORequired = &sso
	}
	return v, nil
}

func (s *Service) viewToken(ctx context.Context, t *Token, bearer string) (TokenView, error) {
	infos, err := s.grants.AssignmentInfos(ctx, t.OrgID, t.ID)
	if err != nil {
		return TokenView{}, err
	}
	return TokenView{
		TokenID: t.ID, AccessToken: bearer, Kind: t.Kind, Name: t.Name, CredID: t.CredID, PublicKey: t.PublicKey,
		IsActive: t.IsActive && !t.IsArchived, LinkedUserID: t.UserID, LinkedAppID: t.AppID, OrgID: t.OrgID,
		ExternalID: t.ExternalID, DateCreated: stamp(t.Created), ExpiresAt: stamp(t.ExpiresAt), PermissionAssignments: infos,
	}, nil
}

func (s *Service) viewApp(ctx context.Context, a *App) (AppView, error) {
	infos, err := s.grants.AssignmentInfos(ctx, a.OrgID, a.ID)
	if err != nil {
		return AppView{}, err
	}
	return AppView{
		AppID: a.ID, Kind: a.Kind, OrgID: a.OrgID, Name: a.Name, IsActive: a.IsActive && !a.IsArchived,
		ExpectedRPID: a.RPID, ExpectedOrigin: a.Origin, ExternalID: a.ExternalID, PermissionAssignments: infos,
		AccessTokens: []TokenView{},
	}, nil
}
