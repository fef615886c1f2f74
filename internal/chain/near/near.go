// Package near is the chain adapter for Near and NearTestnet: implicit
// accounts (the hex of the ed25519 public key) and Transaction signing of
// borsh-serialized transactions (docs/protocol/networks-near.md).
package near

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/keyonly"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkNear        = "Near"
	NetworkNearTestnet = "NearTestnet"
)

// maxTxBytes bounds the transaction a request may carry.
const maxTxBytes = 256 << 10

// Adapter implements chain.Adapter for Near. It is stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Near and NearTestnet.
func (Adapter) Networks() []string { return []string{NetworkNear, NetworkNearTestnet} }

// KeyFits reports, as a 400, why key cannot back a Near wallet.
func (Adapter) KeyFits(network string, key chain.Key) error {
	if network != NetworkNear && network != NetworkNearTestnet {
		return apierr.BadRequest("network %q is not a Near network", chain.Clip(network))
	}
	if key.Scheme != chain.SchemeEdDSA || key.Curve != chain.CurveEd25519 || len(key.PublicKey) != ed25519.PublicKeySize {
		return apierr.BadRequest("network %s needs an EdDSA key on ed25519, not %s/%s", network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
	}
	return nil
}

// Address returns the implicit account id: the 64 lower-case hex digits of
// the public key.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	return hex.EncodeToString(key.PublicKey), nil
}

// Sign signs a Transaction request (the kind Dfns documents for Near), and
// Hash and Message as on the key-only networks; other kinds are a 400.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	switch req.Kind {
	case "Transaction":
		return signTransaction(ctx, key, s, req.Body)
	case keyonly.KindHash, keyonly.KindMessage:
		return keyonly.SignGeneric(ctx, key, s, req)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use Transaction, Hash or Message", chain.Clip(req.Kind), network)
	}
}

// signTransaction signs SHA-256 of a borsh Transaction and returns the
// borsh SignedTransaction (the transaction, then Signature::ED25519).
func signTransaction(ctx context.Context, key chain.Key, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in struct {
		Transaction *string `json:"transaction"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Transaction == nil || *in.Transaction == "" {
		return nil, apierr.BadRequest("transaction is required (hex of the borsh-serialized transaction)")
	}
	if len(*in.Transaction) > 2*maxTxBytes+2 {
		return nil, apierr.BadRequest("transaction is larger than %d bytes", maxTxBytes)
	}
	tx, err := chain.DecodeHex("transaction", *in.Transaction)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(tx, key.PublicKey); err != nil {
		return nil, err
	}
	h := sha256.Sum256(tx)
	sig, err := s.SignEdDSA(ctx, h[:])
	if err != nil {
		return nil, fmt.Errorf("eddsa signer: %w", err)
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(key.PublicKey, h[:], sig) {
		return nil, fmt.Errorf("eddsa signer returned a signature that does not verify")
	}
	signed := append(append(append([]byte(nil), tx...), 0), sig...) // KeyType::ED25519 = 0
	return &chain.Result{
		Signature:  &chain.Signature{R: chain.Hex0x(sig[:32]), S: chain.Hex0x(sig[32:]), Encoded: chain.Hex0x(sig)},
		SignedData: chain.Hex0x(signed),
	}, nil
}

// checkHeader reads the fixed part of a borsh Transaction (nearcore
// core/primitives TransactionV0: signer_id: String, public_key: PublicKey,
// nonce: u64, receiver_id: String, block_hash: [u8; 32], actions:
// Vec<Action>) and checks that public_key is the wallet's ed25519 key. The
// actions are not interpreted.
func checkHeader(tx, pub []byte) error {
	bad := func(why string) error {
		return apierr.BadRequest("transaction is not a borsh Near transaction: %s", why)
	}
	str := func(b []byte) ([]byte, error) {
		if len(b) < 4 {
			return nil, bad("truncated")
		}
		n := binary.LittleEndian.Uint32(b)
		if n == 0 || n > 64 || int(n) > len(b)-4 {
			return nil, bad("an account id is not 1 to 64 bytes")
		}
		return b[4+n:], nil
	}
	rest, err := str(tx) // signer_id
	if err != nil {
		return err
	}
	if len(rest) < 33 {
		return bad("truncated public key")
	}
	if rest[0] != 0 || !bytes.Equal(rest[1:33], pub) {
		return apierr.BadRequest("transaction's public_key is not this wallet's ed25519 key")
	}
	rest = rest[33:]
	if len(rest) < 8 {
		return bad("truncated nonce")
	}
	if rest, err = str(rest[8:]); err != nil { // receiver_id
		return err
	}
	if len(rest) < 32+4 {
		return bad("truncated block hash or actions")
	}
	if binary.LittleEndian.Uint32(rest[32:]) == 0 {
		return bad("no actions")
	}
	return nil
}
