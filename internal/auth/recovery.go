package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/mail"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/ratelimit"
	"github.com/custos-dev/custos/internal/regcode"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
)

// PurposeRecovery marks the challenge of a recovery; its handle is the
// temporaryAuthenticationToken of POST /auth/recover/user.
const PurposeRecovery = "recovery"

// RecoveryStore is what recovery needs of storage besides Store.
type RecoveryStore interface {
	store.Unit
	RecoveryCode(ctx context.Context, org, userID string) (hash string, expires time.Time, err error)
	SetRecoveryCode(ctx context.Context, org, userID, hash string, expires time.Time) (bool, error)
	ConsumeRecoveryCode(ctx context.Context, org, userID, hash string, now time.Time) (bool, error)
	// ResetCredentials archives every credential of the user, revokes its
	// PATs, ends its sessions and makes credUUID its first credential.
	ResetCredentials(ctx context.Context, org, userID, credUUID string) error
}

var notRecoveryFactor = apierr.Unauthorized("Credential cannot be used as a recovery factor.")

// RecoveryChallenge is a registration challenge plus the recovery keys
// that may sign the recovery.
type RecoveryChallenge struct {
	RegistrationChallenge
	AllowedRecoveryCredentials []AllowedRecoveryCredential `json:"allowedRecoveryCredentials"`
}

// AllowedRecoveryCredential is a recovery key and its opaque encrypted
// private key.
type AllowedRecoveryCredential struct {
	ID                   string `json:"id"`
	EncryptedRecoveryKey string `json:"encryptedRecoveryKey"`
}

// RecoveryCodeInput is the body of POST /auth/recover/user/code.
type RecoveryCodeInput = ResendCodeInput

// SendRecoveryCode emails a recovery code to a registered user. It answers
// the same whether the user exists or not, and sends at most
// ResendsPerHour emails per user.
func (r *People) SendRecoveryCode(ctx context.Context, in *RecoveryCodeInput) error {
	if err := checkUserRef(in.OrgID, in.Username); err != nil {
		return err
	}
	if r.mailer == nil {
		return mail.ErrNotConfigured
	}
	u, err := r.lookup(ctx, in.OrgID, in.Username)
	if err != nil || u == nil || !u.IsRegistered || u.IsServiceAccount || !u.IsActive || u.IsArchived {
		return err
	}
	if ok, wait := r.resends.Allow("recovery\x00"+u.OrgID+"\x00"+u.ID, r.auth.now()); !ok {
		return apierr.TooManyRequests(wait, "Too many recovery emails for this user, retry in %d seconds.",
			apierr.RetryAfterSeconds(wait))
	}
	code := regcode.New()
	expires := r.auth.now().Add(recoveryTTL)
	if ok, err := r.recovery.SetRecoveryCode(ctx, u.OrgID, u.ID, regcode.Hash(u.ID, code), expires); err != nil || !ok {
		return err
	}
	text := "Hello " + u.Username + ",\n\nSomeone asked to recover your Custos account. If it was you, use this code:\n\n" +
		"Recovery code: " + code + "\n\nIt can be used once, until " + expires.UTC().Format("2006-01-02 15:04 MST") + ".\n"
	if err := r.mailer.Send(context.WithoutCancel(ctx), mail.Message{To: mailbox(u), Subject: "Your Custos recovery code", Text: text}); err != nil {
		return (&apierr.Error{Status: http.StatusServiceUnavailable,
			Message: "the recovery email could not be sent; retry later"}).Wrap(err)
	}
	return nil
}

// recoveryTTL is how long a recovery code stays valid.
const recoveryTTL = 15 * time.Minute

// lookup returns the user named username of org orgID ("" for the only
// one), or nil when there is none.
func (r *People) lookup(ctx context.Context, orgID, username string) (*identity.User, error) {
	if err := checkUserRef(orgID, username); err != nil {
		return nil, err
	}
	org, err := r.auth.resolveOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	u, err := r.auth.store.UserByName(ctx, org, strings.ToLower(username))
	if isNotFound(err) {
		return nil, nil
	}
	return u, err
}

// checkUserRef bounds the username and orgId naming a user.
func checkUserRef(orgID, username string) error {
	if err := validate.Text("username", username, validate.MaxEmail); err != nil {
		return err
	}
	if err := validate.OptID("orgId", orgID); err != nil {
		return err
	}
	if username == "" {
		return apierr.BadRequest("username is required")
	}
	return nil
}

// RecoveryInitInput is the body of POST /auth/recover/user/init.
type RecoveryInitInput struct {
	Username         string `json:"username"`
	VerificationCode string `json:"verificationCode"`
	OrgID            string `json:"orgId"`
	CredentialID     string `json:"credentialId"`
	TenantID         string `json:"tenantId,omitempty"`
}

// RecoveryInit checks an emailed recovery code (used up, guesses backed
// off as registration codes are) and returns the recovery challenge for the
// user's recovery key credentialId.
func (r *People) RecoveryInit(ctx context.Context, in *RecoveryInitInput) (*RecoveryChallenge, error) {
	if err := validate.Printable("verificationCode", in.VerificationCode, maxCode); err != nil {
		return nil, err
	}
	if err := validate.Printable("credentialId", in.CredentialID, validate.MaxData); err != nil {
		return nil, err
	}
	if in.VerificationCode == "" || in.CredentialID == "" {
		return nil, apierr.BadRequest("verificationCode and credentialId are required")
	}
	u, err := r.lookup(ctx, in.OrgID, in.Username)
	if err != nil {
		return nil, err
	}
	subject, client := "recovery\x00"+in.OrgID+"\x00"+strings.ToLower(in.Username), clientFrom(ctx)
	if err := r.auth.guard.wait(r.guesses, subject, client); err != nil {
		return nil, err
	}
	hash, expires := "", time.Time{}
	if u != nil {
		if hash, expires, err = r.recovery.RecoveryCode(ctx, u.OrgID, u.ID); err != nil {
			return nil, err
		}
	}
	if u == nil || u.IsServiceAccount || !regcode.Matches(hash, u.ID, in.VerificationCode) || !r.auth.now().Before(expires) {
		r.guesses.Fail(subject, ratelimit.ClientKey(client), r.auth.guard.now())
		return nil, apierr.Unauthorized("Invalid code.")
	}
	r.guesses.Succeed(subject, ratelimit.ClientKey(client))
	return r.recoveryChallenge(ctx, u, in.CredentialID, hash, nil)
}

// DelegatedRecoveryInput is the body of POST /auth/recover/user/delegated.
type DelegatedRecoveryInput struct {
	Username     string `json:"username"`
	CredentialID string `json:"credentialId"`
}

// DelegatedRecoveryInit returns the recovery challenge of a user of the
// caller's organisation without a code (a service account acting for its
// end user; the route needs Auth:Recover:Delegated and a user action).
func (r *People) DelegatedRecoveryInit(ctx context.Context, p *principal.Principal, act store.Consumer, in *DelegatedRecoveryInput) (*RecoveryChallenge, error) {
	if err := validate.Printable("credentialId", in.CredentialID, validate.MaxData); err != nil {
		return nil, err
	}
	u, err := r.lookup(ctx, p.OrgID, in.Username)
	if err != nil {
		return nil, err
	}
	if u == nil || u.IsServiceAccount {
		return nil, apierr.NotFound("user %s not found", in.Username)
	}
	return r.recoveryChallenge(ctx, u, in.CredentialID, "", act)
}

// recoveryChallenge issues the recovery challenge of u for its recovery
// key credID, using up the recovery code whose hash is codeHash if any and
// consuming act if not nil, in one unit of work.
func (r *People) recoveryChallenge(ctx context.Context, u *identity.User, credID, codeHash string, act store.Consumer) (*RecoveryChallenge, error) {
	if !u.IsActive || u.IsArchived || !u.IsRegistered {
		return nil, apierr.BadRequest("User account cannot be recovered.")
	}
	rc, err := r.auth.store.CredentialByCredID(ctx, u.OrgID, credID)
	if err != nil || rc.UserID != u.ID || rc.Kind != credential.KindRecoveryKey || !rc.IsActive {
		return nil, notRecoveryFactor.Wrap(err)
	}
	now := r.auth.now()
	ident, rowID, secretHash := newHandle("ch")
	c := &Challenge{ID: rowID, SecretHash: secretHash, OrgID: u.OrgID, Purpose: PurposeRecovery, UserID: u.ID,
		Challenge: id.Secret(32), Allowed: []string{rc.UUID}, Created: now, ExpiresAt: now.Add(r.auth.cfg.ChallengeTTL)}
	err = store.Run(ctx, r.store, act, func(ctx context.Context) error {
		if codeHash != "" {
			ok, err := r.recovery.ConsumeRecoveryCode(ctx, u.OrgID, u.ID, codeHash, now)
			if err != nil {
				return err
			}
			if !ok {
				return apierr.Unauthorized("Invalid code.")
			}
		}
		return r.auth.store.CreateChallenge(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	out := &RecoveryChallenge{RegistrationChallenge: r.registrationChallenge(u, ident, c.Challenge),
		AllowedRecoveryCredentials: []AllowedRecoveryCredential{{ID: rc.CredID, EncryptedRecoveryKey: rc.EncryptedPrivateKey}}}
	return out, nil
}

// RecoverInput is the body of POST /auth/recover/user; newCredentials is
// kept as sent, for a recovery signature over it.
type RecoverInput struct {
	Recovery       *credential.Assertion `json:"recovery"`
	NewCredentials json.RawMessage       `json:"newCredentials"`
}

// Recover completes a recovery (docs/protocol/recovery.md): the recovery
// key signs either the recovery challenge or the newCredentials object as
// sent; every new credential attests over the challenge. Then every
// previous credential is archived, the PATs revoked, the sessions ended and
// the new credentials stored, together.
func (r *People) Recover(ctx context.Context, tempToken string, in *RecoverInput) (*RegistrationResult, error) {
	if in.Recovery == nil || len(in.NewCredentials) == 0 {
		return nil, apierr.BadRequest("recovery and newCredentials are required")
	}
	if err := checkAssertion("recovery", in.Recovery); err != nil {
		return nil, err
	}
	var creds RegistrationInput
	if err := json.Unmarshal(in.NewCredentials, &creds); err != nil {
		return nil, apierr.BadRequest("newCredentials must be an object of credential attestations")
	}
	if err := creds.checkAt("newCredentials."); err != nil {
		return nil, err
	}
	cid, secretHash, ok := splitHandle(tempToken)
	if !ok {
		return nil, notAuthorized
	}
	a := r.auth
	c, err := a.store.LiveChallenge(ctx, cid, secretHash, PurposeRecovery, a.now())
	if err != nil {
		return nil, notAuthorized.Wrap(err)
	}
	u, err := a.store.User(ctx, c.OrgID, c.UserID)
	if err != nil {
		return nil, notAuthorized.Wrap(err)
	}
	if err := r.verifyRecoverySignature(ctx, c, in); err != nil {
		return nil, err
	}
	newCreds, err := r.attestAll(ctx, u, &creds, c)
	if err != nil {
		return nil, err
	}
	err = r.store.Tx(ctx, func(ctx context.Context) error {
		if _, err := a.store.TakeChallenge(ctx, cid, secretHash, PurposeRecovery, a.now()); err != nil {
			return err
		}
		if err := r.recovery.ResetCredentials(ctx, u.OrgID, u.ID, newCreds[0].UUID); err != nil {
			return err
		}
		for _, cr := range newCreds {
			if err := a.store.CreateCredential(ctx, cr, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result(u, newCreds[0]), nil
}

// verifyRecoverySignature checks the recovery assertion: made by a
// recovery key the challenge allows, over the challenge itself or over the
// newCredentials object of the request (docs/protocol/recovery.md).
func (r *People) verifyRecoverySignature(ctx context.Context, c *Challenge, in *RecoverInput) error {
	ca := in.Recovery.CredentialAssertion
	if ca == nil || in.Recovery.Kind != string(credential.KindRecoveryKey) {
		return apierr.BadRequest("recovery must be a RecoveryKey assertion")
	}
	rc, err := r.auth.store.CredentialByCredID(ctx, c.OrgID, ca.CredID)
	if err != nil || rc.UserID != c.UserID || rc.Kind != credential.KindRecoveryKey || !rc.IsActive ||
		len(c.Allowed) != 1 || c.Allowed[0] != rc.UUID {
		return notRecoveryFactor.Wrap(err)
	}
	cd, err := credential.ParseClientData(ca.ClientData)
	if err != nil {
		return apierr.BadRequest("invalid recovery.credentialAssertion.clientData: %v", err)
	}
	signed := c.Challenge
	if !cd.HasChallenge(c.Challenge) {
		if !sameJSON(cd.Challenge, in.NewCredentials) {
			return apierr.Unauthorized("the recovery signature is over neither this recovery nor these new credentials")
		}
		signed = cd.Challenge
	}
	v, _ := credential.For(credential.KindRecoveryKey)
	_, err = v.Verify(rc, in.Recovery, credential.Expect{Challenge: signed})
	return err
}

// sameJSON reports whether b64 is the base64url of a JSON value equal to
// raw (same members and values, any order and spacing).
func sameJSON(b64 string, raw json.RawMessage) bool {
	signed, err := credential.DecodeB64URL(b64)
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal(signed, &a) != nil || json.Unmarshal(raw, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}
