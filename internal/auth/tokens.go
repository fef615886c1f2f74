package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/custos-dev/custos/internal/apierr"
)

// AppMetadata is the Dfns custom claim object (docs/protocol/auth.md §7;
// docs/protocol/README.md, Decision 4): TS reads orgId from it.
type AppMetadata struct {
	OrgID     string `json:"orgId"`
	UserID    string `json:"userId"`
	TokenKind string `json:"tokenKind"`
	TokenID   string `json:"tokenId,omitempty"`
}

// Claims are the claims of every bearer token Custos issues.
type Claims struct {
	jwt.RegisteredClaims
	App      AppMetadata `json:"https://custom/app_metadata"`
	Username string      `json:"https://custom/username,omitempty"`
	// SessionGen is the user's session generation when a login token was
	// issued; a logout of all sessions moves the user past it.
	SessionGen int64 `json:"https://custom/session_gen,omitempty"`
	// digest is the SHA-256 of the token string, set by Parse: long-lived
	// tokens are stored only as its hex.
	digest [32]byte
}

// SigningKey is one Ed25519 token signing key.
type SigningKey struct {
	KID     string
	Private ed25519.PrivateKey
}

// Tokens issues and verifies EdDSA JWTs. The newest key signs; all verify.
// Verified tokens are remembered (by SHA-256 of the string) until they
// expire, so a token's signature is checked once, not on every request;
// revocation is still checked on every request by the caller.
type Tokens struct {
	issuer  string
	current SigningKey
	public  map[string]ed25519.PublicKey
	parser  *jwt.Parser
	// macs are the keys of sealed challenges, by signing key (sealed.go).
	macs map[string][]byte

	mu       sync.Mutex
	verified map[[32]byte]*Claims
}

// maxVerified bounds the verified-token cache.
const maxVerified = 20000

// NewTokens returns a token service signing with keys[0].
func NewTokens(issuer string, keys []SigningKey) (*Tokens, error) {
	if len(keys) == 0 {
		return nil, errors.New("no token signing key")
	}
	t := &Tokens{issuer: issuer, current: keys[0], public: map[string]ed25519.PublicKey{}, verified: map[[32]byte]*Claims{},
		macs: map[string][]byte{}}
	for _, k := range keys {
		t.public[k.KID] = k.Private.Public().(ed25519.PublicKey)
		t.macs[k.KID] = challengeMAC(k)
	}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(issuer),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithStrictDecoding(),
	)
	return t, nil
}

// Issue signs c, filling iss, iat, exp (now+ttl) and sub.
func (t *Tokens) Issue(c Claims, ttl time.Duration) (string, error) {
	now := time.Now()
	c.Issuer = t.issuer
	c.Subject = c.App.UserID
	c.Audience = jwt.ClaimStrings{"custos-api"}
	c.IssuedAt = jwt.NewNumericDate(now)
	c.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = t.current.KID
	return tok.SignedString(t.current.Private)
}

// Parse verifies s (signature by a known key, alg EdDSA only, issuer, expiry)
// and returns its claims. Any failure is a 401 that says nothing more.
func (t *Tokens) Parse(s string) (*Claims, error) {
	h := sha256.Sum256([]byte(s))
	now := time.Now()
	t.mu.Lock()
	c, ok := t.verified[h]
	t.mu.Unlock()
	if ok && c.ExpiresAt != nil && now.Before(c.ExpiresAt.Time) {
		cp := *c
		cp.digest = h
		return &cp, nil
	}
	c, err := t.parse(s)
	if err != nil {
		return nil, err
	}
	t.remember(h, c, now)
	cp := *c
	cp.digest = h
	return &cp, nil
}

func (t *Tokens) remember(h [32]byte, c *Claims, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.verified) >= maxVerified {
		for k, v := range t.verified {
			if !now.Before(v.ExpiresAt.Time) {
				delete(t.verified, k)
			}
		}
		if len(t.verified) >= maxVerified {
			clear(t.verified)
		}
	}
	t.verified[h] = c
}

func (t *Tokens) parse(s string) (*Claims, error) {
	var c Claims
	_, err := t.parser.ParseWithClaims(s, &c, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		pub, ok := t.public[kid]
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return pub, nil
	})
	if err != nil {
		return nil, apierr.Unauthorized("Not Authorized.").Wrap(err)
	}
	if c.App.OrgID == "" || c.App.UserID == "" {
		return nil, apierr.Unauthorized("Not Authorized.")
	}
	return &c, nil
}

// JWKS returns the public keys as a JSON Web Key Set (RFC 8037 OKP keys).
func (t *Tokens) JWKS() []byte {
	type jwk struct {
		Kty string `json:"kty"`
		Crv string `json:"crv"`
		X   string `json:"x"`
		Kid string `json:"kid"`
		Use string `json:"use"`
		Alg string `json:"alg"`
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	for kid, pub := range t.public {
		set.Keys = append(set.Keys, jwk{"OKP", "Ed25519", base64.RawURLEncoding.EncodeToString(pub), kid, "sig", "EdDSA"})
	}
	b, _ := json.Marshal(set)
	return b
}
