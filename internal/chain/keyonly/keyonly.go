package keyonly

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// Pseudo-network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkKeyECDSA = "KeyECDSA"
	NetworkKeyEdDSA = "KeyEdDSA"
)

// Signature kinds this package signs.
const (
	KindHash    = "Hash"
	KindMessage = "Message"
)

// Adapter serves the pseudo-networks KeyECDSA (ECDSA or Schnorr keys on
// secp256k1) and KeyEdDSA (ed25519 keys). Wallets on them have no address.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns KeyECDSA, KeyEdDSA and KeyECDSAStark.
func (Adapter) Networks() []string {
	return []string{NetworkKeyECDSA, NetworkKeyEdDSA, NetworkKeyECDSAStark}
}

// KeyFits reports, as a 400, why key cannot back a wallet on network.
func (Adapter) KeyFits(network string, key chain.Key) error {
	switch network {
	case NetworkKeyECDSA:
		if key.Curve != chain.CurveSecp256k1 || (key.Scheme != chain.SchemeECDSA && key.Scheme != chain.SchemeSchnorr) {
			return apierr.BadRequest("network KeyECDSA needs an ECDSA or Schnorr key on secp256k1, not %s/%s",
				chain.Clip(key.Scheme), chain.Clip(key.Curve))
		}
	case NetworkKeyEdDSA:
		if key.Curve != chain.CurveEd25519 || key.Scheme != chain.SchemeEdDSA {
			return apierr.BadRequest("network KeyEdDSA needs an EdDSA key on ed25519, not %s/%s",
				chain.Clip(key.Scheme), chain.Clip(key.Curve))
		}
	case NetworkKeyECDSAStark:
		if key.Curve != chain.CurveStark || key.Scheme != chain.SchemeECDSA {
			return apierr.BadRequest("network KeyECDSAStark needs an ECDSA key on stark, not %s/%s",
				chain.Clip(key.Scheme), chain.Clip(key.Curve))
		}
	default:
		return apierr.BadRequest("network %q is not a key-only network", chain.Clip(network))
	}
	return nil
}

// Address returns "": pseudo-network wallets have no address.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	return "", nil
}

// Sign signs a Hash or Message request for a wallet on a pseudo-network.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	return SignGeneric(ctx, key, s, req)
}

// SignGeneric signs a Hash or Message request with key, whatever its
// scheme; POST /keys/{keyId}/signatures uses it when the body names no
// network. Bad input is an *apierr.Error with status 400 naming the field.
func SignGeneric(ctx context.Context, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	switch req.Kind {
	case KindHash:
		return signHash(ctx, key, s, req.Body)
	case KindMessage:
		return signMessage(ctx, key, s, req.Body)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("kind %q is not supported without a chain network; use Hash or Message", chain.Clip(req.Kind))
	}
}

type hashBody struct {
	Hash              *string `json:"hash"`
	TaprootMerkleRoot *string `json:"taprootMerkleRoot"`
}

func signHash(ctx context.Context, key chain.Key, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in hashBody
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Hash == nil {
		return nil, apierr.BadRequest("hash is required")
	}
	h, err := chain.DecodeHex("hash", *in.Hash)
	if err != nil {
		return nil, err
	}
	if len(h) != 32 {
		return nil, apierr.BadRequest("hash must be 32 bytes of hex, got %d bytes", len(h))
	}
	if in.TaprootMerkleRoot != nil && key.Scheme != chain.SchemeSchnorr {
		return nil, apierr.BadRequest("taprootMerkleRoot applies only to Schnorr keys")
	}

	switch {
	case key.Scheme == chain.SchemeECDSA && key.Curve == chain.CurveSecp256k1:
		sig, recid, err := s.SignECDSA(ctx, h)
		if err != nil {
			return nil, err
		}
		return splitSignature(sig, &recid)
	case key.Scheme == chain.SchemeSchnorr && key.Curve == chain.CurveSecp256k1:
		tweak, err := taprootTweak(key, in.TaprootMerkleRoot)
		if err != nil {
			return nil, err
		}
		sig, err := s.SignSchnorr(ctx, h, tweak)
		if err != nil {
			return nil, err
		}
		return splitSignature(sig, nil)
	case key.Scheme == chain.SchemeEdDSA && key.Curve == chain.CurveEd25519:
		sig, err := s.SignEdDSA(ctx, h)
		if err != nil {
			return nil, err
		}
		return splitSignature(sig, nil)
	case key.Scheme == chain.SchemeECDSA && key.Curve == chain.CurveStark:
		return signStarkHash(ctx, s, h)
	}
	return nil, apierr.BadRequest("keys of scheme %s on curve %s cannot sign", chain.Clip(key.Scheme), chain.Clip(key.Curve))
}

func signMessage(ctx context.Context, key chain.Key, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	msg, err := chain.DecodeMessage(body)
	if err != nil {
		return nil, err
	}
	if key.Scheme != chain.SchemeEdDSA || key.Curve != chain.CurveEd25519 {
		return nil, apierr.BadRequest("kind Message needs an EdDSA key; %s keys sign a Hash", chain.Clip(key.Scheme))
	}
	sig, err := s.SignEdDSA(ctx, msg)
	if err != nil {
		return nil, err
	}
	return splitSignature(sig, nil)
}

// taprootTweak computes the BIP-341 tweak t = H_TapTweak(P.x || root) for a
// Schnorr key; root "" means no script tree (t = H_TapTweak(P.x)).
func taprootTweak(key chain.Key, root *string) ([]byte, error) {
	if root == nil {
		return nil, apierr.BadRequest(`taprootMerkleRoot is required for Schnorr keys ("" for the default merkle root)`)
	}
	var r []byte
	if *root != "" {
		var err error
		if r, err = chain.DecodeHex("taprootMerkleRoot", *root); err != nil {
			return nil, err
		}
		if len(r) != 32 {
			return nil, apierr.BadRequest(`taprootMerkleRoot must be 32 bytes of hex or ""`)
		}
	}
	pk := key.PublicKey
	if len(pk) != 33 || (pk[0] != 2 && pk[0] != 3) {
		return nil, fmt.Errorf("keyonly: Schnorr public key is not a compressed secp256k1 point (%d bytes)", len(pk))
	}
	return taggedHash("TapTweak", pk[1:], r), nil
}

// taggedHash is BIP-340's SHA256(SHA256(tag) || SHA256(tag) || data...).
func taggedHash(tag string, data ...[]byte) []byte {
	t := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(t[:])
	h.Write(t[:])
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// splitSignature turns a 64-byte r||s signature into the wire object.
func splitSignature(sig []byte, recid *byte) (*chain.Result, error) {
	if len(sig) != 64 {
		return nil, fmt.Errorf("keyonly: signer returned %d bytes, want 64", len(sig))
	}
	out := &chain.Signature{R: chain.Hex0x(sig[:32]), S: chain.Hex0x(sig[32:])}
	if recid != nil {
		v := int(*recid)
		out.Recid = &v
	}
	return &chain.Result{Signature: out}, nil
}
