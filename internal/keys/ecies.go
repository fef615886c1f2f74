package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// The public-key encryption of Dfns key import and export, as implemented
// by dfns/trusted-dealer common/src/encryption.rs (VERSION 1):
//
//   - an encryption key is the byte 0x01 followed by a 33-byte compressed
//     secp256k1 point, base64 (standard, padded) on the wire;
//   - encrypt: a random ephemeral scalar e; the AES-256-GCM key is
//     HKDF-SHA256(salt "DFNS_KEY_IMPORT", ikm = compressed(e·P), info
//     "ENCRYPTION_KEY"), the nonce twelve zero bytes (safe: the key is new
//     for every message); the ciphertext is GCM(plaintext, aad) followed by
//     the 33-byte compressed e·G.
const (
	eciesVersion  = 1
	eciesSalt     = "DFNS_KEY_IMPORT"
	eciesInfo     = "ENCRYPTION_KEY"
	compressedLen = 33
)

var errDecrypt = errors.New("keys: ciphertext does not decrypt")

// parseEncryptionKey parses a base64 Dfns encryption key.
func parseEncryptionKey(s string) (*secp256k1.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("encryptionKey must be base64")
	}
	if len(b) != 1+compressedLen || b[0] != eciesVersion {
		return nil, fmt.Errorf("encryptionKey must be version %d followed by a compressed secp256k1 point", eciesVersion)
	}
	pub, err := secp256k1.ParsePubKey(b[1:])
	if err != nil {
		return nil, errors.New("encryptionKey is not a valid secp256k1 point")
	}
	return pub, nil
}

// encodeEncryptionKey renders pub as a base64 Dfns encryption key.
func encodeEncryptionKey(pub *secp256k1.PublicKey) string {
	return base64.StdEncoding.EncodeToString(append([]byte{eciesVersion}, pub.SerializeCompressed()...))
}

// ecdh returns compressed(k·P).
func ecdh(k *secp256k1.ModNScalar, pub *secp256k1.PublicKey) []byte {
	var p, r secp256k1.JacobianPoint
	pub.AsJacobian(&p)
	secp256k1.ScalarMultNonConst(k, &p, &r)
	r.ToAffine()
	return secp256k1.NewPublicKey(&r.X, &r.Y).SerializeCompressed()
}

func eciesAEAD(shared []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, shared, []byte(eciesSalt), eciesInfo, 32)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// eciesEncrypt encrypts plaintext to pub.
func eciesEncrypt(pub *secp256k1.PublicKey, plaintext, aad []byte) ([]byte, error) {
	eph, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		return nil, err
	}
	defer eph.Zero()
	shared := ecdh(&eph.Key, pub)
	defer clear(shared)
	aead, err := eciesAEAD(shared)
	if err != nil {
		return nil, err
	}
	out := aead.Seal(nil, make([]byte, aead.NonceSize()), plaintext, aad)
	return append(out, eph.PubKey().SerializeCompressed()...), nil
}

// eciesDecrypt decrypts ct with the secret scalar priv.
func eciesDecrypt(priv *secp256k1.ModNScalar, ct, aad []byte) ([]byte, error) {
	if len(ct) < compressedLen+16 {
		return nil, errDecrypt
	}
	eph, err := secp256k1.ParsePubKey(ct[len(ct)-compressedLen:])
	if err != nil {
		return nil, errDecrypt
	}
	shared := ecdh(priv, eph)
	defer clear(shared)
	aead, err := eciesAEAD(shared)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, make([]byte, aead.NonceSize()), ct[:len(ct)-compressedLen], aad)
	if err != nil {
		return nil, errDecrypt
	}
	return pt, nil
}
