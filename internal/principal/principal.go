// Package principal describes who is calling: the identity behind the bearer
// token of a request, carried in its context.
package principal

import "context"

// Token kinds as they appear in the token claims and in AccessToken.kind.
const (
	KindLogin          = "Token"
	KindPat            = "Pat"
	KindServiceAccount = "ServiceAccount"
	KindTemp           = "Temp"
	KindApplication    = "Application"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	OrgID    string
	UserID   string
	Username string
	// UserKind is CustomerEmployee, EndUser or DfnsStaff; service accounts
	// report CustomerEmployee with IsServiceAccount set.
	UserKind         string
	IsServiceAccount bool
	// TokenKind is one of the Kind constants.
	TokenKind string
	// TokenID is the long-lived token (PAT / service account) used, or "".
	TokenID string
	// SessionID is the jti of a login token, or "".
	SessionID string
	// CredUUID, when set, is the only credential that may sign user
	// actions for this principal (a PAT's or service account's own key).
	CredUUID string
	// AppID is the application named by X-DFNS-APPID, if any.
	AppID string
}

// Describe returns the identity as Dfns names it in permission errors, e.g.
// "User us-…" or "ServiceAccount us-…".
func (p *Principal) Describe() string {
	switch {
	case p.TokenKind == KindPat:
		return "PersonalAccessToken " + p.TokenID
	case p.IsServiceAccount:
		return "ServiceAccount " + p.UserID
	default:
		return p.UserKind + " " + p.UserID
	}
}

type ctxKey struct{}

// With returns ctx carrying p.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal of ctx, or nil for public requests.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
