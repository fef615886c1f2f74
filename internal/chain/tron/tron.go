// Package tron is the chain adapter for Tron and TronNile: T… base58check
// addresses of ECDSA secp256k1 keys, and signing of Transaction (a
// protobuf Transaction whose raw_data is signed) and Hash requests
// (docs/protocol/networks-tron.md).
package tron

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkTron     = "Tron"
	NetworkTronNile = "TronNile"
)

// maxTxBytes bounds the transaction a request may carry.
const maxTxBytes = 512 << 10

// Adapter implements chain.Adapter for Tron. It is stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Tron and TronNile.
func (Adapter) Networks() []string { return []string{NetworkTron, NetworkTronNile} }

// KeyFits reports, as a 400, why key cannot back a Tron wallet.
func (Adapter) KeyFits(network string, key chain.Key) error {
	_, err := check(network, key)
	return err
}

// Address returns the base58check address of key: 0x41 followed by the
// last 20 bytes of Keccak-256 of the uncompressed public key (as EVM), with
// a double SHA-256 checksum.
func (Adapter) Address(network string, key chain.Key) (string, error) {
	k, err := check(network, key)
	if err != nil {
		return "", err
	}
	return address(k), nil
}

func address(k *keyInfo) string {
	return base58.CheckEncode(k.addr[1:], k.addr[0])
}

// Sign signs a Transaction or Hash request.
func (Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	k, err := check(network, key)
	if err != nil {
		return nil, err
	}
	switch req.Kind {
	case "Transaction":
		return signTransaction(ctx, k, s, req.Body)
	case "Hash":
		return signHash(ctx, k, s, req.Body)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use Transaction or Hash", chain.Clip(req.Kind), network)
	}
}

// keyInfo is a checked wallet key.
type keyInfo struct {
	pub  []byte   // 65-byte uncompressed
	addr [21]byte // 0x41 ‖ 20 bytes
}

func check(network string, key chain.Key) (*keyInfo, error) {
	if network != NetworkTron && network != NetworkTronNile {
		return nil, apierr.BadRequest("network %q is not a Tron network", chain.Clip(network))
	}
	if key.Scheme != chain.SchemeECDSA || key.Curve != chain.CurveSecp256k1 {
		return nil, apierr.BadRequest("network %s needs an ECDSA key on secp256k1, not %s/%s", network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
	}
	if len(key.PublicKey) != 33 {
		return nil, apierr.BadRequest("public key must be a 33-byte compressed secp256k1 point")
	}
	pub, err := crypto.DecompressPubkey(key.PublicKey)
	if err != nil {
		return nil, apierr.BadRequest("public key is not a valid secp256k1 point").Wrap(err)
	}
	k := &keyInfo{pub: crypto.FromECDSAPub(pub)}
	k.addr[0] = 0x41
	copy(k.addr[1:], crypto.PubkeyToAddress(*pub).Bytes())
	return k, nil
}

// sign asks s for an ECDSA signature of digest and checks it recovers to
// the wallet key; it returns the 65-byte r ‖ s ‖ v (v = 27 + recid).
func sign(ctx context.Context, k *keyInfo, s chain.Signer, digest []byte) ([]byte, byte, error) {
	raw, recid, err := s.SignECDSA(ctx, digest)
	if err != nil {
		return nil, 0, fmt.Errorf("ecdsa signer: %w", err)
	}
	if len(raw) != 64 || recid > 1 {
		return nil, 0, fmt.Errorf("ecdsa signer returned %d bytes, recid %d", len(raw), recid)
	}
	sig := append(append([]byte(nil), raw...), recid)
	got, err := crypto.Ecrecover(digest, sig)
	if err != nil || string(got) != string(k.pub) {
		return nil, 0, fmt.Errorf("ecdsa signer returned a signature that does not recover to the wallet key")
	}
	sig[64] = 27 + recid
	return sig, recid, nil
}

func wire(sig []byte, recid byte) *chain.Signature {
	r := int(recid)
	return &chain.Signature{R: chain.Hex0x(sig[:32]), S: chain.Hex0x(sig[32:64]), Recid: &r, Encoded: chain.Hex0x(sig)}
}

// signTransaction signs sha256(raw_data) of a serialized protobuf
// Transaction (hex) and returns it with the signature appended.
func signTransaction(ctx context.Context, k *keyInfo, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in struct {
		Transaction *string `json:"transaction"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Transaction == nil || *in.Transaction == "" {
		return nil, apierr.BadRequest("transaction is required (the hex protobuf Transaction)")
	}
	if len(*in.Transaction) > 2*maxTxBytes+2 {
		return nil, apierr.BadRequest("transaction is larger than %d bytes", maxTxBytes)
	}
	tx, err := chain.DecodeHex("transaction", *in.Transaction)
	if err != nil {
		return nil, err
	}
	raw, err := rawData(tx)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(raw)
	sig, recid, err := sign(ctx, k, s, digest[:])
	if err != nil {
		return nil, err
	}
	// Transaction.signature is field 2 (repeated bytes): key 0x12, length 65.
	signed := append(append(append([]byte(nil), tx...), 0x12, 65), sig...)
	return &chain.Result{Signature: wire(sig, recid), SignedData: chain.Hex0x(signed)}, nil
}

func signHash(ctx context.Context, k *keyInfo, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	h, err := chain.DecodeHash(body)
	if err != nil {
		return nil, err
	}
	sig, recid, err := sign(ctx, k, s, h)
	if err != nil {
		return nil, err
	}
	return &chain.Result{Signature: wire(sig, recid)}, nil
}
