package auth

import (
	"context"
	"net/http"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/mail"
	"github.com/custos-dev/custos/internal/ratelimit"
	"github.com/custos-dev/custos/internal/regcode"
)

// LoginCodeStore keeps the login codes that release PasswordProtectedKey
// material at login (docs/protocol/passwords.md).
type LoginCodeStore interface {
	LoginCode(ctx context.Context, org, userID string) (hash string, expires time.Time, err error)
	SetLoginCode(ctx context.Context, org, userID, hash string, expires time.Time) error
	ConsumeLoginCode(ctx context.Context, org, userID, hash string, now time.Time) (bool, error)
}

// loginCodeTTL is how long a login code stays valid.
const loginCodeTTL = 15 * time.Minute

// loginCodes is set by NewPeople: without it (no people store),
// loginCode is refused.
type loginCodes struct {
	store   LoginCodeStore
	guesses ratelimit.Backoff
}

var invalidLoginCode = apierr.Forbidden("Invalid code.")

// SendLoginCode emails a login code to a user who has a
// PasswordProtectedKey. It answers the same whether the user exists or
// not, and sends at most ResendsPerHour emails per user.
func (r *People) SendLoginCode(ctx context.Context, in *ResendCodeInput) error {
	if err := checkUserRef(in.OrgID, in.Username); err != nil {
		return err
	}
	if r.mailer == nil {
		return mail.ErrNotConfigured
	}
	u, err := r.lookup(ctx, in.OrgID, in.Username)
	if err != nil || u == nil || u.IsServiceAccount || !u.IsActive || u.IsArchived {
		return err
	}
	if ok, wait := r.resends.Allow("login\x00"+u.OrgID+"\x00"+u.ID, r.auth.now()); !ok {
		return apierr.TooManyRequests(wait, "Too many login code emails for this user, retry in %d seconds.",
			apierr.RetryAfterSeconds(wait))
	}
	code := regcode.New()
	expires := r.auth.now().Add(loginCodeTTL)
	if err := r.auth.codes.store.SetLoginCode(ctx, u.OrgID, u.ID, regcode.Hash(u.ID, code), expires); err != nil {
		return err
	}
	text := "Hello " + u.Username + ",\n\nUse this code to log in with your password-protected key:\n\n" +
		"Login code: " + code + "\n\nIt can be used once, until " + expires.UTC().Format("2006-01-02 15:04 MST") + ".\n"
	if err := r.mailer.Send(context.WithoutCancel(ctx), mail.Message{To: mailbox(u), Subject: "Your Custos login code", Text: text}); err != nil {
		return (&apierr.Error{Status: http.StatusServiceUnavailable,
			Message: "the login code email could not be sent; retry later"}).Wrap(err)
	}
	return nil
}

// useLoginCode checks and uses up the login code of u (403 when it is not
// valid; wrong codes back off as failed logins do).
func (s *Service) useLoginCode(ctx context.Context, u *identity.User, code string) error {
	if s.codes.store == nil {
		return invalidLoginCode
	}
	subject, client := "logincode\x00"+u.OrgID+"\x00"+strings.ToLower(u.Username), clientFrom(ctx)
	if err := s.guard.wait(s.codes.guesses, subject, client); err != nil {
		return err
	}
	hash, expires, err := s.codes.store.LoginCode(ctx, u.OrgID, u.ID)
	if err != nil {
		return err
	}
	if !regcode.Matches(hash, u.ID, code) || !s.now().Before(expires) {
		s.codes.guesses.Fail(subject, ratelimit.ClientKey(client), s.guard.now())
		return invalidLoginCode
	}
	ok, err := s.codes.store.ConsumeLoginCode(ctx, u.OrgID, u.ID, hash, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return invalidLoginCode
	}
	s.codes.guesses.Succeed(subject, ratelimit.ClientKey(client))
	return nil
}

// mailbox is the address of u: the email it was created with (its name),
// else its username.
func mailbox(u *identity.User) string {
	if a, err := netmail.ParseAddress(u.Name); err == nil && a.Address == u.Name {
		return u.Name
	}
	return u.Username
}
