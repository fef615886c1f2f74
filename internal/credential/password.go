package credential

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/custos-dev/custos/internal/apierr"
)

// Argon2id parameters of new password hashes (docs/protocol/passwords.md):
// OWASP's minimum of 19 MiB, two passes, one lane.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length bounds, in characters.
const (
	minPassword = 8
	maxPassword = 1024
)

// argonSlots bounds the password hashes computed at once, so that the
// memory they take (argonMemory each) stays bounded whatever the load.
var argonSlots = make(chan struct{}, 2)

// passwordVerifier serves the Password kind: a secret the user knows, kept
// as an Argon2id hash, usable as a login first factor only.
type passwordVerifier struct{}

// Kind returns KindPassword.
func (passwordVerifier) Kind() Kind { return KindPassword }

// Register hashes credentialInfo.password; a Password registration proves
// nothing else and ignores the challenge.
func (passwordVerifier) Register(in *Attestation, _ Expect) (*Credential, error) {
	if in == nil {
		return nil, apierr.BadRequest("missing credential attestation")
	}
	if in.CredentialKind != string(KindPassword) {
		return nil, apierr.BadRequest("invalid credentialKind: want %s", KindPassword)
	}
	pw := in.CredentialInfo.Password
	if n := utf8.RuneCountInString(pw); n < minPassword || n > maxPassword {
		return nil, apierr.BadRequest("invalid credentialInfo.password: between %d and %d characters", minPassword, maxPassword)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, apierr.Internal(err)
	}
	c := &Credential{
		CredID:     "pw-" + b64url(salt[:12]),
		Kind:       KindPassword,
		Name:       in.CredentialName,
		SecretHash: hashPassword(pw, salt, argonTime, argonMemory, argonThreads),
		IsActive:   true,
	}
	if c.Name == "" {
		c.Name = DefaultCredentialName
	}
	return c, nil
}

// hashPassword returns the PHC string of an Argon2id hash of pw.
func hashPassword(pw string, salt []byte, t, m uint32, p uint8) string {
	argonSlots <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, t, m, p, argonKeyLen)
	<-argonSlots
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// checkPassword reports whether pw matches the PHC string stored.
func checkPassword(stored, pw string) (bool, error) {
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("not an argon2id hash")
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("unknown argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 10 || p == 0 {
		return false, errors.New("bad argon2 parameters")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(hashPassword(pw, salt, t, m, p)), []byte(stored)) == 1, nil
}

// Verify checks a Password assertion ({kind, password}) against cred.
func (passwordVerifier) Verify(cred *Credential, a *Assertion, _ Expect) (uint32, error) {
	if a == nil {
		return 0, apierr.BadRequest("missing credential assertion")
	}
	if a.Kind != string(KindPassword) {
		return 0, apierr.BadRequest("invalid kind: want %s", KindPassword)
	}
	if a.Password == "" || utf8.RuneCountInString(a.Password) > maxPassword {
		return 0, apierr.BadRequest("invalid password: between 1 and %d characters", maxPassword)
	}
	if cred == nil || cred.Kind != KindPassword || cred.SecretHash == "" {
		return 0, apierr.Unauthorized("credential cannot be used for this challenge")
	}
	ok, err := checkPassword(cred.SecretHash, a.Password)
	if err != nil {
		return 0, apierr.Internal(fmt.Errorf("stored password hash of credential %s: %w", cred.UUID, err))
	}
	if !ok {
		return 0, apierr.Unauthorized("password is not valid")
	}
	return cred.SignCount, nil
}
