package client

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/pemkey"
)

// Challenge is the signing challenge returned by POST /auth/action/init and
// POST /auth/login/init (docs/protocol/auth.md §3.1).
type Challenge struct {
	Challenge                 string                    `json:"challenge"`
	ChallengeIdentifier       string                    `json:"challengeIdentifier"`
	AllowCredentials          AllowCredentials          `json:"allowCredentials"`
	SupportedCredentialKinds  []SupportedCredentialKind `json:"supportedCredentialKinds"`
	UserVerification          string                    `json:"userVerification,omitempty"`
	Attestation               string                    `json:"attestation,omitempty"`
	ExternalAuthenticationURL string                    `json:"externalAuthenticationUrl"`
	RP                        *RelyingParty             `json:"rp,omitempty"`
}

// AllowCredentials lists, by kind, the credentials that may sign a challenge.
type AllowCredentials struct {
	Key                  []AllowCredential `json:"key"`
	Webauthn             []AllowCredential `json:"webauthn"`
	PasswordProtectedKey []AllowCredential `json:"passwordProtectedKey,omitempty"`
}

// AllowCredential identifies one credential by its credId.
type AllowCredential struct {
	Type                string   `json:"type"` // "public-key"
	ID                  string   `json:"id"`
	Transports          []string `json:"transports,omitempty"`
	EncryptedPrivateKey string   `json:"encryptedPrivateKey,omitempty"` // passwordProtectedKey entries
}

// SupportedCredentialKind is one entry of a signing challenge's
// supportedCredentialKinds array.
type SupportedCredentialKind struct {
	Kind                 string `json:"kind"`
	Factor               string `json:"factor"` // first, second or either
	RequiresSecondFactor bool   `json:"requiresSecondFactor"`
}

// RelyingParty is the WebAuthn relying party of a challenge.
type RelyingParty struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RegistrationChallenge is a registration-type challenge
// (docs/protocol/auth.md §5.1: registration, delegated registration, recovery) or a
// credential challenge (§5.2: POST /auth/credentials/init, which adds Kind and
// ChallengeIdentifier). Fields a variant lacks are left empty.
type RegistrationChallenge struct {
	Kind                         string                       `json:"kind,omitempty"`
	User                         ChallengeUser                `json:"user"`
	TemporaryAuthenticationToken string                       `json:"temporaryAuthenticationToken,omitempty"`
	ChallengeIdentifier          string                       `json:"challengeIdentifier,omitempty"`
	Challenge                    string                       `json:"challenge,omitempty"`
	RP                           *RelyingParty                `json:"rp,omitempty"`
	SupportedCredentialKinds     *RegistrationCredentialKinds `json:"supportedCredentialKinds,omitempty"`
	AuthenticatorSelection       *AuthenticatorSelection      `json:"authenticatorSelection,omitempty"`
	Attestation                  string                       `json:"attestation,omitempty"`
	PubKeyCredParams             []PubKeyCredParam            `json:"pubKeyCredParams,omitempty"`
	ExcludeCredentials           []AllowCredential            `json:"excludeCredentials,omitempty"`
	OtpURL                       string                       `json:"otpUrl,omitempty"`
	AllowedRecoveryCredentials   []AllowedRecoveryCredential  `json:"allowedRecoveryCredentials,omitempty"`
}

// ChallengeUser is the user a registration challenge is for.
type ChallengeUser struct {
	ID          string `json:"id"` // us-…
	DisplayName string `json:"displayName"`
	Name        string `json:"name"`
}

// RegistrationCredentialKinds is the supportedCredentialKinds object of a
// registration challenge (an object here, an array in signing challenges).
type RegistrationCredentialKinds struct {
	FirstFactor  []string `json:"firstFactor"`
	SecondFactor []string `json:"secondFactor"`
}

// AuthenticatorSelection is passed to WebAuthn credential creation.
type AuthenticatorSelection struct {
	AuthenticatorAttachment string `json:"authenticatorAttachment,omitempty"`
	ResidentKey             string `json:"residentKey"`
	RequireResidentKey      bool   `json:"requireResidentKey"`
	UserVerification        string `json:"userVerification"`
}

// PubKeyCredParam is one WebAuthn algorithm the server accepts.
type PubKeyCredParam struct {
	Type string `json:"type"` // "public-key"
	Alg  int    `json:"alg"`
}

// AllowedRecoveryCredential is a recovery key the user may recover with.
type AllowedRecoveryCredential struct {
	ID                   string `json:"id"`
	EncryptedRecoveryKey string `json:"encryptedRecoveryKey"`
}

// Signer signs login and user-action challenges.
type Signer interface {
	Sign(ctx context.Context, ch *Challenge) (*credential.Assertion, error)
}

// KeySigner signs with a Key credential's private key, as the Dfns Go SDK's
// signer.KeySigner does.
type KeySigner struct {
	CredID string
	Key    *pemkey.PrivateKey
}

var _ Signer = (*KeySigner)(nil)

// NewKeySigner returns a KeySigner for credential credID holding the PEM
// private key (PKCS#8, SEC1 or PKCS#1; Ed25519, P-256, secp256k1 or RSA).
func NewKeySigner(credID, privateKeyPEM string) (*KeySigner, error) {
	if credID == "" {
		return nil, errors.New("key signer: credential id is required")
	}
	k, err := pemkey.ParsePrivate(privateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("key signer: %w", err)
	}
	return &KeySigner{CredID: credID, Key: k}, nil
}

// keyGetClientData is the clientData the Go SDK signs; its members are in the
// order Go writes a map (sorted), as the SDK's map produces
// (docs/protocol/auth.md §3.2).
type keyGetClientData struct {
	Challenge   string `json:"challenge"`
	CrossOrigin bool   `json:"crossOrigin"`
	Type        string `json:"type"`
}

// keyCreateClientData is the clientData of a Key attestation, in the member
// order the SDK's BrowserKeySigner writes (docs/protocol/auth.md §4.2).
type keyCreateClientData struct {
	Type      string `json:"type"`
	Challenge string `json:"challenge"`
}

// Sign answers ch with a Key assertion: clientData
// {"challenge":C,"crossOrigin":false,"type":"key.get"} signed as
// pemkey.PrivateKey.Sign does. It fails if s.CredID is not among the key
// credentials ch allows, as the SDK key signers do.
func (s *KeySigner) Sign(ctx context.Context, ch *Challenge) (*credential.Assertion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ch == nil || ch.Challenge == "" {
		return nil, errors.New("key signer: no challenge to sign")
	}
	allowed := false
	for _, c := range ch.AllowCredentials.Key {
		if c.ID == s.CredID {
			allowed = true
			break
		}
	}
	if !allowed {
		return nil, fmt.Errorf("key signer: credential %s is not among the allowed key credentials", s.CredID)
	}
	clientData, err := json.Marshal(keyGetClientData{Challenge: ch.Challenge, Type: "key.get"})
	if err != nil {
		return nil, err
	}
	sig, err := s.Key.Sign(clientData)
	if err != nil {
		return nil, fmt.Errorf("key signer: %w", err)
	}
	return &credential.Assertion{
		Kind: string(credential.KindKey),
		CredentialAssertion: &credential.CredentialAssertion{
			CredID:     s.CredID,
			ClientData: base64.RawURLEncoding.EncodeToString(clientData),
			Signature:  base64.RawURLEncoding.EncodeToString(sig),
		},
	}, nil
}

// Attest returns the credentialInfo registering s's key for challenge (a
// registration or credential challenge's challenge), per
// docs/protocol/auth.md §4.2: clientData {"type":"key.create","challenge":C}, and attestationData
// {publicKey, signature} where signature is the hex signature over the
// fingerprint of clientData and the SPKI public key PEM.
func (s *KeySigner) Attest(challenge string) (*credential.CredentialInfo, error) {
	if challenge == "" {
		return nil, errors.New("key signer: no challenge to attest")
	}
	clientData, err := json.Marshal(keyCreateClientData{Type: "key.create", Challenge: challenge})
	if err != nil {
		return nil, err
	}
	pub := s.Key.Public().MarshalPEM()
	sig, err := s.Key.Sign(credential.FingerprintBytes(clientData, pub))
	if err != nil {
		return nil, fmt.Errorf("key signer: %w", err)
	}
	attestation, err := json.Marshal(credential.AttestationData{PublicKey: pub, Signature: hex.EncodeToString(sig)})
	if err != nil {
		return nil, err
	}
	return &credential.CredentialInfo{
		CredID:          s.CredID,
		ClientData:      base64.RawURLEncoding.EncodeToString(clientData),
		AttestationData: base64.RawURLEncoding.EncodeToString(attestation),
	}, nil
}
