package chainkit

import (
	"context"
	"crypto/ed25519"
	"errors"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/custos-dev/custos/internal/chain"
)

// SoftSigner is an in-memory chain.Signer for the families' unit tests
// (custody's own signers are exercised through the API tests).
type SoftSigner struct {
	Ed   ed25519.PrivateKey
	Secp *secp256k1.PrivateKey
}

// Key returns the public key of s in the chain.Key form.
func (s SoftSigner) Key() chain.Key {
	if s.Ed != nil {
		return chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: []byte(s.Ed.Public().(ed25519.PublicKey))}
	}
	return chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: s.Secp.PubKey().SerializeCompressed()}
}

// SignECDSA signs digest with RFC 6979 and low S.
func (s SoftSigner) SignECDSA(_ context.Context, digest []byte) ([]byte, byte, error) {
	if s.Secp == nil || len(digest) != 32 {
		return nil, 0, errors.New("softsigner: no secp256k1 key or bad digest")
	}
	c := secpecdsa.SignCompact(s.Secp, digest, true)
	return c[1:], c[0] - 31, nil
}

// SignEdDSA signs msg with ed25519.
func (s SoftSigner) SignEdDSA(_ context.Context, msg []byte) ([]byte, error) {
	if s.Ed == nil {
		return nil, errors.New("softsigner: no ed25519 key")
	}
	return ed25519.Sign(s.Ed, msg), nil
}

// SignSchnorr is not used by these families.
func (s SoftSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("softsigner: no Schnorr")
}
