package auth

import (
	"context"
	"time"

	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/store"
)

// Challenge purposes.
const (
	PurposeLogin      = "login"
	PurposeAction     = "action"
	PurposeCredential = "credential"
)

// Challenge is an issued signing challenge. The challengeIdentifier handed
// to the client is ID + "." + a secret; only the secret's SHA-256 is kept.
type Challenge struct {
	ID         string
	SecretHash string
	OrgID      string
	Purpose    string
	UserID     string
	TokenID    string
	SessionID  string
	Challenge  string
	Kind       string // credential kind, for credential challenges
	Method     string
	Path       string
	// PayloadHash and CanonicalHash are the digests of the signed payload
	// (payload.go); the payload itself is not kept.
	PayloadHash   string
	CanonicalHash string
	Allowed       []string // credential uuids allowed to sign
	// TotpSecret is the sealed TOTP secret this challenge offered in its
	// otpUrl (totp.go), or "".
	TotpSecret string
	ExpiresAt  time.Time
	Created    time.Time
}

// UserAction is an issued user-action signature. Consumed ones are the audit
// log: they keep the signed assertion so it can be verified again offline.
type UserAction struct {
	ID                string
	TokenHash         string
	OrgID             string
	UserID            string
	Username          string
	TokenID           string
	SessionID         string
	CredUUID          string
	Method            string
	Path              string
	PayloadHash       string // hex SHA-256 of the signed payload bytes
	CanonicalHash     string // hex SHA-256 of its canonical JSON form ("" before migration 0004)
	ClientData        string
	Signature         string
	AuthenticatorData string
	ExpiresAt         time.Time
	ConsumedAt        time.Time
	Created           time.Time
}

// LogFilter selects audit log entries.
type LogFilter struct {
	Start, End time.Time
	UserID     string
	Page       identity.Page
}

// Store is what auth needs of storage.
type Store interface {
	// Tx runs several of the calls below as one unit of work.
	store.Unit

	Org(ctx context.Context, id string) (*identity.Org, error)
	Orgs(ctx context.Context) ([]*identity.Org, error)
	User(ctx context.Context, org, id string) (*identity.User, error)
	UserByName(ctx context.Context, org, username string) (*identity.User, error)
	UpdateUser(ctx context.Context, u *identity.User) error
	// EndSessions atomically bumps the session generation of user id
	// (logout of all sessions); UpdateUser never writes it.
	EndSessions(ctx context.Context, org, id string) error
	Token(ctx context.Context, org, id string) (*identity.Token, error)
	// LoginSession returns the user of a login token and whether its
	// session jti was logged out, in one read.
	LoginSession(ctx context.Context, org, userID, jti string) (*identity.User, bool, error)
	// TokenSession returns the user and long-lived token of a PAT or
	// service-account bearer, in one read.
	TokenSession(ctx context.Context, org, userID, tokenID string) (*identity.User, *identity.Token, error)
	App(ctx context.Context, org, id string) (*identity.App, error)
	// Apps lists the applications of org (their relying parties).
	Apps(ctx context.Context, org string) ([]*identity.App, error)

	SessionRevoked(ctx context.Context, jti string) (bool, error)
	RevokeSession(ctx context.Context, jti string, until time.Time) error
	UseNonce(ctx context.Context, nonce string, until time.Time) (bool, error)

	CreateChallenge(ctx context.Context, c *Challenge) error
	// TakeChallenge atomically marks the live, unused challenge id (whose
	// secret hashes to secretHash) of purpose as used and returns it;
	// otherwise a 400 error.
	TakeChallenge(ctx context.Context, id, secretHash, purpose string, now time.Time) (*Challenge, error)
	// LiveChallenge returns the live, unused challenge id of purpose
	// without taking it; otherwise a 400 error.
	LiveChallenge(ctx context.Context, id, secretHash, purpose string, now time.Time) (*Challenge, error)
	// CreateActionFor stores a, the user action minted for challenge id;
	// a challenge yields at most one action (a second is a 400).
	CreateActionFor(ctx context.Context, id string, a *UserAction) error

	CreateCredential(ctx context.Context, c *credential.Credential, tokenID string) error
	Credential(ctx context.Context, org, uuid string) (*credential.Credential, error)
	CredentialByCredID(ctx context.Context, org, credID string) (*credential.Credential, error)
	// SigningCredentials lists the active credentials of user that its
	// login sessions may sign with (not those bound to a PAT / service account).
	SigningCredentials(ctx context.Context, org, userID string) ([]*credential.Credential, error)
	// UserCredentials lists every credential of user that is not bound to a token.
	UserCredentials(ctx context.Context, org, userID string) ([]*credential.Credential, error)
	SetCredentialActive(ctx context.Context, org, uuid string, active bool) error
	ArchiveCredential(ctx context.Context, org, uuid string) error
	SetSignCount(ctx context.Context, org, uuid string, n uint32) error

	// UserAction returns the action id whose token hashes to tokenHash,
	// consumed or not, or nil when there is none.
	UserAction(ctx context.Context, id, tokenHash string) (*UserAction, error)
	// ConsumeUserAction atomically marks the unconsumed action of p (which
	// the caller has claimed) as consumed at p.At, if the credential that
	// signed it is still active: nil when consumed, else ErrActionUsed
	// (consumed before) or ErrActionInvalid. It settles p: inside a unit
	// of work once the unit commits or rolls back, otherwise at once.
	ConsumeUserAction(ctx context.Context, p *Pending) error
	AuditLog(ctx context.Context, org, id string) (*UserAction, error)
	AuditLogs(ctx context.Context, org string, f LogFilter) ([]*UserAction, string, error)

	SigningKeys(ctx context.Context) ([]StoredKey, error)
	CreateSigningKey(ctx context.Context, k StoredKey) error
}

// StoredKey is a token signing key sealed under the KEK.
type StoredKey struct {
	KID       string
	PublicKey string
	KEKID     string
	Sealed    []byte
	Created   time.Time
}
