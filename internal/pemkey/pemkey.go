// Package pemkey reads, writes, signs and verifies with the four key types a
// Key-family credential may hold (docs/protocol/auth.md §4.3, §4.4): Ed25519, ECDSA
// P-256, ECDSA secp256k1 and RSA of at least 2048 bits.
//
// The standard library handles Ed25519, P-256 and RSA; secp256k1 keys are read
// and written here with encoding/asn1 in the SPKI, PKCS#8 and SEC1 forms Node
// and OpenSSL export, and their curve math is done by
// github.com/decred/dcrd/dcrec/secp256k1/v4.
//
// Errors never contain key or signature bytes.
package pemkey

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"strings"

	// Register the hashes Verify may use.
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Algo names the algorithm family of a key.
type Algo string

// The key algorithms a credential may use.
const (
	Ed25519   Algo = "Ed25519"
	P256      Algo = "P256"
	Secp256k1 Algo = "Secp256k1"
	RSA       Algo = "RSA"
)

// Size limits for RSA keys. The upper bound keeps verification cheap for
// keys supplied by callers.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

var (
	// ErrVerify is returned by Verify when a signature does not verify.
	ErrVerify = errors.New("pemkey: signature does not verify")
	// ErrUnsupportedDigest is returned by Verify for a digest name it does not know.
	ErrUnsupportedDigest = errors.New("pemkey: unsupported digest algorithm")
	// ErrFormat is wrapped by every parse error: the text is not a key this
	// package accepts.
	ErrFormat = errors.New("pemkey: invalid key")
)

// formatError is a parse error with a message that names no key bytes.
type formatError string

func (e formatError) Error() string { return "pemkey: " + string(e) }

func (e formatError) Unwrap() error { return ErrFormat }

func errorf(msg string) error { return formatError(msg) }

// Object identifiers used by the encodings read and written here.
var (
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidP256          = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidSecp256k1     = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
)

// asciiSpace is the whitespace decodePEM tolerates around a PEM block.
const asciiSpace = " \t\r\n"

// decodePEM returns the single PEM block of text. It tolerates CRLF line ends,
// surrounding ASCII whitespace and a missing final newline, and rejects text before
// or after the block, PEM headers (encrypted keys) and more than one block.
func decodePEM(text string) (*pem.Block, error) {
	t := strings.Trim(strings.ReplaceAll(text, "\r\n", "\n"), asciiSpace)
	if !strings.HasPrefix(t, "-----BEGIN ") {
		return nil, errorf("not a PEM block")
	}
	block, rest := pem.Decode([]byte(t + "\n"))
	if block == nil {
		return nil, errorf("malformed PEM block")
	}
	if len(bytes.Trim(rest, asciiSpace)) != 0 {
		return nil, errorf("unexpected data after the PEM block")
	}
	if len(block.Headers) != 0 {
		return nil, errorf("PEM headers are not supported (encrypted key?)")
	}
	return block, nil
}

// digestHash maps a digest name (docs/protocol/auth.md §4.4) to its hash. It
// reports explicit=false for the empty name, which means SHA-256 with the
// SHA-384 and SHA-512 fallback.
func digestHash(name string) (h crypto.Hash, explicit bool, err error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if n == "" {
		return crypto.SHA256, false, nil
	}
	n = strings.TrimPrefix(n, "RSA-")
	n = strings.ReplaceAll(n, "-", "")
	switch n {
	case "SHA256":
		return crypto.SHA256, true, nil
	case "SHA384":
		return crypto.SHA384, true, nil
	case "SHA512":
		return crypto.SHA512, true, nil
	}
	return 0, false, ErrUnsupportedDigest
}

// hashOf returns h(msg).
func hashOf(h crypto.Hash, msg []byte) []byte {
	w := h.New()
	w.Write(msg)
	return w.Sum(nil)
}

// pemText encodes der as a PEM block of the given type.
func pemText(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
