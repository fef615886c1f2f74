package pemkey

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// PrivateKey is a credential private key of one of the four algorithms. It is
// secret: it cannot be compared with == and prints without its material.
type PrivateKey struct {
	_    [0]func() // not comparable
	algo Algo
	ed   ed25519.PrivateKey
	ec   *ecdsa.PrivateKey // P-256
	k1   *secp256k1.PrivateKey
	rsa  *rsa.PrivateKey
}

// Generate returns a new random key of algorithm a (RSA keys have 2048 bits).
func Generate(a Algo) (*PrivateKey, error) {
	switch a {
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{algo: a, ed: priv}, nil
	case P256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{algo: a, ec: priv}, nil
	case Secp256k1:
		priv, err := secp256k1.GeneratePrivateKey()
		if err != nil {
			return nil, err
		}
		return &PrivateKey{algo: a, k1: priv}, nil
	case RSA:
		priv, err := rsa.GenerateKey(rand.Reader, minRSABits)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{algo: a, rsa: priv}, nil
	}
	return nil, errors.New("pemkey: unknown algorithm " + string(a))
}

// ParsePrivate parses a PEM private key: PKCS#8 "PRIVATE KEY" for all four
// algorithms (including Node's secp256k1 and P-256 exports), SEC1 "EC PRIVATE
// KEY" on P-256 or secp256k1, and PKCS#1 "RSA PRIVATE KEY". Encrypted keys
// are rejected.
func ParsePrivate(pemText string) (*PrivateKey, error) {
	block, err := decodePEM(pemText)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PRIVATE KEY":
		return parsePKCS8(block.Bytes)
	case "EC PRIVATE KEY":
		var k ecPrivateKey
		if err := unmarshalDER(block.Bytes, &k); err != nil {
			return nil, err
		}
		switch {
		case k.NamedCurveOID.Equal(oidSecp256k1):
			priv, err := parseSecp256k1SEC1(block.Bytes, nil)
			if err != nil {
				return nil, err
			}
			return &PrivateKey{algo: Secp256k1, k1: priv}, nil
		case k.NamedCurveOID.Equal(oidP256):
			priv, err := x509.ParseECPrivateKey(block.Bytes)
			if err != nil {
				return nil, errorf("malformed EC private key")
			}
			return &PrivateKey{algo: P256, ec: priv}, nil
		}
		return nil, errorf("unsupported EC curve")
	case "RSA PRIVATE KEY":
		priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errorf("malformed PKCS#1 RSA private key")
		}
		return newRSAPrivate(priv)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errorf("encrypted private keys are not supported")
	}
	return nil, errorf("unsupported PEM block type for a private key")
}

// parsePKCS8 parses PKCS#8 / OneAsymmetricKey DER.
func parsePKCS8(der []byte) (*PrivateKey, error) {
	var info privateKeyInfo
	if err := unmarshalDER(der, &info); err != nil {
		return nil, err
	}
	if isSecp256k1(info.Algorithm) {
		if info.Version != 0 && info.Version != 1 {
			return nil, errorf("unsupported PKCS#8 version")
		}
		priv, err := parseSecp256k1SEC1(info.PrivateKey, oidSecp256k1)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{algo: Secp256k1, k1: priv}, nil
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errorf("unsupported or malformed PKCS#8 private key")
	}
	switch priv := key.(type) {
	case ed25519.PrivateKey:
		return &PrivateKey{algo: Ed25519, ed: priv}, nil
	case *ecdsa.PrivateKey:
		if priv.Curve != elliptic.P256() {
			return nil, errorf("unsupported EC curve")
		}
		return &PrivateKey{algo: P256, ec: priv}, nil
	case *rsa.PrivateKey:
		return newRSAPrivate(priv)
	}
	return nil, errorf("unsupported private key algorithm")
}

func newRSAPrivate(priv *rsa.PrivateKey) (*PrivateKey, error) {
	if n := priv.N.BitLen(); n < minRSABits || n > maxRSABits {
		return nil, errorf("RSA key size must be between 2048 and 8192 bits")
	}
	return &PrivateKey{algo: RSA, rsa: priv}, nil
}

// Algo returns the key's algorithm.
func (k *PrivateKey) Algo() Algo { return k.algo }

// String describes the key without its material.
func (k *PrivateKey) String() string { return "pemkey.PrivateKey(" + string(k.algo) + ")" }

// GoString describes the key without its material.
func (k *PrivateKey) GoString() string { return k.String() }

// Public returns the key's public half.
func (k *PrivateKey) Public() *PublicKey {
	switch k.algo {
	case Ed25519:
		return &PublicKey{algo: Ed25519, ed: k.ed.Public().(ed25519.PublicKey)}
	case P256:
		return &PublicKey{algo: P256, ec: &k.ec.PublicKey}
	case Secp256k1:
		return &PublicKey{algo: Secp256k1, k1: k.k1.PubKey()}
	case RSA:
		return &PublicKey{algo: RSA, rsa: &k.rsa.PublicKey}
	}
	return nil
}

// Sign signs msg exactly as the Dfns SDK key signers do
// (docs/protocol/auth.md §3.2): Ed25519 a raw 64-byte signature over msg; ECDSA (P-256 and
// secp256k1) ASN.1 DER over SHA-256(msg); RSA PKCS#1 v1.5 over SHA-256(msg).
func (k *PrivateKey) Sign(msg []byte) ([]byte, error) {
	if k.algo == Ed25519 {
		return ed25519.Sign(k.ed, msg), nil
	}
	h := sha256.Sum256(msg)
	switch k.algo {
	case P256:
		return ecdsa.SignASN1(rand.Reader, k.ec, h[:])
	case Secp256k1:
		return k1ecdsa.Sign(k.k1, h[:]).Serialize(), nil
	case RSA:
		return rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, h[:])
	}
	return nil, errors.New("pemkey: sign with an empty key")
}

// MarshalPEM returns the key as a PKCS#8 "PRIVATE KEY" PEM block, in the
// form Node exports with {type:'pkcs8',format:'pem'}.
func (k *PrivateKey) MarshalPEM() (string, error) {
	var der []byte
	var err error
	switch k.algo {
	case Ed25519:
		der, err = x509.MarshalPKCS8PrivateKey(k.ed)
	case P256:
		der, err = x509.MarshalPKCS8PrivateKey(k.ec)
	case Secp256k1:
		der = marshalSecp256k1PKCS8(k.k1)
	case RSA:
		der, err = x509.MarshalPKCS8PrivateKey(k.rsa)
	default:
		return "", errors.New("pemkey: marshal an empty key")
	}
	if err != nil {
		return "", errors.New("pemkey: marshal private key failed")
	}
	out := pemText("PRIVATE KEY", der)
	clear(der)
	return out, nil
}
