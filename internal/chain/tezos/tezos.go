// Package tezos is the chain adapter for Tezos, TezosGhostnet and
// TezosShadownet: tz1 (ed25519) and tz2 (secp256k1) addresses, signing of
// forged operations under the generic-operation watermark, and of
// caller-computed hashes for the other watermarks
// (docs/protocol/networks-tezos.md).
package tezos

import (
	"context"
	"crypto/sha256"
	"slices"

	"github.com/btcsuite/btcd/btcutil/base58"
	"golang.org/x/crypto/blake2b"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// Network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkTezos          = "Tezos"
	NetworkTezosGhostnet  = "TezosGhostnet"
	NetworkTezosShadownet = "TezosShadownet"
)

// Signature kinds.
const (
	KindTransaction = "Transaction"
	KindHash        = "Hash"
)

// watermarkOperation is the magic byte of a generic (manager) operation.
const watermarkOperation = 0x03

// Base58Check prefixes of public key hashes.
var (
	prefixTz1 = []byte{6, 161, 159}
	prefixTz2 = []byte{6, 161, 161}
)

var family = chainkit.Family{Name: "Tezos", Networks: []string{NetworkTezos, NetworkTezosGhostnet, NetworkTezosShadownet}, Ed25519: true, Secp256k1: true}

// Adapter serves the Tezos networks.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Tezos, TezosGhostnet and TezosShadownet.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: ed25519 (tz1) or ECDSA secp256k1 (tz2) keys.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// Address returns the Base58Check public key hash: tz1 of BLAKE2b-160 of
// an ed25519 key, tz2 of BLAKE2b-160 of a compressed secp256k1 key.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	h, _ := blake2b.New(20, nil)
	h.Write(key.PublicKey)
	prefix := prefixTz1
	if key.Curve == chain.CurveSecp256k1 {
		prefix = prefixTz2
	}
	return b58check(slices.Concat(prefix, h.Sum(nil))), nil
}

func b58check(b []byte) string {
	c1 := sha256.Sum256(b)
	c2 := sha256.Sum256(c1[:])
	return base58.Encode(append(b, c2[:4]...))
}

// Sign signs a Transaction (hex forged operation bytes, without the
// watermark) or a Hash (32 bytes the caller computed, for the other
// watermarks).
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	var digest, forged []byte
	switch req.Kind {
	case KindTransaction:
		op, err := chainkit.HexField(req.Body, "transaction")
		if err != nil {
			return nil, err
		}
		if len(op) <= 32 {
			return nil, apierr.BadRequest("transaction must be forged operation bytes: a 32-byte branch and contents")
		}
		d := blake2b.Sum256(slices.Concat([]byte{watermarkOperation}, op))
		digest, forged = d[:], op
	case KindHash:
		h, err := chainkit.HexField(req.Body, "hash")
		if err != nil {
			return nil, err
		}
		if len(h) != 32 {
			return nil, apierr.BadRequest("hash must be 32 bytes of hex, got %d bytes", len(h))
		}
		digest = h
	default:
		return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction or Hash")
	}
	var (
		sig   []byte
		recid *byte
		err   error
	)
	if key.Curve == chain.CurveEd25519 {
		sig, err = chainkit.SignEd25519(ctx, s, digest)
	} else {
		var r byte
		sig, r, err = chainkit.SignDigest(ctx, s, digest)
		recid = &r
	}
	if err != nil {
		return nil, err
	}
	var signed []byte
	if forged != nil {
		signed = slices.Concat(forged, sig)
	}
	return chainkit.Result(sig, recid, sig, signed), nil
}
