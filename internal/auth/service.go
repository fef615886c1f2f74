// Package auth implements the two-token protocol: bearer authentication,
// login, user-action signing (init, complete, consume), credential
// management and the audit log (docs/protocol/auth.md).
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
)

// Config holds lifetimes and WebAuthn relying-party facts
// (docs/protocol/README.md, Decision 3).
type Config struct {
	ChallengeTTL time.Duration // at most MaxProtocolTTL
	ActionTTL    time.Duration // at most MaxProtocolTTL
	LoginTTL     time.Duration
	// RPID and Origins are the default WebAuthn relying party for orgs
	// whose applications name none.
	RPID    string
	Origins []string
}

// DefaultConfig returns the lifetimes of
// docs/protocol/README.md, Decision 3.
func DefaultConfig() Config {
	return Config{
		ChallengeTTL: 5 * time.Minute,
		ActionTTL:    5 * time.Minute,
		LoginTTL:     time.Hour,
		RPID:         "localhost",
	}
}

// Service is the auth service.
type Service struct {
	cfg    Config
	store  Store
	tokens *Tokens
	now    func() time.Time
	guard  guard      // login and action signature backoff (backoff.go)
	codes  loginCodes // login codes (login_codes.go), set by NewPeople
	sealer Sealer     // seals TOTP secrets (totp.go); nil: no TOTP
}

// New returns the auth service.
func New(cfg Config, store Store, tokens *Tokens) *Service {
	return &Service{cfg: cfg, store: store, tokens: tokens, now: time.Now}
}

// Tokens returns the token service (for issuing long-lived tokens).
func (s *Service) Tokens() *Tokens { return s.tokens }

// HashSecret returns the hex SHA-256 of a bearer token or of the secret part
// of a challenge identifier or user-action token; only these are stored.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// newHandle returns a handle "<id>.<secret>" for a new row with a
// time-ordered id, and the hash of its secret.
// MaxProtocolTTL bounds the lifetimes of challenges and user actions, so
// stores may find them by creation time: an audit log entry signed at t
// belongs to a challenge made after t - MaxProtocolTTL.
const MaxProtocolTTL = time.Hour

func newHandle(prefix string) (handle, rowID, secretHash string) {
	return handleFor(id.New(prefix))
}

// handleFor makes a handle for a row whose id is already chosen.
func handleFor(rowID string) (handle, sameID, secretHash string) {
	secret := id.Secret(32)
	return rowID + "." + secret, rowID, HashSecret(secret)
}

// actionIDFor is the id of the user action minted for challenge cid: the
// same time and random parts under the action prefix.
func actionIDFor(cid string) string {
	_, rest, _ := strings.Cut(cid, "-")
	return "ua-" + rest
}

// splitHandle parses a handle made by newHandle.
func splitHandle(h string) (rowID, secretHash string, ok bool) {
	if len(h) > 256 {
		return "", "", false
	}
	rowID, secret, ok := strings.Cut(h, ".")
	if !ok || rowID == "" || len(secret) < 32 {
		return "", "", false
	}
	return rowID, HashSecret(secret), true
}

var notAuthorized = apierr.Unauthorized("Not Authorized.")

// Authenticate resolves a bearer token to its principal, checking on every
// request that the user, token and session are still valid
// (docs/protocol/README.md, Decision 4).
func (s *Service) Authenticate(ctx context.Context, bearer string) (*principal.Principal, error) {
	c, err := s.tokens.Parse(bearer)
	if err != nil {
		return nil, err
	}
	var u *identity.User
	var t *identity.Token
	switch c.App.TokenKind {
	case principal.KindLogin:
		var revoked bool
		u, revoked, err = s.store.LoginSession(ctx, c.App.OrgID, c.App.UserID, c.ID)
		if err != nil {
			return nil, notAuthorized.Wrap(err)
		}
		if revoked || c.ID == "" || c.IssuedAt == nil || c.SessionGen < u.SessionGen ||
			c.IssuedAt.Time.Before(u.SessionsAfter.Truncate(time.Second)) {
			return nil, notAuthorized
		}
	case principal.KindPat, principal.KindServiceAccount:
		u, t, err = s.store.TokenSession(ctx, c.App.OrgID, c.App.UserID, c.App.TokenID)
		if err != nil {
			return nil, notAuthorized.Wrap(err)
		}
		// The stored hash is HashSecret(bearer): hex of the digest Parse took.
		var sum [2 * sha256.Size]byte
		hex.Encode(sum[:], c.digest[:])
		if subtle.ConstantTimeCompare(sum[:], []byte(t.Hash)) != 1 ||
			t.UserID != u.ID || t.Kind != c.App.TokenKind || !t.IsActive || t.IsArchived ||
			s.now().After(t.ExpiresAt) {
			return nil, notAuthorized
		}
	default:
		return nil, notAuthorized
	}
	if !u.IsActive || u.IsArchived {
		return nil, apierr.Unauthorized("User account has been deactivated.")
	}
	p := &principal.Principal{
		OrgID: u.OrgID, UserID: u.ID, Username: u.Username, UserKind: u.Kind,
		IsServiceAccount: u.IsServiceAccount, TokenKind: c.App.TokenKind,
	}
	if t != nil {
		p.TokenID, p.CredUUID = t.ID, t.CredUUID
	} else {
		p.SessionID = c.ID
	}
	return p, nil
}

// CheckApp validates an X-DFNS-APPID header: it must name an active
// application of the caller's org (docs/protocol/README.md,
// Decision 7).
func (s *Service) CheckApp(ctx context.Context, p *principal.Principal, appID string) error {
	a, err := s.store.App(ctx, p.OrgID, appID)
	if err != nil || !a.IsActive || a.IsArchived {
		return apierr.Unauthorized("Application %s is not valid for this organisation.", appID).Wrap(err)
	}
	p.AppID = appID
	return nil
}
