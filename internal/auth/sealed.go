package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
)

// A user-action challenge is not stored: its challengeIdentifier carries
// the challenge itself, authenticated with a key every replica derives
// from the token signing keys they share (docs/protocol/auth.md §3.1,
// "Sealed challenges"). Issuing one costs no write; completing it stores
// the user action, whose id is derived from the challenge's, so the
// primary key still lets each challenge yield one action. Nothing in it is
// secret from its caller (its own token and session ids, the digests of
// its own payload, the ids of its own credentials); the MAC makes it
// unforgeable and unalterable.
//
// The handle is "<challenge id>.<kid>.<state>.<mac>", state and mac in
// unpadded base64url; mac = HMAC-SHA256 under the key derived from the
// signing key kid, over the challenge id and the state.

// sealedState is what a sealed challenge carries.
type sealedState struct {
	Org       string   `json:"o"`
	User      string   `json:"u"`
	Token     string   `json:"t"`
	Session   string   `json:"s"`
	Method    string   `json:"m"`
	Path      string   `json:"p"`
	Payload   string   `json:"ph"`
	Canonical string   `json:"ch"`
	Allowed   []string `json:"a"`
	Challenge string   `json:"c"`
	Kind      string   `json:"k,omitempty"`
	Created   int64    `json:"i"`
	Expires   int64    `json:"e"`
}

// maxSealedHandle bounds the handles parsed: a state lists at most the
// caller's credentials.
const maxSealedHandle = 16 << 10

// challengeMAC derives the challenge MAC key of a token signing key.
func challengeMAC(k SigningKey) []byte {
	m := hmac.New(sha256.New, k.Private.Seed())
	m.Write([]byte("custos/sealed-challenge/v1"))
	return m.Sum(nil)
}

func sealedMAC(key []byte, cid string, state []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(cid))
	m.Write([]byte{0})
	m.Write(state)
	return m.Sum(nil)
}

// sealChallenge returns the handle of challenge c.
func (t *Tokens) sealChallenge(c *Challenge) (string, error) {
	state, err := json.Marshal(sealedState{Org: c.OrgID, User: c.UserID, Token: c.TokenID, Session: c.SessionID,
		Method: c.Method, Path: c.Path, Payload: c.PayloadHash, Canonical: c.CanonicalHash, Allowed: c.Allowed,
		Challenge: c.Challenge, Kind: c.Kind, Created: c.Created.UnixMilli(), Expires: c.ExpiresAt.UnixMilli()})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	mac := sealedMAC(t.macs[t.current.KID], c.ID, state)
	return c.ID + "." + t.current.KID + "." + enc.EncodeToString(state) + "." + enc.EncodeToString(mac), nil
}

// openChallenge returns the challenge of a sealed handle of purpose
// action, live at now; ok is false for a handle that is not sealed (a
// stored challenge's), and err a 400 for a sealed one that is invalid,
// altered or expired.
func (t *Tokens) openChallenge(h string, now time.Time) (c *Challenge, ok bool, err error) {
	parts := strings.Split(h, ".")
	if len(parts) != 4 {
		return nil, false, nil
	}
	invalid := errChallengeInvalid
	key, known := t.macs[parts[1]]
	if len(h) > maxSealedHandle || !known {
		return nil, true, invalid
	}
	enc := base64.RawURLEncoding
	state, err1 := enc.DecodeString(parts[2])
	mac, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || !hmac.Equal(mac, sealedMAC(key, parts[0], state)) {
		return nil, true, invalid
	}
	var s sealedState
	if err := json.Unmarshal(state, &s); err != nil {
		return nil, true, invalid
	}
	exp := time.UnixMilli(s.Expires)
	if !now.Before(exp) {
		return nil, true, invalid
	}
	return &Challenge{ID: parts[0], OrgID: s.Org, Purpose: PurposeAction, UserID: s.User, TokenID: s.Token,
		SessionID: s.Session, Challenge: s.Challenge, Kind: s.Kind, Method: s.Method, Path: s.Path,
		PayloadHash: s.Payload, CanonicalHash: s.Canonical, Allowed: s.Allowed, ExpiresAt: exp,
		Created: time.UnixMilli(s.Created)}, true, nil
}

var errChallengeInvalid = apierr.BadRequest("Challenge token is not valid.")
