// Package id makes object ids in the Dfns look, <prefix>-<5>-<5>-<16> in
// lower-case base-36 (docs/protocol/identities.md §1), and opaque random secrets.
package id

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// New returns a fresh id with prefix, e.g. New("us") = "us-0mgx5-q2c1a-8v1860pcj1bh5irf".
// The first ten characters encode the creation time in milliseconds, so ids
// sort by creation and new rows append to the end of their B-tree indexes
// (far fewer pages written per insert than with random keys); the last 16
// are random (82 bits), so ids stay unguessable and unique.
func New(prefix string) string {
	var b strings.Builder
	b.Grow(len(prefix) + 28)
	b.WriteString(prefix)
	ts := base36(uint64(time.Now().UnixMilli()), 10)
	b.WriteByte('-')
	b.WriteString(ts[:5])
	b.WriteByte('-')
	b.WriteString(ts[5:])
	b.WriteByte('-')
	b.WriteString(randBase36(16))
	return b.String()
}

// base36 renders v in exactly n base-36 digits (zero-padded).
func base36(v uint64, n int) string {
	buf := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		buf[i] = alphabet[v%36]
		v /= 36
	}
	return string(buf)
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

// Floor returns the smallest id New(prefix) can make at or after t: every id
// of prefix made before t sorts below it, every one made at t or later
// sorts at or above it. Stores use it to turn time ranges into id ranges.
func Floor(prefix string, t time.Time) string {
	ms := t.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	ts := base36(uint64(ms), 10)
	return prefix + "-" + ts[:5] + "-" + ts[5:]
}
