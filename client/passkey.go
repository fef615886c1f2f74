package client

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/custos-dev/custos/internal/credential"
)

// The authenticator data flags a Passkey sets (WebAuthn §6.1).
const (
	FlagUP byte = 0x01 // user present
	FlagUV byte = 0x04 // user verified
	FlagBE byte = 0x08 // backup eligible
	FlagBS byte = 0x10 // backup state
	FlagAT byte = 0x40 // attested credential data included
)

// Passkey is a software WebAuthn authenticator with a browser in front of
// it, for tests: it answers registration and signing challenges exactly
// as @dfns/sdk-browser's WebAuthnSigner does through navigator.credentials
// (docs/protocol/passkeys.md): the challenge string's UTF-8 bytes are the
// WebAuthn challenge (so clientData carries their base64url), user.id is the
// UTF-8 bytes of the user id, and every binary field is unpadded base64url.
// It holds one credential, ES256 (P-256) unless Alg says RS256 or EdDSA.
// The fields after Alg let tests make it misbehave.
type Passkey struct {
	// Origin is the page origin written into clientData.
	Origin string
	// Alg is the COSE algorithm of the credential Create makes: -7 ES256
	// (default), -257 RS256 (RSA-2048) or -8 EdDSA (Ed25519).
	Alg int

	// RPID, when set, is hashed into the authenticator data instead of the
	// challenge's rp.id.
	RPID string
	// Flags are the authenticator data flags of assertions (default UP|UV).
	Flags byte
	// ZeroCounter makes the authenticator report a sign counter of 0
	// always, as synced passkeys do.
	ZeroCounter bool
	// Format is the attestation statement format: "none" (default) or
	// "packed" (self attestation).
	Format string

	mu         sync.Mutex
	key        crypto.Signer
	credID     []byte
	userHandle []byte
	counter    uint32
}

var _ Signer = (*Passkey)(nil)

// NewPasskey returns an authenticator behind a page at origin.
func NewPasskey(origin string) *Passkey { return &Passkey{Origin: origin, Flags: FlagUP | FlagUV} }

// CredID returns the base64url credential id, "" before Create.
func (p *Passkey) CredID() string { return base64.RawURLEncoding.EncodeToString(p.credID) }

// Counter returns the sign counter of the last signature.
func (p *Passkey) Counter() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counter
}

// SetCounter sets the counter the next signature increments.
func (p *Passkey) SetCounter(n uint32) {
	p.mu.Lock()
	p.counter = n
	p.mu.Unlock()
}

// Create makes a new credential for ch (a registration or Fido2 credential
// challenge) and returns the Fido2 attestation's credentialInfo.
func (p *Passkey) Create(ch *RegistrationChallenge) (*credential.CredentialInfo, error) {
	if ch == nil || ch.Challenge == "" || ch.RP == nil {
		return nil, errors.New("passkey: challenge without challenge or rp")
	}
	k, cose, err := newCOSEKey(p.Alg)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.key, p.credID, p.userHandle, p.counter = k, id, []byte(ch.User.ID), 0
	p.mu.Unlock()

	clientData, err := p.clientData("webauthn.create", ch.Challenge)
	if err != nil {
		return nil, err
	}
	authData := p.authData(ch.RP.ID, p.Flags|FlagAT, 0)
	authData = append(authData, make([]byte, 16)...) // AAGUID: zero for attestation none
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(id)))
	authData = append(authData, id...)
	authData = append(authData, cose...)

	stmt := map[string]any{}
	format := p.Format
	if format == "" {
		format = "none"
	}
	if format == "packed" {
		h := sha256.Sum256(clientData)
		sig, err := p.sign(append(append([]byte{}, authData...), h[:]...))
		if err != nil {
			return nil, err
		}
		stmt = map[string]any{"alg": p.alg(), "sig": sig}
	}
	att, err := webauthncbor.Marshal(map[string]any{"fmt": format, "attStmt": stmt, "authData": authData})
	if err != nil {
		return nil, err
	}
	return &credential.CredentialInfo{
		CredID:          p.CredID(),
		ClientData:      base64.RawURLEncoding.EncodeToString(clientData),
		AttestationData: base64.RawURLEncoding.EncodeToString(att),
	}, nil
}

// Sign answers a login or user-action challenge with a Fido2 assertion,
// if the challenge allows this credential.
func (p *Passkey) Sign(ctx context.Context, ch *Challenge) (*credential.Assertion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ch == nil || ch.Challenge == "" || ch.RP == nil {
		return nil, errors.New("passkey: challenge without challenge or rp")
	}
	allowed := false
	for _, c := range ch.AllowCredentials.Webauthn {
		allowed = allowed || c.ID == p.CredID()
	}
	if !allowed || p.key == nil {
		return nil, fmt.Errorf("passkey: credential %s is not among the allowed webauthn credentials", p.CredID())
	}
	clientData, err := p.clientData("webauthn.get", ch.Challenge)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if !p.ZeroCounter {
		p.counter++
	}
	n := p.counter
	p.mu.Unlock()
	authData := p.authData(ch.RP.ID, p.Flags, n)
	h := sha256.Sum256(clientData)
	sig, err := p.sign(append(authData, h[:]...))
	if err != nil {
		return nil, err
	}
	enc := base64.RawURLEncoding.EncodeToString
	return &credential.Assertion{
		Kind: string(credential.KindFido2),
		CredentialAssertion: &credential.CredentialAssertion{
			CredID:            p.CredID(),
			ClientData:        enc(clientData),
			AuthenticatorData: enc(authData),
			Signature:         enc(sig),
			UserHandle:        enc(p.userHandle),
		},
	}, nil
}

// clientData is the browser's clientDataJSON: the challenge is the
// base64url of the challenge string's UTF-8 bytes.
func (p *Passkey) clientData(typ, challenge string) ([]byte, error) {
	return json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, base64.RawURLEncoding.EncodeToString([]byte(challenge)), p.Origin, false})
}

// authData is rpIdHash ‖ flags ‖ counter (WebAuthn §6.1).
func (p *Passkey) authData(rpID string, flags byte, counter uint32) []byte {
	if p.RPID != "" {
		rpID = p.RPID
	}
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, counter)
}

func (p *Passkey) alg() int {
	if p.Alg == 0 {
		return -7
	}
	return p.Alg
}

// newCOSEKey makes a key pair of COSE algorithm alg (0 for ES256) and
// returns it with its COSE_Key encoding (RFC 9053).
func newCOSEKey(alg int) (crypto.Signer, []byte, error) {
	switch alg {
	case 0, -7:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		ecdh, err := k.PublicKey.ECDH()
		if err != nil {
			return nil, nil, err
		}
		pt := ecdh.Bytes() // 0x04 ‖ X ‖ Y
		cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pt[1:33], -3: pt[33:65]})
		return k, cose, err
	case -257:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, nil, err
		}
		e := big.NewInt(int64(k.E)).Bytes()
		cose, err := webauthncbor.Marshal(map[int]any{1: 3, 3: -257, -1: k.N.Bytes(), -2: e})
		return k, cose, err
	case -8:
		pub, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		cose, err := webauthncbor.Marshal(map[int]any{1: 1, 3: -8, -1: 6, -2: []byte(pub)})
		return k, cose, err
	}
	return nil, nil, fmt.Errorf("passkey: unsupported algorithm %d", alg)
}

// sign signs msg as the credential's algorithm does: ES256 (ECDSA P-256,
// SHA-256, DER), RS256 (PKCS#1 v1.5, SHA-256) or EdDSA (pure Ed25519).
func (p *Passkey) sign(msg []byte) ([]byte, error) {
	if _, ok := p.key.(ed25519.PrivateKey); ok {
		return p.key.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	h := sha256.Sum256(msg)
	return p.key.Sign(rand.Reader, h[:], crypto.SHA256)
}
