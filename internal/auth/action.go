package auth

import (
	"context"
	"net/url"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/principal"
)

// InitActionInput is the body of POST /auth/action/init (docs/protocol/auth.md §3.1).
type InitActionInput struct {
	UserActionPayload    *string `json:"userActionPayload"`
	UserActionHTTPMethod string  `json:"userActionHttpMethod"`
	UserActionHTTPPath   string  `json:"userActionHttpPath"`
	UserActionServerKind string  `json:"userActionServerKind,omitempty"`
}

// CompleteInput is the body of POST /auth/action and POST /auth/login (docs/protocol/auth.md §3.3).
type CompleteInput struct {
	ChallengeIdentifier string                `json:"challengeIdentifier"`
	FirstFactor         *credential.Assertion `json:"firstFactor"`
	SecondFactor        *credential.Assertion `json:"secondFactor,omitempty"`
}

// allowedFor returns the credentials p may sign user actions with: a PAT or
// service account only its own key (docs/protocol/auth.md §2.4), a user its active credentials.
func (s *Service) allowedFor(ctx context.Context, p *principal.Principal) ([]*credential.Credential, error) {
	if p.CredUUID != "" {
		c, err := s.store.Credential(ctx, p.OrgID, p.CredUUID)
		if err != nil {
			return nil, err
		}
		return []*credential.Credential{c}, nil
	}
	return s.store.SigningCredentials(ctx, p.OrgID, p.UserID)
}

// InitAction issues a user-action challenge for the request in in.
func (s *Service) InitAction(ctx context.Context, p *principal.Principal, in *InitActionInput) (*SigningChallenge, error) {
	if in.UserActionPayload == nil {
		return nil, apierr.BadRequest("userActionPayload is required")
	}
	switch in.UserActionHTTPMethod {
	case "POST", "PUT", "DELETE", "GET":
	default:
		return nil, apierr.BadRequest("userActionHttpMethod must be one of POST, PUT, DELETE, GET")
	}
	if !strings.HasPrefix(in.UserActionHTTPPath, "/") || len(in.UserActionHTTPPath) > 2048 {
		return nil, apierr.BadRequest("userActionHttpPath must be an absolute path")
	}
	switch in.UserActionServerKind {
	case "", "Api", "Staff":
	default:
		return nil, apierr.BadRequest("userActionServerKind must be Api or Staff")
	}
	// Only digests of the payload are kept (payload.go).
	raw, canon, err := payloadDigests([]byte(*in.UserActionPayload))
	if err != nil {
		return nil, err
	}
	creds, err := s.allowedFor(ctx, p)
	if err != nil {
		return nil, err
	}
	c := &Challenge{
		OrgID: p.OrgID, Purpose: PurposeAction, UserID: p.UserID, TokenID: p.TokenID, SessionID: p.SessionID,
		Method: in.UserActionHTTPMethod, Path: in.UserActionHTTPPath, PayloadHash: raw, CanonicalHash: canon,
	}
	return s.issueSigningChallenge(ctx, c, creds, true)
}

// CompleteAction verifies the signed challenge and returns a single-use
// user-action token bound to the caller, method, path and payload (docs/protocol/auth.md §3.3).
func (s *Service) CompleteAction(ctx context.Context, p *principal.Principal, in *CompleteInput) (string, error) {
	// Verify against the live challenge first, then store the action: the
	// signature check stays outside the writer, and the challenge is still
	// used once (the action's id is the challenge's, and unique).
	c, sealed, err := s.tokens.openChallenge(in.ChallengeIdentifier, s.now())
	if err != nil {
		return "", err
	}
	var cid, secretHash string
	if sealed {
		cid = c.ID
	} else {
		// A challenge stored before challenges were sealed.
		var ok bool
		if cid, secretHash, ok = splitHandle(in.ChallengeIdentifier); !ok {
			return "", errChallengeInvalid
		}
		if c, err = s.store.LiveChallenge(ctx, cid, secretHash, PurposeAction, s.now()); err != nil {
			return "", err
		}
	}
	if c.OrgID != p.OrgID || c.UserID != p.UserID || c.TokenID != p.TokenID || c.SessionID != p.SessionID ||
		c.PayloadHash == "" { // issued before payload digests: its payload is gone
		return "", errChallengeInvalid
	}
	cred, err := s.verifyFactor(ctx, c, in.FirstFactor)
	if err != nil {
		// A failed attempt burns a stored challenge; a sealed one stays
		// valid until it expires (docs/protocol/auth.md §3.1).
		if !sealed {
			_, _ = s.store.TakeChallenge(ctx, cid, secretHash, PurposeAction, s.now())
		}
		return "", err
	}
	ca := in.FirstFactor.CredentialAssertion
	if ca == nil { // only signing kinds get here, and they all carry one
		return "", apierr.BadRequest("firstFactor.credentialAssertion is required")
	}
	token, actionID, tokenHash := handleFor(actionIDFor(cid))
	now := s.now()
	a := &UserAction{
		ID: actionID, TokenHash: tokenHash, OrgID: c.OrgID, UserID: c.UserID, Username: p.Username,
		TokenID: c.TokenID, SessionID: c.SessionID, CredUUID: cred.UUID,
		Method: c.Method, Path: c.Path, PayloadHash: c.PayloadHash, CanonicalHash: c.CanonicalHash,
		ClientData: ca.ClientData, Signature: ca.Signature, AuthenticatorData: ca.AuthenticatorData,
		ExpiresAt: now.Add(s.cfg.ActionTTL), Created: now,
	}
	if err := s.store.CreateActionFor(ctx, cid, a); err != nil {
		return "", err
	}
	return token, nil
}

func (s *Service) takeChallenge(ctx context.Context, ident, purpose string) (*Challenge, error) {
	cid, secretHash, ok := splitHandle(ident)
	if !ok {
		return nil, apierr.BadRequest("Challenge token is not valid.")
	}
	return s.store.TakeChallenge(ctx, cid, secretHash, purpose, s.now())
}

// ErrActionInvalid and ErrActionUsed are the answers to a user action
// that cannot be accepted; stores return them too.
var (
	ErrActionInvalid = apierr.Forbidden("user action signature is missing or invalid")
	ErrActionUsed    = apierr.BadRequest("user action has already been used")
)

// ConsumeAction accepts the user-action token once, for the request it was
// made for (docs/protocol/auth.md §3.4;
// docs/protocol/README.md, Decision 2): same caller, method, path (query stripped,
// percent-decoded) and body (byte-equal, else JSON-equal), and only while
// the credential that signed it is active.
func (s *Service) ConsumeAction(ctx context.Context, p *principal.Principal, token, method, path string, body []byte) (*UserAction, error) {
	pend, err := s.CheckAction(ctx, p, token, method, path, body)
	if err != nil {
		return nil, err
	}
	if err := s.Settle(ctx, pend); err != nil {
		return nil, err
	}
	return pend.Action, nil
}

// CheckAction checks the user-action token against the request like
// ConsumeAction, without consuming it yet: the caller must Settle the
// returned Pending (or have it consumed in a unit of work) before it answers. A
// token shown with the wrong request, caller or after its expiry is burnt.
func (s *Service) CheckAction(ctx context.Context, p *principal.Principal, token, method, path string, body []byte) (*Pending, error) {
	actionID, tokenHash, ok := splitHandle(token)
	if !ok {
		return nil, ErrActionInvalid
	}
	now := s.now()
	a, err := s.store.UserAction(ctx, actionID, tokenHash)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, ErrActionInvalid
	}
	if !a.ConsumedAt.IsZero() {
		return nil, ErrActionUsed
	}
	pend := &Pending{Action: a, TokenHash: tokenHash, At: now, svc: s}
	if now.After(a.ExpiresAt) ||
		a.OrgID != p.OrgID || a.UserID != p.UserID || a.TokenID != p.TokenID || a.SessionID != p.SessionID ||
		a.Method != method || !samePath(a.Path, path) || !matchesPayload(a.PayloadHash, a.CanonicalHash, body) {
		if err := s.Settle(ctx, pend); err != nil {
			return nil, err
		}
		return nil, ErrActionInvalid
	}
	return pend, nil
}

// Settle makes sure pend is consumed: it returns nil once it is (by the
// unit of work that consumed it, or now), else why not. Inside a unit of
// work (ctx of store.Unit's fn) the consumption is a step of that unit.
func (s *Service) Settle(ctx context.Context, pend *Pending) error {
	if done, refused := pend.outcome(); done || refused != nil {
		return refused
	}
	if !pend.Claim() {
		return ErrActionInvalid
	}
	return s.store.ConsumeUserAction(ctx, pend)
}

// samePath compares two request paths without their query strings, after
// percent-decoding.
func samePath(signed, actual string) bool {
	norm := func(p string) string {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if d, err := url.PathUnescape(p); err == nil {
			return d
		}
		return p
	}
	return norm(signed) == norm(actual)
}
