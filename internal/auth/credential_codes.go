package auth

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/wire"
)

// PurposeCredentialCode marks a credential challenge opened with a
// credential code: POST /auth/credentials/code/verify completes only these,
// without a bearer or a signature.
const PurposeCredentialCode = "credential-code"

// CredentialCode is a stored credential code (only its hash).
type CredentialCode struct {
	Hash          string
	OrgID, UserID string
	ExpiresAt     time.Time
	Created       time.Time
}

// CodeStore is what credential codes need of storage.
type CodeStore interface {
	// CreateCredentialCode stores c unless its user has max unused codes
	// (429).
	CreateCredentialCode(ctx context.Context, c *CredentialCode, max int) error
	// TakeCredentialCode marks the live unused code with hash used and
	// returns it; otherwise a 401.
	TakeCredentialCode(ctx context.Context, hash string, now time.Time) (*CredentialCode, error)
}

// Credential code limits (docs/protocol/credential-codes.md).
const (
	maxCodeLifetime = 10 * time.Minute
	maxLiveCodes    = 5
	// codeAlphabet is Crockford's base32: no I, L, O or U to misread.
	codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)

// CredentialCodeInput is the body of POST /auth/credentials/code.
type CredentialCodeInput struct {
	// Expiration is an ISO-8601 date or a unix time (seconds, or
	// milliseconds when above 10^12).
	Expiration json.RawMessage `json:"expiration"`
}

// CredentialCodeView is the answer of POST /auth/credentials/code.
type CredentialCodeView struct {
	Code       string `json:"code"`
	Expiration string `json:"expiration"`
}

// newCredentialCode returns a code like "7KD-Q2M-XP9" (45 bits).
func newCredentialCode() string {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	out := make([]byte, 0, 11)
	for i, c := range b {
		if i == 3 || i == 6 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[c&31])
	}
	return string(out)
}

// codeHash hashes a credential code as typed: case and separators do not
// matter.
func codeHash(code string) string {
	norm := strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
	return HashSecret("custos credential code\x00" + norm)
}

// parseExpiration reads an ISO-8601 date or a unix time.
func parseExpiration(raw json.RawMessage) (time.Time, error) {
	bad := apierr.BadRequest("expiration must be an ISO-8601 date or a unix time")
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, bad
		}
		return t, nil
	}
	var n float64
	if err := json.Unmarshal(raw, &n); err != nil || n <= 0 || n > 1e16 {
		return time.Time{}, bad
	}
	if n > 1e12 {
		return time.UnixMilli(int64(n)), nil
	}
	return time.Unix(int64(n), 0), nil
}

// CreateCredentialCode makes a credential code for the caller, valid until
// the expiration asked for (in the future, at most maxCodeLifetime away),
// consuming act with it.
func (s *Service) CreateCredentialCode(ctx context.Context, cs CodeStore, p *principal.Principal, act store.Consumer, in *CredentialCodeInput) (*CredentialCodeView, error) {
	if len(in.Expiration) == 0 {
		return nil, apierr.BadRequest("expiration is required")
	}
	exp, err := parseExpiration(in.Expiration)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !exp.After(now) || exp.After(now.Add(maxCodeLifetime)) {
		return nil, apierr.BadRequest("expiration must be in the future and at most %v away", maxCodeLifetime)
	}
	if p.CredUUID != "" {
		return nil, apierr.BadRequest("credential codes are for users' own credentials, not access tokens")
	}
	code := newCredentialCode()
	cc := &CredentialCode{Hash: codeHash(code), OrgID: p.OrgID, UserID: p.UserID, ExpiresAt: exp, Created: now}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error {
		return cs.CreateCredentialCode(ctx, cc, maxLiveCodes)
	}); err != nil {
		return nil, err
	}
	return &CredentialCodeView{Code: code, Expiration: wire.Time(exp)}, nil
}

// CredentialCodeInitInput is the body of POST /auth/credentials/code/init.
type CredentialCodeInitInput struct {
	CredentialKind string `json:"credentialKind"`
	Code           string `json:"code"`
}

// CredentialCodeInit uses up a credential code and returns a credential
// challenge for its user, which only /auth/credentials/code/verify
// completes.
func (s *Service) CredentialCodeInit(ctx context.Context, cs CodeStore, in *CredentialCodeInitInput) (*CredentialChallenge, error) {
	if err := checkCodeInit(in); err != nil {
		return nil, err
	}
	k, err := credential.ParseKind(in.CredentialKind)
	if err != nil {
		return nil, err
	}
	cc, err := cs.TakeCredentialCode(ctx, codeHash(in.Code), s.now())
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, cc.OrgID, cc.UserID)
	if err != nil || !u.IsActive || u.IsArchived {
		return nil, apierr.Unauthorized("Invalid code.").Wrap(err)
	}
	c := &Challenge{OrgID: cc.OrgID, Purpose: PurposeCredentialCode, UserID: cc.UserID}
	return s.credentialChallenge(ctx, c, u.Username, string(k), "")
}

// CreateCredentialWithCode completes a credential challenge opened with a
// code: the attestation alone proves the new credential.
func (s *Service) CreateCredentialWithCode(ctx context.Context, in *CreateCredentialInput) (*credential.Credential, error) {
	return s.createCredential(ctx, nil, nil, in, PurposeCredentialCode)
}

// CreateCredentialCode serves POST /auth/credentials/code.
func (r *People) CreateCredentialCode(ctx context.Context, p *principal.Principal, act store.Consumer, in *CredentialCodeInput) (*CredentialCodeView, error) {
	return r.auth.CreateCredentialCode(ctx, r.codes, p, act, in)
}

// CredentialCodeInit serves POST /auth/credentials/code/init.
func (r *People) CredentialCodeInit(ctx context.Context, in *CredentialCodeInitInput) (*CredentialChallenge, error) {
	return r.auth.CredentialCodeInit(ctx, r.codes, in)
}

// CreateCredentialWithCode serves POST /auth/credentials/code/verify.
func (r *People) CreateCredentialWithCode(ctx context.Context, in *CreateCredentialInput) (*credential.Credential, error) {
	return r.auth.CreateCredentialWithCode(ctx, in)
}
