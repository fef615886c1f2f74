// Package id makes object ids in the Dfns look, <prefix>-<5>-<5>-<16> in
// lower-case base-36 (identities.md §1), and opaque random secrets.
package id

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// New returns a fresh id with prefix, e.g. New("us") = "us-2ba0h-lvp2q-8v1860pcj1bh5irf".
func New(prefix string) string {
	var b strings.Builder
	b.Grow(len(prefix) + 28)
	b.WriteString(prefix)
	for _, n := range []int{5, 5, 16} {
		b.WriteByte('-')
		b.WriteString(randBase36(n))
	}
	return b.String()
}

func randBase36(n int) string {
	buf := make([]byte, n)
	var rnd [32]byte
	_, _ = rand.Read(rnd[:n])
	for i := range n {
		// Modulo bias is irrelevant for identifiers, which are not secrets.
		buf[i] = alphabet[int(rnd[i])%36]
	}
	return string(buf)
}

// Secret returns n random bytes encoded base64url without padding, for
// challenges and opaque tokens.
func Secret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Valid reports whether s looks like an id we could have issued with prefix
// (used to answer 404 early for garbage path parameters).
func Valid(prefix, s string) bool {
	if !strings.HasPrefix(s, prefix+"-") || len(s) > 64 {
		return false
	}
	for _, c := range s[len(prefix)+1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}
