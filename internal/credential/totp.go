package credential

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/custos-dev/custos/internal/apierr"
)

// TOTP parameters (RFC 6238; docs/protocol/totp.md): HMAC-SHA1, six digits,
// 30-second steps, and one step of clock skew either way.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	totpSkew   = 1
)

// TotpSecretSize is the length of new TOTP secrets (RFC 4226 recommends
// 160 bits).
const TotpSecretSize = 20

// NewTotpSecret returns a fresh TOTP secret and its otpauth:// URL for an
// authenticator app, labelled with issuer and account.
func NewTotpSecret(issuer, account string) (secret []byte, url string, err error) {
	secret = make([]byte, TotpSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, "", err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, Secret: secret})
	if err != nil {
		return nil, "", err
	}
	return secret, key.URL(), nil
}

// TotpStep returns the RFC 6238 time step of t.
func TotpStep(t time.Time) uint64 { return uint64(t.Unix()) / totpPeriod }

// TotpCode returns the code of secret at time step step.
func TotpCode(secret []byte, step uint64) (string, error) {
	return hotp.GenerateCodeCustom(encodeSecret(secret), step, hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
}

// encodeSecret is the base32 form the otp library takes.
func encodeSecret(secret []byte) string {
	return otpBase32.EncodeToString(secret)
}

// totpVerifier serves the Totp kind: a second factor proven by a code of an
// authenticator app. The secret itself is kept sealed by the caller, which
// passes it opened in Expect.TotpSecret.
type totpVerifier struct{}

// Kind returns KindTotp.
func (totpVerifier) Kind() Kind { return KindTotp }

// matchStep returns the time step within the allowed skew of exp.Now whose
// code is code, comparing every candidate in constant time.
func matchStep(code string, exp Expect) (uint64, bool) {
	if len(code) != int(totpDigits) || len(exp.TotpSecret) == 0 {
		return 0, false
	}
	now := exp.Now
	if now.IsZero() {
		now = time.Now()
	}
	step := TotpStep(now)
	var found uint64
	ok := false
	for d := -totpSkew; d <= totpSkew; d++ {
		s := uint64(int64(step) + int64(d))
		want, err := TotpCode(exp.TotpSecret, s)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, ok = s, true
		}
	}
	return found, ok
}

// Register checks credentialInfo.otpCode against the secret of the
// challenge (exp.TotpSecret). The credential's sign counter starts at the
// step used, so that code cannot be used again.
func (totpVerifier) Register(in *Attestation, exp Expect) (*Credential, error) {
	if in == nil {
		return nil, apierr.BadRequest("missing credential attestation")
	}
	if in.CredentialKind != string(KindTotp) {
		return nil, apierr.BadRequest("invalid credentialKind: want %s", KindTotp)
	}
	if len(exp.TotpSecret) == 0 {
		return nil, apierr.BadRequest("this challenge has no TOTP secret (otpUrl): ask for a Totp challenge")
	}
	step, ok := matchStep(in.CredentialInfo.OtpCode, exp)
	if !ok {
		return nil, apierr.Unauthorized("invalid credentialInfo.otpCode")
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, apierr.Internal(err)
	}
	c := &Credential{CredID: "totp-" + b64url(id), Kind: KindTotp, Name: in.CredentialName, SignCount: uint32(step), IsActive: true}
	if c.Name == "" {
		c.Name = DefaultCredentialName
	}
	return c, nil
}

// Verify checks a Totp assertion ({kind, otpCode}) with the secret of cred
// (exp.TotpSecret) and returns the step it matched, which must be later
// than the last one used (cred.SignCount): a code is used once.
func (totpVerifier) Verify(cred *Credential, a *Assertion, exp Expect) (uint32, error) {
	if a == nil {
		return 0, apierr.BadRequest("missing credential assertion")
	}
	if a.Kind != string(KindTotp) {
		return 0, apierr.BadRequest("invalid kind: want %s", KindTotp)
	}
	if cred == nil || cred.Kind != KindTotp {
		return 0, apierr.Unauthorized("credential cannot be used for this challenge")
	}
	step, ok := matchStep(a.OtpCode, exp)
	if !ok {
		return 0, apierr.Unauthorized("invalid otpCode")
	}
	if uint32(step) <= cred.SignCount {
		return 0, apierr.Unauthorized("this otpCode was used already")
	}
	return uint32(step), nil
}

// otpBase32 is RFC 4648 base32 without padding, as otpauth URLs use.
var otpBase32 = base32.StdEncoding.WithPadding(base32.NoPadding)
