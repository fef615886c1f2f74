package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/mail"
	"github.com/custos-dev/custos/internal/ratelimit"
	"github.com/custos-dev/custos/internal/regcode"
	"github.com/custos-dev/custos/internal/store"
)

// PurposeRegistration marks the challenge of a registration; its handle is
// the temporaryAuthenticationToken of POST /auth/registration.
const PurposeRegistration = "registration"

// RegistrationStore is what registration needs of storage besides Store.
type RegistrationStore interface {
	store.Unit
	// ConsumeRegistrationCode clears the pending code of the unregistered
	// user if its hash is hash and it is valid at now; it reports whether
	// it did (a code is used once).
	ConsumeRegistrationCode(ctx context.Context, org, userID, hash string, now time.Time) (bool, error)
	// SetRegistrationCode replaces the pending code of the unregistered
	// user; false when there is no such user.
	SetRegistrationCode(ctx context.Context, org, userID, hash string, expires time.Time) (bool, error)
	// MarkRegistered makes the user registered with first credential
	// credUUID; false when it was registered already.
	MarkRegistered(ctx context.Context, org, userID, credUUID string) (bool, error)
}

// PeopleStore is what registration and recovery need of storage.
type PeopleStore interface {
	RegistrationStore
	RecoveryStore
	CodeStore
	LoginCodeStore
	UserCreator
}

// People serves what people do without a session or for their own
// credentials beyond the basics: the registration of invited users
// (docs/protocol/registration.md), recovery (recovery.md), credential codes
// (credential-codes.md) and login codes (passwords.md).
type People struct {
	auth     *Service
	store    RegistrationStore
	recovery RecoveryStore
	codes    CodeStore
	users    UserCreator
	grants   EndUserGrants // nil: end users get no permission
	mailer   mail.Sender   // nil: email is not configured
	// guesses backs off wrong registration codes per (org and username,
	// client address); resends bounds the emails per user.
	guesses ratelimit.Backoff
	resends ratelimit.Limiter
}

// SetShared replaces the in-memory backoff of wrong codes (registration,
// recovery; and login codes) and the email budget with ones kept in the
// database, which replicas on one PostgreSQL share. It must be called
// before the service is used.
func (r *People) SetShared(codes, loginCodes ratelimit.Backoff, emails ratelimit.Limiter) {
	r.guesses, r.resends = codes, emails
	r.auth.codes.guesses = loginCodes
}

// NewPeople returns the people service; mailer may be nil (no email).
// It also gives a the login codes that release PasswordProtectedKey
// material at login (login_codes.go).
func NewPeople(a *Service, st PeopleStore, mailer mail.Sender) *People {
	a.codes = loginCodes{store: st, guesses: ratelimit.NewLockout(ratelimit.DefaultLockout())}
	return &People{auth: a, store: st, recovery: st, codes: st, users: st, mailer: mailer,
		guesses: ratelimit.NewLockout(ratelimit.DefaultLockout()),
		resends: ratelimit.NewMemory(ResendsPerHour, time.Hour, ratelimit.DefaultMaxKeys)}
}

// ResendsPerHour bounds the emails of each kind one user can be sent.
const ResendsPerHour = 5

// RegistrationInitInput is the body of POST /auth/registration/init.
type RegistrationInitInput struct {
	OrgID            string `json:"orgId"`
	Username         string `json:"username"`
	RegistrationCode string `json:"registrationCode"`
	TenantID         string `json:"tenantId,omitempty"`
}

// RegistrationChallenge is a registration-type challenge
// (docs/protocol/registration.md, "Challenge").
type RegistrationChallenge struct {
	User                         ChallengeUser           `json:"user"`
	TemporaryAuthenticationToken string                  `json:"temporaryAuthenticationToken"`
	Challenge                    string                  `json:"challenge"`
	RP                           RelyingParty            `json:"rp"`
	SupportedCredentialKinds     RegistrationKinds       `json:"supportedCredentialKinds"`
	AuthenticatorSelection       *AuthenticatorSelection `json:"authenticatorSelection"`
	Attestation                  string                  `json:"attestation"`
	PubKeyCredParams             []PubKeyCredParam       `json:"pubKeyCredParams"`
	ExcludeCredentials           []AllowedCredential     `json:"excludeCredentials"`
	OtpURL                       string                  `json:"otpUrl"`
}

// RegistrationKinds is the supportedCredentialKinds object of a
// registration challenge.
type RegistrationKinds struct {
	FirstFactor  []credential.Kind `json:"firstFactor"`
	SecondFactor []credential.Kind `json:"secondFactor"`
}

// The kinds a user may register with.
var (
	firstFactorKinds  = []credential.Kind{credential.KindFido2, credential.KindKey, credential.KindPassword}
	secondFactorKinds = []credential.Kind{credential.KindFido2, credential.KindKey, credential.KindTotp}
)

var badCode = apierr.Unauthorized("Invalid registration code.")

// Init checks a registration code and returns the registration challenge;
// the code is used up. Wrong codes are refused the same way whether the
// user exists or not, and back off per user and client address.
func (r *People) Init(ctx context.Context, in *RegistrationInitInput) (*RegistrationChallenge, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	org, err := r.auth.resolveOrg(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	subject, client := org+"\x00"+strings.ToLower(in.Username), clientFrom(ctx)
	if err := r.auth.guard.wait(r.guesses, subject, client); err != nil {
		return nil, err
	}
	now := r.auth.now()
	u, err := r.auth.store.UserByName(ctx, org, strings.ToLower(in.Username))
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if err != nil || u.IsServiceAccount || !regcode.Matches(u.RegistrationCode, u.ID, in.RegistrationCode) {
		r.guesses.Fail(subject, ratelimit.ClientKey(client), r.auth.guard.now())
		return nil, badCode
	}
	if u.IsRegistered {
		return nil, apierr.Unauthorized("User already exists.")
	}
	if !u.IsActive || u.IsArchived {
		return nil, apierr.BadRequest("User account has been deactivated.")
	}
	if !now.Before(u.RegistrationExpiry) {
		return nil, apierr.BadRequest("Registration code expired")
	}
	ident, rowID, secretHash := newHandle("ch")
	c := &Challenge{ID: rowID, SecretHash: secretHash, OrgID: org, Purpose: PurposeRegistration, UserID: u.ID,
		Challenge: id.Secret(32), Created: now, ExpiresAt: now.Add(r.auth.cfg.ChallengeTTL)}
	otpURL, err := r.auth.offerTotp(c, u.Username)
	if err != nil {
		return nil, err
	}
	err = r.store.Tx(ctx, func(ctx context.Context) error {
		ok, err := r.store.ConsumeRegistrationCode(ctx, org, u.ID, u.RegistrationCode, now)
		if err != nil {
			return err
		}
		if !ok { // used by a concurrent request
			return badCode
		}
		return r.auth.store.CreateChallenge(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	r.guesses.Succeed(subject, ratelimit.ClientKey(client))
	ch := r.registrationChallenge(u, ident, c.Challenge)
	ch.OtpURL = otpURL
	return &ch, nil
}

// registrationChallenge is the wire challenge of u's registration or
// recovery with handle ident.
func (r *People) registrationChallenge(u *identity.User, ident, challenge string) RegistrationChallenge {
	return RegistrationChallenge{
		User:                         ChallengeUser{ID: u.ID, DisplayName: u.Username, Name: u.Username},
		TemporaryAuthenticationToken: ident,
		Challenge:                    challenge,
		RP:                           RelyingParty{ID: r.auth.cfg.RPID, Name: "Custos"},
		SupportedCredentialKinds:     RegistrationKinds{FirstFactor: firstFactorKinds, SecondFactor: secondFactorKinds},
		AuthenticatorSelection:       passkeySelection(),
		Attestation:                  "none",
		PubKeyCredParams:             pubKeyCredParams(),
		ExcludeCredentials:           []AllowedCredential{},
	}
}

// RegistrationInput is the body of POST /auth/registration.
type RegistrationInput struct {
	FirstFactorCredential  *credential.Attestation `json:"firstFactorCredential"`
	SecondFactorCredential *credential.Attestation `json:"secondFactorCredential,omitempty"`
	RecoveryCredential     *credential.Attestation `json:"recoveryCredential,omitempty"`
}

// RegistrationResult is the answer of POST /auth/registration.
type RegistrationResult struct {
	Credential struct {
		UUID string `json:"uuid"`
		Kind string `json:"kind"`
		Name string `json:"name"`
	} `json:"credential"`
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		OrgID    string `json:"orgId"`
	} `json:"user"`
}

// Register completes a registration: tempToken is the challenge's
// temporaryAuthenticationToken, and every credential of in must attest
// over its challenge. The credentials, the user's registration and the use
// of the challenge commit together.
func (r *People) Register(ctx context.Context, tempToken string, in *RegistrationInput) (*RegistrationResult, error) {
	out, _, err := r.RegisterWith(ctx, tempToken, in, RegistrationExtra{})
	return out, err
}

// result is the answer of a registration or recovery whose first factor
// is first.
func result(u *identity.User, first *credential.Credential) *RegistrationResult {
	out := &RegistrationResult{}
	out.Credential.UUID, out.Credential.Kind, out.Credential.Name = first.UUID, string(first.Kind), first.Name
	out.User.ID, out.User.Username, out.User.OrgID = u.ID, u.Username, u.OrgID
	return out
}

// attestAll verifies the attestations of in over challenge c and returns
// the credentials of u to store, the first factor first. A Totp credential
// proves the secret c offered (totp.go).
func (r *People) attestAll(ctx context.Context, u *identity.User, in *RegistrationInput, c *Challenge) ([]*credential.Credential, error) {
	a := r.auth
	secret, err := a.openTotp(c.OrgID, c.UserID, c.TotpSecret)
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	exp := credential.Expect{Challenge: c.Challenge, TotpSecret: secret, Now: a.now()}
	var creds []*credential.Credential
	for _, f := range []struct {
		field string
		att   *credential.Attestation
		kinds []credential.Kind
	}{
		{"firstFactorCredential", in.FirstFactorCredential, firstFactorKinds},
		{"secondFactorCredential", in.SecondFactorCredential, secondFactorKinds},
		{"recoveryCredential", in.RecoveryCredential, []credential.Kind{credential.KindRecoveryKey}},
	} {
		if f.att == nil {
			continue
		}
		cred, err := registerFactor(u, f.field, f.att, f.kinds, exp, a.now(),
			func(v credential.Verifier, k credential.Kind, att *credential.Attestation, exp credential.Expect) (*credential.Credential, error) {
				return a.register(ctx, u.OrgID, v, k, att, exp)
			})
		if err != nil {
			return nil, err
		}
		if cred.Kind == credential.KindTotp {
			cred.TotpSecret = c.TotpSecret
		}
		for _, o := range creds {
			if o.CredID == cred.CredID {
				return nil, apierr.BadRequest("%s: credId is already used by another credential of this registration", f.field)
			}
		}
		creds = append(creds, cred)
	}
	return creds, nil
}

// registerFactor verifies one attestation of a registration, of one of
// kinds, and returns the credential of u to store.
func registerFactor(u *identity.User, field string, att *credential.Attestation, kinds []credential.Kind,
	exp credential.Expect, now time.Time,
	register func(credential.Verifier, credential.Kind, *credential.Attestation, credential.Expect) (*credential.Credential, error)) (*credential.Credential, error) {
	k, err := credential.ParseKind(att.CredentialKind)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, want := range kinds {
		ok = ok || want == k
	}
	v, found := credential.For(k)
	if !ok || !found {
		return nil, apierr.BadRequest("%s: credential kind %s cannot be registered here", field, k)
	}
	cred, err := register(v, k, att, exp)
	if err != nil {
		return nil, err
	}
	cred.UUID, cred.OrgID, cred.UserID = id.New("cr"), u.OrgID, u.ID
	cred.IsActive, cred.DateCreated = true, now
	return cred, nil
}

// ResendCodeInput is the body of PUT /auth/registration/code.
type ResendCodeInput struct {
	Username string `json:"username"`
	OrgID    string `json:"orgId"`
	TenantID string `json:"tenantId,omitempty"`
}

// ResendCode emails a new registration code to an unregistered user; the
// previous code stops working. It answers the same whether the user exists
// or not, and sends at most ResendsPerHour emails per user.
func (r *People) ResendCode(ctx context.Context, in *ResendCodeInput) error {
	if err := checkUserRef(in.OrgID, in.Username); err != nil {
		return err
	}
	if r.mailer == nil {
		return mail.ErrNotConfigured
	}
	org, err := r.auth.resolveOrg(ctx, in.OrgID)
	if err != nil {
		return err
	}
	u, err := r.auth.store.UserByName(ctx, org, strings.ToLower(in.Username))
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	if u.IsServiceAccount || u.IsRegistered || !u.IsActive || u.IsArchived {
		return nil
	}
	if ok, wait := r.resends.Allow(org+"\x00"+u.ID, r.auth.now()); !ok {
		return apierr.TooManyRequests(wait, "Too many registration emails for this user, retry in %d seconds.",
			apierr.RetryAfterSeconds(wait))
	}
	code := regcode.New()
	expires := r.auth.now().Add(regcode.TTL)
	ok, err := r.store.SetRegistrationCode(ctx, org, u.ID, regcode.Hash(u.ID, code), expires)
	if err != nil || !ok {
		return err
	}
	subject, text := regcode.Mail(u.Username, code, expires)
	if err := r.mailer.Send(context.WithoutCancel(ctx), mail.Message{To: mailbox(u), Subject: subject, Text: text}); err != nil {
		return (&apierr.Error{Status: http.StatusServiceUnavailable,
			Message: "the registration email could not be sent; retry later"}).Wrap(err)
	}
	return nil
}

func isNotFound(err error) bool {
	var e *apierr.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}
