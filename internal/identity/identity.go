// Package identity holds organisations, users, service accounts, access
// tokens (PATs, service-account tokens) and applications (docs/protocol/identities.md).
package identity

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/store"
)

// User kinds (docs/protocol/identities.md §2).
const (
	KindEmployee = "CustomerEmployee"
	KindEndUser  = "EndUser"
	KindStaff    = "DfnsStaff"
)

// Org is an organisation; every object belongs to exactly one.
type Org struct {
	ID      string
	Name    string
	Created time.Time
}

// User is a human user or a service account.
type User struct {
	ID               string
	OrgID            string
	Username         string
	Name             string
	Kind             string
	IsServiceAccount bool
	IsActive         bool
	IsArchived       bool
	IsRegistered     bool
	IsSSORequired    bool
	ExternalID       string
	CredentialUUID   string
	// RegistrationCode is a hash of the pending registration code, if any.
	RegistrationCode   string
	RegistrationExpiry time.Time
	// SessionsAfter invalidates login tokens issued before it (logout of
	// all sessions, deactivation).
	SessionsAfter time.Time
	// SessionGen is bumped by a logout of all sessions: login tokens
	// issued under an older generation are refused.
	SessionGen int64
	Created    time.Time
}

// Token is a long-lived access token: a PAT, a service account's token or an
// application token. Only a hash of the bearer string is kept.
type Token struct {
	ID         string
	OrgID      string
	Kind       string // principal.KindPat / KindServiceAccount / KindApplication
	UserID     string // owner user (PAT) or the service account's user id
	AppID      string
	Name       string
	CredUUID   string // the Key credential backed by PublicKey
	CredID     string // its client-side id, listed in allowCredentials
	PublicKey  string
	Hash       string // hex SHA-256 of the bearer string
	ExternalID string
	IsActive   bool
	IsArchived bool
	ExpiresAt  time.Time
	Created    time.Time
}

// App is an application: it holds the expected WebAuthn relying party and
// origin for passkeys.
type App struct {
	ID         string
	OrgID      string
	Kind       string // ServerSideApplication | ClientSideApplication
	Name       string
	RPID       string
	Origin     string
	ExternalID string
	IsActive   bool
	IsArchived bool
	Created    time.Time
}

// Page asks for one page of a list.
type Page struct {
	Limit int
	Token string // opaque: the id after which to continue
}

// Store is what identity needs of storage.
type Store interface {
	// Tx runs several of the calls below as one unit of work.
	store.Unit

	CreateOrg(ctx context.Context, o *Org) error
	Org(ctx context.Context, id string) (*Org, error)
	Orgs(ctx context.Context) ([]*Org, error)

	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, org, id string) (*User, error)
	UserByName(ctx context.Context, org, username string) (*User, error)
	Users(ctx context.Context, org, kind string, serviceAccounts bool, p Page) ([]*User, string, error)
	UpdateUser(ctx context.Context, u *User) error

	CreateToken(ctx context.Context, t *Token) error
	Token(ctx context.Context, org, id string) (*Token, error)
	Tokens(ctx context.Context, org, kind, userID string) ([]*Token, error)
	UpdateToken(ctx context.Context, t *Token) error

	// CreateCredential inserts c, bound to token tokenID when not empty.
	CreateCredential(ctx context.Context, c *credential.Credential, tokenID string) error

	CreateApp(ctx context.Context, a *App) error
	App(ctx context.Context, org, id string) (*App, error)
	Apps(ctx context.Context, org string) ([]*App, error)
	UpdateApp(ctx context.Context, a *App) error
}
