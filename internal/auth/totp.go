package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
)

// TOTP second factors (docs/protocol/totp.md). A challenge that may
// register a Totp credential (a Totp credential challenge; a registration
// challenge) carries a fresh secret, offered to the user once as its
// otpUrl and kept sealed with the challenge; the credential registered
// over it keeps the same sealed secret. Secrets are sealed under the
// key-encryption key with the org and user as additional data, so a sealed
// secret opens only for its user.

// Sealer seals small secrets at rest; *custody.Keyring is one.
type Sealer interface {
	Seal(plaintext, aad []byte) (kekID string, ciphertext []byte, err error)
	Open(kekID string, ciphertext, aad []byte) ([]byte, error)
}

// SetSealer enables TOTP credentials, whose secrets s seals. Without it a
// Totp challenge is a 400. It must be called before the service is used.
func (s *Service) SetSealer(sl Sealer) { s.sealer = sl }

// totpIssuer labels the secrets in authenticator apps.
const totpIssuer = "Custos"

var errNoTotp = apierr.BadRequest("Totp credentials are not enabled on this server")

func totpAAD(org, userID string) []byte { return []byte("totp/" + org + "/" + userID) }

// offerTotp gives c a new sealed TOTP secret for user account (c's user)
// and returns its otpauth:// URL; "" when TOTP is not enabled.
func (s *Service) offerTotp(c *Challenge, account string) (string, error) {
	if s.sealer == nil {
		return "", nil
	}
	secret, url, err := credential.NewTotpSecret(totpIssuer, account)
	if err != nil {
		return "", err
	}
	defer clear(secret)
	kek, ct, err := s.sealer.Seal(secret, totpAAD(c.OrgID, c.UserID))
	if err != nil {
		return "", err
	}
	c.TotpSecret = kek + "." + base64.RawURLEncoding.EncodeToString(ct)
	return url, nil
}

// openTotp opens the sealed secret of a challenge or credential of user
// userID of org; nil for "".
func (s *Service) openTotp(org, userID, sealed string) ([]byte, error) {
	if sealed == "" {
		return nil, nil
	}
	if s.sealer == nil {
		return nil, errNoTotp
	}
	kek, b64, ok := strings.Cut(sealed, ".")
	ct, err := base64.RawURLEncoding.DecodeString(b64)
	if !ok || err != nil {
		return nil, errors.New("malformed sealed TOTP secret")
	}
	return s.sealer.Open(kek, ct, totpAAD(org, userID))
}

// checkSecondFactor enforces the Totp second factor of a login: a user
// with an active Totp credential (when the login challenge was issued) must send secondFactor {kind: "Totp",
// otpCode} with a code of it not used before (docs/protocol/totp.md).
func (s *Service) checkSecondFactor(ctx context.Context, c *Challenge, a *credential.Assertion) error {
	if c.Kind != string(credential.KindTotp) {
		// The user had no Totp credential when the challenge was issued.
		return nil
	}
	creds, err := s.store.SigningCredentials(ctx, c.OrgID, c.UserID)
	if err != nil {
		return err
	}
	var totp []*credential.Credential
	for _, cr := range creds {
		if cr.Kind == credential.KindTotp && cr.IsActive {
			totp = append(totp, cr)
		}
	}
	if len(totp) == 0 {
		return nil
	}
	if a == nil || a.Kind != string(credential.KindTotp) {
		return apierr.Unauthorized("a Totp second factor is required")
	}
	v, _ := credential.For(credential.KindTotp)
	var last error
	for _, cr := range totp {
		secret, err := s.openTotp(cr.OrgID, cr.UserID, cr.TotpSecret)
		if err != nil {
			return err
		}
		n, err := v.Verify(cr, a, credential.Expect{TotpSecret: secret, Now: s.now()})
		clear(secret)
		if err != nil {
			last = err
			continue
		}
		// The step is raised atomically: a concurrent use of the same code
		// loses (credential.ErrCounterNotIncreasing).
		if err := s.store.SetSignCount(ctx, cr.OrgID, cr.UUID, n); err != nil {
			return apierr.Unauthorized("this otpCode was used already").Wrap(err)
		}
		return nil
	}
	return last
}
