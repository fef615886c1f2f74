// Package kaspa is the chain adapter for Kaspa and KaspaTestnet11: kaspa:
// addresses of Schnorr (BIP-340) secp256k1 keys, and signing of the
// transaction JSON that Dfns' Kaspa library sends under the Psbt kind
// (docs/protocol/networks-kaspa.md).
package kaspa

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/cashaddr"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkKaspa          = "Kaspa"
	NetworkKaspaTestnet11 = "KaspaTestnet11"
)

var prefixes = map[string]string{NetworkKaspa: "kaspa", NetworkKaspaTestnet11: "kaspatest"}

// Adapter implements chain.Adapter for Kaspa. It is stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Kaspa and KaspaTestnet11.
func (Adapter) Networks() []string { return []string{NetworkKaspa, NetworkKaspaTestnet11} }

// KeyFits reports, as a 400, why key cannot back a Kaspa wallet: it must be
// a Schnorr key on secp256k1.
func (Adapter) KeyFits(network string, key chain.Key) error {
	_, err := xOnly(network, key)
	return err
}

// Address returns the P2PK Schnorr address: prefix ":" and the CashAddr
// style encoding of version 0 and the 32-byte x-only key.
func (Adapter) Address(network string, key chain.Key) (string, error) {
	x, err := xOnly(network, key)
	if err != nil {
		return "", err
	}
	return cashaddr.Encode(prefixes[network], 0, x), nil // version 0: a Schnorr x-only key
}

func xOnly(network string, key chain.Key) ([]byte, error) {
	if _, ok := prefixes[network]; !ok {
		return nil, apierr.BadRequest("network %q is not a Kaspa network", chain.Clip(network))
	}
	if key.Scheme != chain.SchemeSchnorr || key.Curve != chain.CurveSecp256k1 {
		return nil, apierr.BadRequest("network %s needs a Schnorr key on secp256k1, not %s/%s", network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
	}
	pub, err := btcec.ParsePubKey(key.PublicKey)
	if err != nil || len(key.PublicKey) != 33 {
		return nil, apierr.BadRequest("public key is not a 33-byte compressed secp256k1 point")
	}
	return schnorr.SerializePubKey(pub), nil
}

// Sign signs a Psbt (Kaspa transaction JSON) or Hash request.
func (Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	x, err := xOnly(network, key)
	if err != nil {
		return nil, err
	}
	switch req.Kind {
	case "Psbt":
		return signTransaction(ctx, x, s, req.Body)
	case "Hash":
		return signHash(ctx, x, s, req.Body)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use Psbt (the transaction JSON) or Hash", chain.Clip(req.Kind), network)
	}
}

// schnorrSign asks s for a BIP-340 signature of digest with the untweaked
// key and verifies it against x.
func schnorrSign(ctx context.Context, x []byte, s chain.Signer, digest []byte) ([]byte, error) {
	sig, err := s.SignSchnorr(ctx, digest, nil)
	if err != nil {
		return nil, fmt.Errorf("schnorr signer: %w", err)
	}
	pub, err := schnorr.ParsePubKey(x)
	if err != nil {
		return nil, fmt.Errorf("x-only key: %w", err)
	}
	parsed, err := schnorr.ParseSignature(sig)
	if err != nil || !parsed.Verify(digest, pub) {
		return nil, fmt.Errorf("schnorr signer returned a signature that does not verify")
	}
	return sig, nil
}

func wire(sig []byte) *chain.Signature {
	return &chain.Signature{R: chain.Hex0x(sig[:32]), S: chain.Hex0x(sig[32:]), Encoded: chain.Hex0x(sig)}
}

func signHash(ctx context.Context, x []byte, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	h, err := chain.DecodeHash(body)
	if err != nil {
		return nil, err
	}
	sig, err := schnorrSign(ctx, x, s, h)
	if err != nil {
		return nil, err
	}
	// @dfns/lib-kaspa reads a Hash signature from signedData.
	return &chain.Result{Signature: wire(sig), SignedData: chain.Hex0x(sig)}, nil
}
