package custody

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// Backend generates, imports and signs with custodied keys. The local
// backend keeps sealed key bytes in Material; HSM and MPC backends would keep
// a handle there instead.
type Backend interface {
	// Name identifies the backend, e.g. "local"; it is stored in Material.
	Name() string
	// Generate creates a key for scheme/curve and returns its public key and
	// the opaque sealed material to store. aad binds the material to its row.
	Generate(ctx context.Context, scheme, curve string, aad []byte) (chain.Key, Material, error)
	// Import seals an existing private key (a raw 32-byte secp256k1 scalar or
	// a 32-byte ed25519 seed). The caller keeps ownership of priv.
	Import(ctx context.Context, scheme, curve string, priv []byte, aad []byte) (chain.Key, Material, error)
	// Signer opens the material and returns a chain.Signer for it. It fails
	// if the material does not belong to key.
	Signer(ctx context.Context, key chain.Key, m Material, aad []byte) (chain.Signer, error)
	// Export returns the raw private key, for an explicit export only. The
	// caller should clear it when done.
	Export(ctx context.Context, key chain.Key, m Material, aad []byte) ([]byte, error)
}

// Material is what a backend stores for one key: the backend's name, the id
// of the KEK that sealed it and the ciphertext (or a backend handle).
type Material struct {
	Backend    string
	KEKID      string
	Ciphertext []byte
}

// keyKind is one of the scheme/curve pairs custody serves.
type keyKind int

const (
	kindECDSA   keyKind = iota + 1 // ECDSA over secp256k1
	kindSchnorr                    // BIP-340 Schnorr over secp256k1
	kindEdDSA                      // pure ed25519
	kindStark                      // ECDSA over the STARK curve
)

// kindOf maps a wire scheme/curve pair to a keyKind, or returns a 400.
func kindOf(scheme, curve string) (keyKind, error) {
	switch {
	case scheme == chain.SchemeECDSA && curve == chain.CurveSecp256k1:
		return kindECDSA, nil
	case scheme == chain.SchemeSchnorr && curve == chain.CurveSecp256k1:
		return kindSchnorr, nil
	case scheme == chain.SchemeEdDSA && curve == chain.CurveEd25519:
		return kindEdDSA, nil
	case scheme == chain.SchemeECDSA && curve == chain.CurveStark:
		return kindStark, nil
	}
	return 0, apierr.BadRequest("scheme %q with curve %q is not supported: use ECDSA/secp256k1, EdDSA/ed25519, Schnorr/secp256k1 or ECDSA/stark",
		clip(scheme), clip(curve))
}

// clip shortens caller-supplied names echoed in error messages.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
