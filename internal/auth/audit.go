package auth

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/wire"
)

// AuditEntry is the wire AuditLog (docs/protocol/identities.md §8;
// docs/protocol/README.md, Decision 8): the
// consumed user action and the signed assertion that authorised it, enough
// to verify the signature again offline against the credential's key.
type AuditEntry struct {
	ID                    string          `json:"id"`
	Action                string          `json:"action"`
	ActionToken           string          `json:"actionToken"`
	OrgID                 string          `json:"orgId"`
	UserID                *string         `json:"userId"`
	Username              *string         `json:"username"`
	TokenID               string          `json:"tokenId,omitempty"`
	DatePerformed         *string         `json:"datePerformed"`
	DateSigned            string          `json:"dateSigned"`
	HTTPMethod            string          `json:"httpMethod"`
	HTTPPath              string          `json:"httpPath"`
	PayloadHash           string          `json:"payloadSha256"`
	FirstFactorCredential AuditCredential `json:"firstFactorCredential"`
}

// AuditCredential names the credential that signed and its assertion.
type AuditCredential struct {
	ID        string          `json:"id"`
	UUID      string          `json:"credentialUuid"`
	Kind      *string         `json:"kind"`
	PublicKey string          `json:"publicKey"`
	Algorithm string          `json:"algorithm,omitempty"`
	Assertion *AuditAssertion `json:"assertion"`
}

// AuditAssertion is the signed assertion as received.
type AuditAssertion struct {
	AuthenticatorData *string `json:"authenticatorData"`
	ClientData        string  `json:"clientData"`
	Signature         string  `json:"signature"`
}

func (s *Service) viewAudit(ctx context.Context, a *UserAction) AuditEntry {
	uid, uname := a.UserID, a.Username
	e := AuditEntry{
		ID: a.ID, Action: a.Method + " " + a.Path, ActionToken: a.ID, OrgID: a.OrgID, UserID: &uid, Username: &uname,
		TokenID: a.TokenID, DateSigned: wire.Time(a.Created), HTTPMethod: a.Method,
		HTTPPath: a.Path, PayloadHash: a.PayloadHash,
	}
	if !a.ConsumedAt.IsZero() {
		d := wire.Time(a.ConsumedAt)
		e.DatePerformed = &d
	}
	as := &AuditAssertion{ClientData: a.ClientData, Signature: a.Signature}
	if a.AuthenticatorData != "" {
		as.AuthenticatorData = &a.AuthenticatorData
	}
	e.FirstFactorCredential = AuditCredential{UUID: a.CredUUID, Assertion: as}
	if c, err := s.store.Credential(ctx, a.OrgID, a.CredUUID); err == nil {
		k := string(c.Kind)
		e.FirstFactorCredential.ID, e.FirstFactorCredential.Kind = c.CredID, &k
		e.FirstFactorCredential.PublicKey, e.FirstFactorCredential.Algorithm = c.PublicKey, c.Algorithm
	}
	return e
}

// AuditLog returns one entry of the caller's org.
func (s *Service) AuditLog(ctx context.Context, p *principal.Principal, logID string) (*AuditEntry, error) {
	a, err := s.store.AuditLog(ctx, p.OrgID, logID)
	if err != nil {
		return nil, err
	}
	e := s.viewAudit(ctx, a)
	return &e, nil
}

// AuditLogs lists the consumed user actions of the caller's org in [start, end].
func (s *Service) AuditLogs(ctx context.Context, p *principal.Principal, f LogFilter) ([]AuditEntry, string, error) {
	if f.End.IsZero() {
		f.End = s.now()
	}
	if f.End.Before(f.Start) {
		return nil, "", apierr.BadRequest("endTime must not be before startTime")
	}
	rows, next, err := s.store.AuditLogs(ctx, p.OrgID, f)
	if err != nil {
		return nil, "", err
	}
	out := make([]AuditEntry, 0, len(rows))
	for _, a := range rows {
		out = append(out, s.viewAudit(ctx, a))
	}
	return out, next, nil
}
