package credential

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// errNotB64URL is the reason DecodeB64URL gives for any bad input.
var errNotB64URL = errors.New("not base64url")

// DecodeB64URL decodes RFC 4648 §5 base64url, with or without '=' padding
// (docs/protocol/auth.md §4.5). The standard alphabet ('+', '/'), line breaks and
// non-zero trailing bits are rejected, so each byte string has exactly one
// accepted unpadded spelling.
func DecodeB64URL(s string) ([]byte, error) {
	body := strings.TrimRight(s, "=")
	if pad := len(s) - len(body); pad > 0 && (pad > 2 || len(s)%4 != 0) {
		return nil, errNotB64URL
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, errNotB64URL
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil {
		return nil, errNotB64URL
	}
	return b, nil
}

// b64url encodes b as unpadded base64url, as the SDKs do.
func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// ClientData is the decoded clientData of an attestation or assertion.
type ClientData struct {
	Type      string // key.create, key.get, webauthn.create, webauthn.get
	Challenge string
	Origin    string // optional; "" when absent
	Raw       []byte // the decoded bytes: what was signed or hashed
}

// ParseClientData decodes base64url clientData and reads its JSON object.
// type and challenge must be non-empty strings and origin, if present, a
// string; member names are matched exactly and other members are ignored
// (docs/protocol/auth.md §3.3 step 5: no byte template, any key order).
func ParseClientData(b64 string) (*ClientData, error) {
	raw, err := DecodeB64URL(b64)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	c := &ClientData{Raw: raw}
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"type", &c.Type, true},
		{"challenge", &c.Challenge, true},
		{"origin", &c.Origin, false},
	} {
		v, ok := m[f.name]
		if !ok {
			if f.required {
				return nil, errors.New(f.name + " is missing")
			}
			continue
		}
		if err := json.Unmarshal(v, f.dst); err != nil || v[0] != '"' {
			return nil, errors.New(f.name + " is not a string")
		}
		if f.required && *f.dst == "" {
			return nil, errors.New(f.name + " is empty")
		}
	}
	return c, nil
}

// HasChallenge reports whether the clientData challenge is challenge itself
// or the base64url of its UTF-8 bytes (docs/protocol/auth.md §3.3 step 5). The
// comparison takes time independent of where the strings differ.
func (c *ClientData) HasChallenge(challenge string) bool {
	if challenge == "" || c.Challenge == "" {
		return false
	}
	got := []byte(c.Challenge)
	plain := subtle.ConstantTimeCompare(got, []byte(challenge))
	encoded := subtle.ConstantTimeCompare(got, []byte(b64url([]byte(challenge))))
	return plain|encoded == 1
}
