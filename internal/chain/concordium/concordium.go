// Package concordium is the chain adapter for Concordium and
// ConcordiumTestnet. A Concordium account exists only once a credential
// deployment from an identity provider is on chain, so wallets start
// Inactive without an address; their key signs account transactions
// (docs/protocol/networks-hedera-concordium.md).
package concordium

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
	"github.com/custos-dev/custos/internal/chain/keyonly"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkConcordium        = "Concordium"
	NetworkConcordiumTestnet = "ConcordiumTestnet"
)

// KindTransaction is the one chain-specific kind; Hash and Message are
// served as on the key-only networks.
const KindTransaction = "Transaction"

// headerSize is the account transaction header: sender (32), nonce (8),
// energy (8), payload size (4), expiry (8).
const headerSize = 32 + 8 + 8 + 4 + 8

var family = chainkit.Family{Name: "Concordium", Networks: []string{NetworkConcordium, NetworkConcordiumTestnet}, Ed25519: true}

// Adapter serves Concordium and ConcordiumTestnet. It is stateless.
type Adapter struct{}

var (
	_ chain.Adapter         = Adapter{}
	_ chain.OnChainAccounts = Adapter{}
)

// Networks returns Concordium and ConcordiumTestnet.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: Concordium account keys are ed25519.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// Address is "": the account address is derived from the credential
// registration id of a deployed credential, not from the key.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	return "", a.KeyFits(network, key)
}

// Inactive reports true: every Concordium wallet waits for its credential
// deployment.
func (Adapter) Inactive(string, chain.Key) bool { return true }

// Sign signs a Transaction (hex of an unsigned account transaction: header
// and payload), and Hash and Message as on the key-only networks; other
// kinds are a 400.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	switch req.Kind {
	case KindTransaction:
		tx, err := chainkit.HexField(req.Body, "transaction")
		if err != nil {
			return nil, err
		}
		return signTransaction(ctx, s, tx)
	case keyonly.KindHash, keyonly.KindMessage:
		return keyonly.SignGeneric(ctx, key, s, req)
	default:
		return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction, Hash or Message")
	}
}

// signTransaction signs SHA-256 of header ‖ payload, the digest the chain
// checks, and returns the block item ready to submit: version 0, kind 0
// (account transaction), the signature map {0: {0: sig}}, header, payload.
func signTransaction(ctx context.Context, s chain.Signer, tx []byte) (*chain.Result, error) {
	if len(tx) <= headerSize {
		return nil, apierr.BadRequest("transaction is not a Concordium account transaction: it is shorter than the %d-byte header and a payload", headerSize)
	}
	size := binary.BigEndian.Uint32(tx[48:52])
	if uint64(size) != uint64(len(tx)-headerSize) {
		return nil, apierr.BadRequest("transaction is not a Concordium account transaction: the header's payload size %d is not the %d bytes that follow it", size, len(tx)-headerSize)
	}
	digest := sha256.Sum256(tx)
	sig, err := chainkit.SignEd25519(ctx, s, digest[:])
	if err != nil {
		return nil, err
	}
	sigs := slices.Concat([]byte{1, 0, 1, 0}, binary.BigEndian.AppendUint16(nil, uint16(len(sig))), sig)
	item := slices.Concat([]byte{0, 0}, sigs, tx)
	return chainkit.Result(sig, nil, sig, item), nil
}
