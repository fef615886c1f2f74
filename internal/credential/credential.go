// Package credential registers and verifies user credentials: the proofs a
// client sends when it registers a credential (attestations) and when it
// signs a login or user-action challenge with one (assertions), per
// docs/protocol/auth.md §3.2, §3.3, §4 and §5.
//
// Each credential kind is served by one Verifier; all of them are listed in
// the registry in this file, so a new kind (passkeys via go-webauthn) slots in
// with one file and one registry line.
package credential

import (
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
)

// Kind is a credential kind (docs/protocol/auth.md §4.1).
type Kind string

// The credential kinds of the Dfns API.
const (
	KindFido2                Kind = "Fido2"
	KindKey                  Kind = "Key"
	KindPassword             Kind = "Password"
	KindTotp                 Kind = "Totp"
	KindRecoveryKey          Kind = "RecoveryKey"
	KindPasswordProtectedKey Kind = "PasswordProtectedKey"
)

// ParseKind returns the Kind named s, or a 400 error for an unknown kind.
// Kinds are case-sensitive, as in the SDKs.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindFido2, KindKey, KindPassword, KindTotp, KindRecoveryKey, KindPasswordProtectedKey:
		return k, nil
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "", apierr.BadRequest("unknown credential kind %q", s)
}

// Credential is a stored credential.
type Credential struct {
	UUID                string // server id, cr-…
	OrgID, UserID       string
	CredID              string // client-chosen id, compared verbatim
	Kind                Kind
	Name                string
	PublicKey           string // PEM exactly as received
	Algorithm           string // attestationData.algorithm, may be ""
	EncryptedPrivateKey string // PasswordProtectedKey and RecoveryKey only; opaque
	SecretHash          string // Password only: the Argon2id hash (PHC string); never shown
	TotpSecret          string // Totp only: the sealed secret (auth seals it); never shown
	RelyingPartyID      string
	Origin              string
	SignCount           uint32
	IsActive            bool
	DateCreated         time.Time
	// WebAuthn holds what a Fido2 credential needs besides PublicKey.
	WebAuthn WebAuthnData
}

// WebAuthnData is the stored part of a Fido2 credential
// (docs/protocol/passkeys.md): the COSE public key the signatures are
// checked with, and the facts its authenticator reported at registration.
type WebAuthnData struct {
	COSEKey           []byte
	AAGUID            string // canonical UUID text; all zero for attestation none
	Transports        []string
	BackupEligible    bool
	BackupState       bool
	AttestationFormat string
}

// Assertion is a signed challenge as the SDKs send it in firstFactor,
// secondFactor or recovery (docs/protocol/auth.md §3.2).
type Assertion struct {
	Kind                string               `json:"kind"`
	CredentialAssertion *CredentialAssertion `json:"credentialAssertion,omitempty"`
	Password            string               `json:"password,omitempty"`
	OtpCode             string               `json:"otpCode,omitempty"`
}

// CredentialAssertion is the signature part of a Key, PasswordProtectedKey,
// RecoveryKey or Fido2 assertion.
type CredentialAssertion struct {
	CredID            string `json:"credId"`
	ClientData        string `json:"clientData"`
	Signature         string `json:"signature"`
	AuthenticatorData string `json:"authenticatorData,omitempty"`
	UserHandle        string `json:"userHandle,omitempty"`
	Algorithm         string `json:"algorithm,omitempty"`
}

// Attestation is a credential registration proof (docs/protocol/auth.md §4.2,
// docs/protocol/identities.md §7).
type Attestation struct {
	CredentialKind      string         `json:"credentialKind"`
	CredentialInfo      CredentialInfo `json:"credentialInfo"`
	EncryptedPrivateKey string         `json:"encryptedPrivateKey,omitempty"`
	CredentialName      string         `json:"credentialName,omitempty"`
}

// CredentialInfo is the kind-specific part of an Attestation.
type CredentialInfo struct {
	CredID          string `json:"credId,omitempty"`
	ClientData      string `json:"clientData,omitempty"`
	AttestationData string `json:"attestationData,omitempty"`
	Password        string `json:"password,omitempty"`
	OtpCode         string `json:"otpCode,omitempty"`
}

// Expect is what the server expects of a signed challenge.
type Expect struct {
	// Challenge is the challenge issued to the client.
	Challenge string
	// RPID, Origins and UserVerification apply to Fido2 only.
	RPID             string
	Origins          []string
	UserVerification string
	// TotpSecret is the opened secret of a Totp challenge or credential;
	// Now is the time codes are checked at (zero: the clock).
	TotpSecret []byte
	Now        time.Time
}

// Verifier registers and verifies the credentials of one kind.
type Verifier interface {
	// Kind returns the kind this verifier serves.
	Kind() Kind
	// Register checks a registration proof against exp and returns the
	// credential to store, with CredID, Kind, Name, PublicKey, Algorithm and
	// EncryptedPrivateKey filled; UUID, OrgID and UserID are left for the
	// caller.
	Register(in *Attestation, exp Expect) (*Credential, error)
	// Verify checks an assertion made with cred against exp and returns the
	// new sign counter (Fido2) or cred.SignCount. It does not check that cred
	// is active or allowed for the challenge: the caller does.
	Verify(cred *Credential, a *Assertion, exp Expect) (uint32, error)
}

// verifiers lists every credential kind this server can register and verify.
var verifiers = registry(
	fido2Verifier{},
	passwordVerifier{},
	totpVerifier{},
	keyVerifier{kind: KindKey},
	keyVerifier{kind: KindPasswordProtectedKey},
	keyVerifier{kind: KindRecoveryKey},
)

func registry(vs ...Verifier) map[Kind]Verifier {
	m := make(map[Kind]Verifier, len(vs))
	for _, v := range vs {
		if _, dup := m[v.Kind()]; dup {
			panic(fmt.Sprintf("credential: two verifiers for kind %s", v.Kind()))
		}
		m[v.Kind()] = v
	}
	return m
}

// For returns the verifier of kind k and reports whether there is one.
func For(k Kind) (Verifier, bool) {
	v, ok := verifiers[k]
	return v, ok
}
