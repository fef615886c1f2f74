// Package regcode makes and checks the registration codes of invited users
// (docs/protocol/registration.md, "Registration codes"): 16 random digits in
// four groups, valid for four hours, used once. Only a salted hash is
// stored; the code itself goes out by email and is never logged.
package regcode

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"math/big"
	"strings"
	"time"
)

// TTL is how long a registration code stays valid.
const TTL = 4 * time.Hour

// New returns a fresh code, e.g. "4821-0937-5512-7764" (about 53 bits).
func New() string {
	var b strings.Builder
	for i := 0; i < 4; i++ {
		if i > 0 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, big.NewInt(10000))
		if err != nil {
			panic("regcode: crypto/rand failed: " + err.Error())
		}
		s := n.String()
		b.WriteString(strings.Repeat("0", 4-len(s)) + s)
	}
	return b.String()
}

// normalize drops the separators a person may type differently.
func normalize(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, code)
}

// Hash is what is stored for code issued to user userID.
func Hash(userID, code string) string {
	h := sha256.Sum256([]byte("custos registration code\x00" + userID + "\x00" + normalize(code)))
	return hex.EncodeToString(h[:])
}

// Matches reports whether code is the one whose hash for userID is stored;
// the comparison takes the same time wherever they differ.
func Matches(stored, userID, code string) bool {
	if stored == "" || code == "" || len(code) > 64 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(stored), []byte(Hash(userID, code))) == 1
}

// Mail returns the subject and plain text of the email carrying code to
// username; the code is on a line of its own: "Registration code: <code>".
func Mail(username, code string, expires time.Time) (subject, text string) {
	return "Your Custos registration code",
		"Hello " + username + ",\n\n" +
			"You have been invited to Custos. Register with this code:\n\n" +
			"Registration code: " + code + "\n\n" +
			"It can be used once, until " + expires.UTC().Format("2006-01-02 15:04 MST") + ".\n"
}
