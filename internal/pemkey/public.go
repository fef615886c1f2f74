package pemkey

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"math/big"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// PublicKey is a credential public key of one of the four algorithms.
type PublicKey struct {
	algo Algo
	ed   ed25519.PublicKey
	ec   *ecdsa.PublicKey // P-256
	k1   *secp256k1.PublicKey
	rsa  *rsa.PublicKey
}

// ParsePublic parses a PEM public key (docs/protocol/auth.md §4.3): "PUBLIC KEY"
// (SPKI) for all four algorithms, or "RSA PUBLIC KEY" (PKCS#1). It tolerates
// CRLF line ends, surrounding whitespace and a missing final newline, and
// rejects any other block type, RSA keys under 2048 bits, points not on the
// curve, other curves and algorithms, and non-DER or trailing data.
func ParsePublic(pemText string) (*PublicKey, error) {
	block, err := decodePEM(pemText)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PUBLIC KEY":
		return parseSPKI(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, errorf("malformed PKCS#1 RSA public key")
		}
		if again := x509.MarshalPKCS1PublicKey(pub); string(again) != string(block.Bytes) {
			return nil, errorf("PKCS#1 RSA public key is not in canonical DER form")
		}
		return newRSAPublic(pub)
	}
	return nil, errorf("unsupported PEM block type for a public key")
}

// parseSPKI parses SubjectPublicKeyInfo DER.
func parseSPKI(der []byte) (*PublicKey, error) {
	var info subjectPublicKeyInfo
	if err := unmarshalDER(der, &info); err != nil {
		return nil, err
	}
	if isSecp256k1(info.Algorithm) {
		pub, err := parseSecp256k1Point(info.PublicKey)
		if err != nil {
			return nil, err
		}
		return &PublicKey{algo: Secp256k1, k1: pub}, nil
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errorf("unsupported or malformed SPKI public key")
	}
	switch pub := key.(type) {
	case ed25519.PublicKey:
		return &PublicKey{algo: Ed25519, ed: pub}, nil
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return nil, errorf("unsupported EC curve")
		}
		return &PublicKey{algo: P256, ec: pub}, nil
	case *rsa.PublicKey:
		return newRSAPublic(pub)
	}
	return nil, errorf("unsupported public key algorithm")
}

func newRSAPublic(pub *rsa.PublicKey) (*PublicKey, error) {
	if n := pub.N.BitLen(); n < minRSABits || n > maxRSABits {
		return nil, errorf("RSA key size must be between 2048 and 8192 bits")
	}
	return &PublicKey{algo: RSA, rsa: pub}, nil
}

// Algo returns the key's algorithm.
func (k *PublicKey) Algo() Algo { return k.algo }

// Equal reports whether k and o are the same key.
func (k *PublicKey) Equal(o *PublicKey) bool {
	if k == nil || o == nil || k.algo != o.algo {
		return false
	}
	switch k.algo {
	case Ed25519:
		return k.ed.Equal(o.ed)
	case P256:
		return k.ec.Equal(o.ec)
	case Secp256k1:
		return k.k1.IsEqual(o.k1)
	case RSA:
		return k.rsa.Equal(o.rsa)
	}
	return false
}

// MarshalPEM returns the key as an SPKI "PUBLIC KEY" PEM block ending in a
// newline, as Node exports {type:'spki',format:'pem'}.
func (k *PublicKey) MarshalPEM() string {
	var der []byte
	var err error
	switch k.algo {
	case Ed25519:
		der, err = x509.MarshalPKIXPublicKey(k.ed)
	case P256:
		der, err = x509.MarshalPKIXPublicKey(k.ec)
	case Secp256k1:
		der = marshalSecp256k1SPKI(k.k1)
	case RSA:
		der, err = x509.MarshalPKIXPublicKey(k.rsa)
	}
	if err != nil || der == nil {
		panic("pemkey: marshal public key of a parsed key failed") // keys are validated on parse
	}
	return pemText("PUBLIC KEY", der)
}

// Verify checks sig over msg (docs/protocol/auth.md §4.4) and returns nil, ErrVerify
// or ErrUnsupportedDigest.
//
// Ed25519 verifies a raw 64-byte signature over msg and ignores digest. ECDSA
// hashes msg with the digest and accepts a strict DER SEQUENCE{r, s} or a
// 64-byte raw r‖s; high-S values are accepted (docs/protocol/README.md, Decision 6). RSA
// verifies PKCS#1 v1.5 with the digest. digest is "" (SHA-256), "SHA256",
// "RSA-SHA256", "SHA384", "RSA-SHA384", "SHA512" or "RSA-SHA512", in any
// case. When digest is "" and SHA-256 fails for ECDSA or RSA, SHA-384 and then
// SHA-512 are tried, because @dfns/sdk-keysigner does not transmit a custom
// algorithm.
func (k *PublicKey) Verify(msg, sig []byte, digest string) error {
	if k.algo == Ed25519 {
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(k.ed, msg, sig) {
			return ErrVerify
		}
		return nil
	}
	h, explicit, err := digestHash(digest)
	if err != nil {
		return err
	}
	hashes := []crypto.Hash{h}
	if !explicit {
		hashes = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}
	}
	for _, h := range hashes {
		if k.verifyHashed(h, hashOf(h, msg), sig) {
			return nil
		}
	}
	return ErrVerify
}

// verifyHashed reports whether sig is a valid signature of hashed, the h
// digest of a message.
func (k *PublicKey) verifyHashed(h crypto.Hash, hashed, sig []byte) bool {
	switch k.algo {
	case P256:
		if ecdsa.VerifyASN1(k.ec, hashed, sig) {
			return true
		}
		if len(sig) == 64 {
			r := new(big.Int).SetBytes(sig[:32])
			s := new(big.Int).SetBytes(sig[32:])
			return ecdsa.Verify(k.ec, hashed, r, s)
		}
	case Secp256k1:
		if s, err := k1ecdsa.ParseDERSignature(sig); err == nil && s.Verify(hashed, k.k1) {
			return true
		}
		if len(sig) == 64 {
			var r, s secp256k1.ModNScalar
			if r.SetByteSlice(sig[:32]) || s.SetByteSlice(sig[32:]) || r.IsZero() || s.IsZero() {
				return false
			}
			return k1ecdsa.NewSignature(&r, &s).Verify(hashed, k.k1)
		}
	case RSA:
		return rsa.VerifyPKCS1v15(k.rsa, h, hashed, sig) == nil
	}
	return false
}
