package custody

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/stark"
)

// localSigner signs with one locally sealed key. It holds only the
// ciphertext and opens it for each signature, clearing the plaintext after.
type localSigner struct {
	ring  *Keyring
	kind  keyKind
	kekID string
	ct    []byte
	aad   []byte
	pub   []byte // verified to match the sealed key by Local.check
}

var _ chain.Signer = (*localSigner)(nil)

// errWrongScheme means a signer was asked for a scheme its key is not.
var errWrongScheme = errors.New("custody: key scheme does not match the signing call")

func (s *localSigner) open() ([]byte, error) {
	return openKey(s.ring, s.kekID, s.ct, s.aad)
}

// SignECDSA signs a 32-byte digest with RFC 6979 ECDSA, returning r||s with
// low S and the recovery id.
func (s *localSigner) SignECDSA(ctx context.Context, digest []byte) ([]byte, byte, error) {
	if s.kind != kindECDSA {
		return nil, 0, errWrongScheme
	}
	if len(digest) != 32 {
		return nil, 0, fmt.Errorf("custody: ECDSA digest must be 32 bytes, got %d", len(digest))
	}
	priv, err := s.open()
	if err != nil {
		return nil, 0, err
	}
	defer clear(priv)
	return signECDSA(priv, digest)
}

// signECDSA signs with decred's SignCompact: <27+4+recid><r><s>.
func signECDSA(priv, digest []byte) ([]byte, byte, error) {
	k := secp256k1.PrivKeyFromBytes(priv)
	defer k.Zero()
	c := ecdsa.SignCompact(k, digest, true)
	const compressedOffset = 27 + 4
	if len(c) != 65 || c[0] < compressedOffset || c[0] > compressedOffset+3 {
		return nil, 0, errors.New("custody: unexpected compact signature")
	}
	return c[1:], c[0] - compressedOffset, nil
}

// SignStark signs a field-element hash with ECDSA on the STARK curve
// (RFC 6979 nonces), returning r and s.
func (s *localSigner) SignStark(ctx context.Context, hash []byte) ([]byte, []byte, error) {
	if s.kind != kindStark {
		return nil, nil, errWrongScheme
	}
	priv, err := s.open()
	if err != nil {
		return nil, nil, err
	}
	defer clear(priv)
	return stark.Sign(priv, hash)
}

var _ chain.StarkSigner = (*localSigner)(nil)

// SignEdDSA signs msg with pure ed25519.
func (s *localSigner) SignEdDSA(ctx context.Context, msg []byte) ([]byte, error) {
	if s.kind != kindEdDSA {
		return nil, errWrongScheme
	}
	seed, err := s.open()
	if err != nil {
		return nil, err
	}
	defer clear(seed)
	if len(seed) != ed25519.SeedSize || len(s.pub) != ed25519.PublicKeySize {
		return nil, errors.New("custody: malformed ed25519 key")
	}
	// seed||pub is the private key encoding; Sign derives the key from the
	// seed itself (and checks pub), so deriving it here first would do the
	// scalar multiplication twice.
	k := make([]byte, 0, ed25519.PrivateKeySize)
	k = append(append(k, seed...), s.pub...)
	defer clear(k)
	return ed25519.Sign(ed25519.PrivateKey(k), msg), nil
}

// SignSchnorr signs a 32-byte digest per BIP-340 with fresh auxiliary
// randomness, after the BIP-341 tweak when tweak is non-nil.
func (s *localSigner) SignSchnorr(ctx context.Context, digest []byte, tweak []byte) ([]byte, error) {
	if s.kind != kindSchnorr {
		return nil, errWrongScheme
	}
	var aux [32]byte
	if _, err := rand.Read(aux[:]); err != nil {
		return nil, fmt.Errorf("custody: schnorr aux randomness: %w", err)
	}
	priv, err := s.open()
	if err != nil {
		return nil, err
	}
	defer clear(priv)
	return signSchnorr(priv, digest, tweak, aux)
}

// signSchnorr is BIP-340 signing with the reference nonce derivation from
// aux, on the key tweaked per BIP-341 when tweak is non-nil.
func signSchnorr(priv, digest, tweak []byte, aux [32]byte) ([]byte, error) {
	if len(digest) != 32 {
		return nil, fmt.Errorf("custody: Schnorr digest must be 32 bytes, got %d", len(digest))
	}
	k := secp256k1.PrivKeyFromBytes(priv)
	defer k.Zero()
	if tweak != nil {
		t, err := tweakKey(k, tweak)
		if err != nil {
			return nil, err
		}
		defer t.Zero()
		k = t
	}
	sig, err := schnorr.Sign(k, digest, schnorr.CustomNonce(aux))
	if err != nil {
		return nil, fmt.Errorf("custody: schnorr sign: %w", err)
	}
	return sig.Serialize(), nil
}

// tweakKey returns d' = d + t mod n, d first negated if d·G has odd Y
// (BIP-341 taproot_tweak_seckey). t must be 32 bytes below n.
func tweakKey(k *secp256k1.PrivateKey, tweak []byte) (*secp256k1.PrivateKey, error) {
	if len(tweak) != 32 {
		return nil, fmt.Errorf("custody: taproot tweak must be 32 bytes, got %d", len(tweak))
	}
	var t secp256k1.ModNScalar
	if overflow := t.SetByteSlice(tweak); overflow {
		return nil, errors.New("custody: taproot tweak is not below the curve order")
	}
	d := k.Key
	if k.PubKey().SerializeCompressed()[0] == secp256k1.PubKeyFormatCompressedOdd {
		d.Negate()
	}
	d.Add(&t)
	t.Zero()
	if d.IsZero() {
		return nil, errors.New("custody: tweaked key is zero")
	}
	out := secp256k1.NewPrivateKey(&d)
	d.Zero()
	return out, nil
}
