package auth

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/strictjson"
)

// A signed payload is not kept: a challenge and its user action carry two
// digests of it, enough to bind the request body to it (docs/protocol/auth.md §3.4) at a fixed
// cost per challenge whatever the payload's size.
//
//   - PayloadHash: hex SHA-256 of the payload bytes as signed (also the
//     audit log's payloadSha256);
//   - CanonicalHash: hex SHA-256 of its canonical JSON form (canonical), so
//     a body with other bytes but the same JSON value still matches.

// payloadDigests returns the two digests of a signed payload, or a 400
// when it is not strict JSON (then a body could match it by meaning other
// than what was signed; an empty payload is for a bodyless call).
func payloadDigests(payload []byte) (raw, canon string, err error) {
	c, err := canonical(payload)
	if err != nil {
		return "", "", apierr.BadRequest("userActionPayload is not strict JSON: %v", err)
	}
	return sha256Hex(payload), sha256Hex(c), nil
}

// matchesPayload reports whether body is the payload with digests raw and
// canon: byte-equal, or else the same JSON value ("" and "{}" are the same
// for a bodyless call). Only a body with other bytes is canonicalised.
func matchesPayload(raw, canon string, body []byte) bool {
	var sum [2 * sha256.Size]byte
	d := sha256.Sum256(body)
	hex.Encode(sum[:], d[:])
	if subtle.ConstantTimeCompare(sum[:], []byte(raw)) == 1 {
		return true
	}
	if canon == "" {
		return false // an action stored before canonical digests
	}
	// A body that is not strict JSON is refused here too: it could decode
	// like the payload and still say something else to another reader.
	c, err := canonical(body)
	if err != nil {
		return false
	}
	d = sha256.Sum256(c)
	hex.Encode(sum[:], d[:])
	return subtle.ConstantTimeCompare(sum[:], []byte(canon)) == 1
}

// canonical returns the canonical form of a strict JSON text (two texts
// have the same one exactly when they decode to equal values, numbers
// compared as written; see strictjson.Canonical). An empty or
// whitespace-only text is "{}", the body of a bodyless call.
func canonical(b []byte) ([]byte, error) {
	if len(bytes.TrimLeft(b, " \t\r\n")) == 0 {
		return []byte("{}"), nil
	}
	return strictjson.Canonical(b)
}

func sha256Hex(b []byte) string {
	d := sha256.Sum256(b)
	return hex.EncodeToString(d[:])
}
