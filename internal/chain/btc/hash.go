package btc

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/txscript"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// hashRequest is the body of a Hash signature request.
type hashRequest struct {
	Hash string `json:"hash"`
	// TaprootMerkleRoot is required with Schnorr keys: "" selects the
	// BIP-86 tweak, 32 bytes of hex a script tree root (@dfns/sdk 0.8.21).
	TaprootMerkleRoot *string `json:"taprootMerkleRoot"`
}

// signHash signs a raw 32-byte digest: ECDSA keys return r, s, recid and the
// DER encoding; Schnorr keys sign with the Taproot-tweaked key and return the
// BIP-340 signature.
func (w *wallet) signHash(ctx context.Context, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in hashRequest
	if err := decodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Hash == "" {
		return nil, apierr.BadRequest("hash is required")
	}
	digest, err := decodeHex("hash", in.Hash)
	if err != nil {
		return nil, err
	}
	if len(digest) != 32 {
		return nil, apierr.BadRequest("hash must be 32 bytes, got %d", len(digest))
	}

	if !w.taproot {
		if in.TaprootMerkleRoot != nil && *in.TaprootMerkleRoot != "" {
			return nil, apierr.BadRequest("taprootMerkleRoot applies to Schnorr keys only")
		}
		sig, err := w.signECDSA(ctx, s, digest)
		if err != nil {
			return nil, err
		}
		wire := sig.wire()
		return &chain.Result{Signature: &wire}, nil
	}

	if in.TaprootMerkleRoot == nil {
		return nil, apierr.BadRequest(`taprootMerkleRoot is required for Schnorr keys: "" for the default (BIP-86) tweak, or the 32-byte script tree root in hex`)
	}
	tweak, outputKey := w.tweak, w.outputKey
	if *in.TaprootMerkleRoot != "" {
		root, err := decodeHex("taprootMerkleRoot", *in.TaprootMerkleRoot)
		if err != nil {
			return nil, err
		}
		if len(root) != 32 {
			return nil, apierr.BadRequest("taprootMerkleRoot must be 32 bytes, got %d", len(root))
		}
		tweak, outputKey = tapTweak(w.pub, root), tweakedKey(w.pub, root)
	}
	sig, err := signSchnorr(ctx, s, digest, tweak, outputKey)
	if err != nil {
		return nil, fmt.Errorf("hash: %w", err)
	}
	wire := schnorrWire(sig)
	return &chain.Result{Signature: &wire}, nil
}

// tweakedKey returns the Taproot output key for internal key pub and script
// tree root.
func tweakedKey(pub *btcec.PublicKey, root []byte) *btcec.PublicKey {
	return txscript.ComputeTaprootOutputKey(pub, root)
}
