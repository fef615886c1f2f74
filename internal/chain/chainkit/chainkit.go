// Package chainkit holds the small pieces the account-based chain families
// (Stellar, Algorand, Aptos, Sui, Tezos, Substrate) share: checking a key
// against a family's curves, reading a hex field of a signature request,
// signing with the custodied key and shaping the wire result.
package chainkit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// MaxPayload bounds every transaction or payload a caller sends to these
// families: far above what any of their networks accepts (Stellar and
// Algorand stay under 100 KiB), small enough to keep a request cheap.
const MaxPayload = 256 << 10

// Family describes the networks of one adapter and the keys they take.
type Family struct {
	Name     string   // for messages: "Stellar", "Algorand", ...
	Networks []string // wire names
	// Ed25519 / Secp256k1 say which keys can back a wallet.
	Ed25519   bool
	Secp256k1 bool
}

// Serves reports whether network is one of f's.
func (f Family) Serves(network string) bool { return slices.Contains(f.Networks, network) }

// KeyFits returns a 400 naming why key cannot back a wallet on network.
func (f Family) KeyFits(network string, key chain.Key) error {
	if !f.Serves(network) {
		return apierr.BadRequest("network %q is not a %s network", chain.Clip(network), f.Name)
	}
	switch {
	case f.Ed25519 && key.Scheme == chain.SchemeEdDSA && key.Curve == chain.CurveEd25519:
		if len(key.PublicKey) != 32 {
			return apierr.BadRequest("ed25519 public key must be 32 bytes")
		}
		return nil
	case f.Secp256k1 && key.Scheme == chain.SchemeECDSA && key.Curve == chain.CurveSecp256k1:
		if len(key.PublicKey) != 33 || (key.PublicKey[0] != 2 && key.PublicKey[0] != 3) {
			return apierr.BadRequest("secp256k1 public key must be 33 bytes compressed")
		}
		return nil
	}
	want := "an EdDSA key on ed25519"
	switch {
	case f.Ed25519 && f.Secp256k1:
		want = "an EdDSA key on ed25519 or an ECDSA key on secp256k1"
	case f.Secp256k1:
		want = "an ECDSA key on secp256k1"
	}
	return apierr.BadRequest("network %s needs %s, not %s/%s", network, want, chain.Clip(key.Scheme), chain.Clip(key.Curve))
}

// UnsupportedKind is the 400 for a kind the network does not take.
func UnsupportedKind(kind, network, supported string) error {
	if kind == "" {
		return apierr.BadRequest("kind is required")
	}
	return apierr.BadRequest("kind %q is not supported on %s; use %s", chain.Clip(kind), network, supported)
}

// HexField decodes the required hex string field name of body: present,
// hex (0x optional), not empty and at most MaxPayload bytes.
func HexField(body json.RawMessage, name string) ([]byte, error) {
	var in map[string]json.RawMessage
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	raw, ok := in[name]
	if !ok || string(raw) == "null" {
		return nil, apierr.BadRequest("%s is required", name)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, apierr.BadRequest("%s must be a hex string", name)
	}
	if len(s) > 2*MaxPayload+2 {
		return nil, apierr.BadRequest("%s is larger than %d bytes", name, MaxPayload)
	}
	b, err := chain.DecodeHex(name, s)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, apierr.BadRequest("%s must not be empty", name)
	}
	return b, nil
}

// SignEd25519 signs msg with pure ed25519 and checks the length.
func SignEd25519(ctx context.Context, s chain.Signer, msg []byte) ([]byte, error) {
	sig, err := s.SignEdDSA(ctx, msg)
	if err != nil {
		return nil, err
	}
	if len(sig) != 64 {
		return nil, fmt.Errorf("chainkit: signer returned %d bytes, want 64", len(sig))
	}
	return sig, nil
}

// SignDigest signs a 32-byte digest with secp256k1 ECDSA (low S) and
// returns r||s and the recovery id.
func SignDigest(ctx context.Context, s chain.Signer, digest []byte) ([]byte, byte, error) {
	sig, recid, err := s.SignECDSA(ctx, digest)
	if err != nil {
		return nil, 0, err
	}
	if len(sig) != 64 {
		return nil, 0, fmt.Errorf("chainkit: signer returned %d bytes, want 64", len(sig))
	}
	return sig, recid, nil
}

// Result shapes a 64-byte r||s signature, the chain's encoding of it and
// the signed data (nil for none) into the wire result.
func Result(rs []byte, recid *byte, encoded, signed []byte) *chain.Result {
	sig := &chain.Signature{R: chain.Hex0x(rs[:32]), S: chain.Hex0x(rs[32:64])}
	if recid != nil {
		v := int(*recid)
		sig.Recid = &v
	}
	if encoded != nil {
		sig.Encoded = chain.Hex0x(encoded)
	}
	out := &chain.Result{Signature: sig}
	if signed != nil {
		out.SignedData = chain.Hex0x(signed)
	}
	return out
}
