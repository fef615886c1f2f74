package auth

import (
	"context"
	"errors"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
)

// LoginInitInput is the body of POST /auth/login/init (docs/protocol/auth.md §6).
type LoginInitInput struct {
	Username  string `json:"username"`
	OrgID     string `json:"orgId,omitempty"`
	TenantID  string `json:"tenantId,omitempty"`
	LoginCode string `json:"loginCode,omitempty"`
}

// resolveOrg returns orgID, or the only organisation when none is given.
func (s *Service) resolveOrg(ctx context.Context, orgID string) (string, error) {
	if orgID != "" {
		if _, err := s.store.Org(ctx, orgID); err != nil {
			return "", apierr.Unauthorized("User not found")
		}
		return orgID, nil
	}
	orgs, err := s.store.Orgs(ctx)
	if err != nil {
		return "", err
	}
	if len(orgs) != 1 {
		return "", apierr.BadRequest("orgId is required")
	}
	return orgs[0].ID, nil
}

// LoginInit issues a login challenge for a user (not a service account).
func (s *Service) LoginInit(ctx context.Context, in *LoginInitInput) (*SigningChallenge, error) {
	if in.Username == "" {
		return nil, apierr.BadRequest("username is required")
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	org, err := s.resolveOrg(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByName(ctx, org, in.Username)
	if err != nil || u.IsServiceAccount {
		return nil, apierr.Unauthorized("User not found").Wrap(err) // an outage is a 503 (httpapi)
	}
	if !u.IsActive || u.IsArchived {
		return nil, apierr.BadRequest("User account has been deactivated.")
	}
	creds, err := s.store.SigningCredentials(ctx, org, u.ID)
	if err != nil {
		return nil, err
	}
	c := &Challenge{OrgID: org, Purpose: PurposeLogin, UserID: u.ID}
	// PasswordProtectedKey material is released only with a valid login
	// code, emailed by POST /auth/login/code (login_codes.go).
	reveal := false
	if in.LoginCode != "" {
		if err := s.useLoginCode(ctx, u, in.LoginCode); err != nil {
			return nil, err
		}
		reveal = true
	}
	return s.issueSigningChallenge(ctx, c, creds, reveal)
}

// Login verifies a signed login challenge and returns a login token.
func (s *Service) Login(ctx context.Context, in *CompleteInput) (string, error) {
	if err := in.check(); err != nil {
		return "", err
	}
	c, err := s.takeChallenge(ctx, in.ChallengeIdentifier, PurposeLogin)
	if err != nil {
		return "", err
	}
	u, err := s.store.User(ctx, c.OrgID, c.UserID)
	if err != nil {
		return "", apierr.Unauthorized("User not found").Wrap(err)
	}
	if !u.IsActive || u.IsArchived {
		return "", apierr.BadRequest("User account has been deactivated.")
	}
	// A user backing off after failed logins from this client is refused
	// before the signature is verified (backoff.go).
	login, _ := s.guard.lockouts()
	client := clientFrom(ctx)
	if err := s.guard.wait(login, u.ID, client); err != nil {
		return "", err
	}
	_, err = s.verifyFactor(ctx, c, in.FirstFactor)
	if err == nil {
		err = s.checkSecondFactor(ctx, c, in.SecondFactor)
	}
	s.guard.record(login, u.ID, client, err)
	if err != nil {
		return "", err
	}
	return s.IssueLogin(u)
}

// IssueLogin returns a login token for u.
func (s *Service) IssueLogin(u *identity.User) (string, error) {
	cl := Claims{App: AppMetadata{OrgID: u.OrgID, UserID: u.ID, TokenKind: principal.KindLogin}, Username: u.Username,
		SessionGen: u.SessionGen}
	cl.ID = id.New("se")
	return s.tokens.Issue(cl, s.cfg.LoginTTL)
}

// Logout ends the caller's login session, or all of the user's sessions.
func (s *Service) Logout(ctx context.Context, p *principal.Principal, all bool) error {
	if p.TokenKind != principal.KindLogin {
		return apierr.BadRequest("only login tokens can log out; deactivate the access token instead")
	}
	if all {
		// Login tokens carry the generation they were issued under: every
		// one issued so far is refused from now on, the next login's is not.
		return s.store.EndSessions(ctx, p.OrgID, p.UserID)
	}
	if p.SessionID == "" {
		return errors.New("login principal without session id")
	}
	return s.store.RevokeSession(ctx, p.SessionID, s.now().Add(s.cfg.LoginTTL))
}

// IssueAccessToken mints the long-lived bearer of a PAT or service account
// token t; only its hash is stored by the caller.
func (s *Service) IssueAccessToken(t *identity.Token, username string) (string, error) {
	cl := Claims{App: AppMetadata{OrgID: t.OrgID, UserID: t.UserID, TokenKind: t.Kind, TokenID: t.ID}, Username: username}
	cl.ID = id.New("jt")
	return s.tokens.Issue(cl, time.Until(t.ExpiresAt))
}
