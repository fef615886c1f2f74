package credential

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/pemkey"
)

// The clientData types of Key-family credentials (docs/protocol/auth.md §3.3,
// §4.2).
const (
	typeKeyCreate = "key.create"
	typeKeyGet    = "key.get"
)

// DefaultCredentialName names a credential registered without a name.
const DefaultCredentialName = "Default Credential"

// keyVerifier serves the Key, PasswordProtectedKey and RecoveryKey kinds: an
// asymmetric key pair held by the client, proven by signing (docs/protocol/auth.md §4.2, §4.4).
type keyVerifier struct {
	kind Kind
}

// Kind returns the kind this verifier serves.
func (v keyVerifier) Kind() Kind { return v.kind }

// AttestationData is the decoded credentialInfo.attestationData of a
// Key-family registration (docs/protocol/auth.md §4.2).
type AttestationData struct {
	PublicKey string `json:"publicKey"`
	Signature string `json:"signature"` // hex
	Algorithm string `json:"algorithm,omitempty"`
}

// Fingerprint is the object a Key-family registration signs: compact JSON
// with these two members in this order (docs/protocol/auth.md §4.2).
type Fingerprint struct {
	ClientDataHash string `json:"clientDataHash"` // hex SHA-256 of the raw clientData bytes
	PublicKey      string `json:"publicKey"`      // the PEM exactly as sent
}

// FingerprintBytes returns the exact bytes a Key-family registration signs
// for the raw clientData bytes and the public key PEM as sent.
func FingerprintBytes(clientData []byte, publicKeyPEM string) []byte {
	h := sha256.Sum256(clientData)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // JSON.stringify does not escape <, > and &
	if err := enc.Encode(Fingerprint{ClientDataHash: hex.EncodeToString(h[:]), PublicKey: publicKeyPEM}); err != nil {
		panic("credential: marshal fingerprint: " + err.Error()) // two strings: cannot fail
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// badField returns a 400 naming the malformed field; reason is ours and safe
// to show.
func badField(field string, reason error) *apierr.Error {
	return apierr.BadRequest("invalid %s: %v", field, reason)
}

// Register checks a Key-family registration (docs/protocol/auth.md §4.2): the
// clientData is of type key.create and carries exp.Challenge; the
// attestationData public key signed the fingerprint of the clientData. All
// input is checked for form (400) before the challenge and signature (401).
func (v keyVerifier) Register(in *Attestation, exp Expect) (*Credential, error) {
	if in == nil {
		return nil, apierr.BadRequest("missing credential attestation")
	}
	if in.CredentialKind != string(v.kind) {
		return nil, apierr.BadRequest("invalid credentialKind: want %s", v.kind)
	}
	info := in.CredentialInfo
	if info.CredID == "" {
		return nil, apierr.BadRequest("invalid credentialInfo.credId: missing")
	}
	cd, err := ParseClientData(info.ClientData)
	if err != nil {
		return nil, badField("credentialInfo.clientData", err)
	}
	if cd.Type != typeKeyCreate {
		return nil, badField("credentialInfo.clientData", errors.New("type must be "+typeKeyCreate))
	}
	att, err := parseAttestationData(info.AttestationData)
	if err != nil {
		return nil, badField("credentialInfo.attestationData", err)
	}
	pub, err := pemkey.ParsePublic(att.PublicKey)
	if err != nil {
		return nil, badField("credentialInfo.attestationData.publicKey", err)
	}
	sig, err := hex.DecodeString(att.Signature)
	if err != nil || len(sig) == 0 {
		return nil, badField("credentialInfo.attestationData.signature", errors.New("not hex"))
	}
	if v.kind == KindPasswordProtectedKey && in.EncryptedPrivateKey == "" {
		return nil, apierr.BadRequest("invalid encryptedPrivateKey: required for %s", v.kind)
	}
	if !cd.HasChallenge(exp.Challenge) {
		return nil, apierr.Unauthorized("credential challenge does not match")
	}
	switch err := pub.Verify(FingerprintBytes(cd.Raw, att.PublicKey), sig, att.Algorithm); {
	case errors.Is(err, pemkey.ErrUnsupportedDigest):
		return nil, badField("credentialInfo.attestationData.algorithm", errors.New("unsupported algorithm"))
	case err != nil:
		return nil, apierr.Unauthorized("credential attestation signature is not valid")
	}
	c := &Credential{
		CredID:    info.CredID,
		Kind:      v.kind,
		Name:      in.CredentialName,
		PublicKey: att.PublicKey,
		Algorithm: att.Algorithm,
		IsActive:  true,
	}
	if c.Name == "" {
		c.Name = DefaultCredentialName
	}
	if v.kind != KindKey {
		c.EncryptedPrivateKey = in.EncryptedPrivateKey
	}
	return c, nil
}

// parseAttestationData decodes base64url JSON attestationData.
func parseAttestationData(b64 string) (*AttestationData, error) {
	raw, err := DecodeB64URL(b64)
	if err != nil {
		return nil, err
	}
	var att AttestationData
	if err := json.Unmarshal(raw, &att); err != nil {
		return nil, errors.New("not a JSON object with string publicKey, signature and algorithm")
	}
	if att.PublicKey == "" || att.Signature == "" {
		return nil, errors.New("publicKey and signature are required")
	}
	return &att, nil
}

// Verify checks a Key-family assertion (docs/protocol/auth.md §3.3 steps 5–6): it
// names cred, its clientData is of type key.get and carries exp.Challenge,
// and its signature over the raw clientData bytes verifies with cred's public
// key using the assertion's algorithm, else the registered one, else the key
// type's default (docs/protocol/auth.md §4.4).
func (v keyVerifier) Verify(cred *Credential, a *Assertion, exp Expect) (uint32, error) {
	if a == nil {
		return 0, apierr.BadRequest("missing credential assertion")
	}
	if a.Kind != string(v.kind) {
		return 0, apierr.BadRequest("invalid kind: want %s", v.kind)
	}
	ca := a.CredentialAssertion
	if ca == nil {
		return 0, apierr.BadRequest("invalid credentialAssertion: missing")
	}
	cd, err := ParseClientData(ca.ClientData)
	if err != nil {
		return 0, badField("credentialAssertion.clientData", err)
	}
	if cd.Type != typeKeyGet {
		return 0, badField("credentialAssertion.clientData", errors.New("type must be "+typeKeyGet))
	}
	sig, err := DecodeB64URL(ca.Signature)
	if err != nil || len(sig) == 0 {
		return 0, badField("credentialAssertion.signature", errNotB64URL)
	}
	if cred == nil || cred.Kind != v.kind || ca.CredID != cred.CredID {
		return 0, apierr.Unauthorized("credential cannot be used for this challenge")
	}
	pub, err := parsedKey(cred.PublicKey)
	if err != nil {
		return 0, apierr.Internal(fmt.Errorf("stored public key of credential %s: %w", cred.UUID, err))
	}
	if !cd.HasChallenge(exp.Challenge) {
		return 0, apierr.Unauthorized("credential challenge does not match")
	}
	digest := ca.Algorithm
	if digest == "" {
		digest = cred.Algorithm
	}
	switch err := pub.Verify(cd.Raw, sig, digest); {
	case errors.Is(err, pemkey.ErrUnsupportedDigest):
		return 0, badField("credentialAssertion.algorithm", errors.New("unsupported algorithm"))
	case err != nil:
		return 0, apierr.Unauthorized("credential signature is not valid")
	}
	return cred.SignCount, nil
}

// parsed remembers the stored public keys already parsed: a credential's
// PEM never changes, and parsing it on every assertion cost more than the
// hash of the clientData.
var (
	parsedMu sync.RWMutex
	parsed   = map[string]*pemkey.PublicKey{}
)

// maxParsed bounds the parsed-key memo.
const maxParsed = 10000

func parsedKey(pemText string) (*pemkey.PublicKey, error) {
	parsedMu.RLock()
	k, ok := parsed[pemText]
	parsedMu.RUnlock()
	if ok {
		return k, nil
	}
	k, err := pemkey.ParsePublic(pemText)
	if err != nil {
		return nil, err
	}
	parsedMu.Lock()
	if len(parsed) >= maxParsed {
		clear(parsed)
	}
	parsed[pemText] = k
	parsedMu.Unlock()
	return k, nil
}
