// Package sui is the chain adapter for Sui and IOTA (Rebased), which share
// Move object transactions and intent signing: Sui, SuiTestnet, Iota,
// IotaTestnet and IotaZodianet (docs/protocol/networks-sui-iota.md).
package sui

import (
	"context"
	"encoding/binary"
	"slices"

	"golang.org/x/crypto/blake2b"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// Network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkSui         = "Sui"
	NetworkSuiTestnet  = "SuiTestnet"
	NetworkIota        = "Iota"
	NetworkIotaTestnet = "IotaTestnet"
	// NetworkIotaZodianet is the name TS 0.8.21 still accepts for an IOTA
	// test network; served as IOTA Rebased (docs/protocol/networks-sui-iota.md).
	NetworkIotaZodianet = "IotaZodianet"
)

// Signature kinds.
const (
	KindTransaction = "Transaction"
	KindMessage     = "Message"
)

// flagEd25519 is the signature-scheme flag of ed25519 in Sui and IOTA
// serialized signatures (and in Sui addresses).
const flagEd25519 = 0x00

// Intent prefixes: scope, version 0, app id 0.
var (
	intentTransaction     = []byte{0, 0, 0}
	intentPersonalMessage = []byte{3, 0, 0}
)

var family = chainkit.Family{Name: "Sui or IOTA", Networks: []string{NetworkSui, NetworkSuiTestnet, NetworkIota, NetworkIotaTestnet, NetworkIotaZodianet}, Ed25519: true}

// Adapter serves Sui, SuiTestnet, Iota, IotaTestnet and IotaZodianet.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns the Sui and IOTA networks.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: wallets on these networks are ed25519 keys.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

func isIota(network string) bool {
	return network == NetworkIota || network == NetworkIotaTestnet || network == NetworkIotaZodianet
}

// Address returns 0x and the hex BLAKE2b-256 of flag ‖ public key on Sui,
// of the bare public key on IOTA (which dropped the flag for ed25519).
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	in := key.PublicKey
	if !isIota(network) {
		in = append([]byte{flagEd25519}, key.PublicKey...)
	}
	h := blake2b.Sum256(in)
	return chain.Hex0x(h[:]), nil
}

// Sign signs a Transaction (hex BCS TransactionData) or a Message (hex
// bytes, signed as a personal message). signature.encoded is the
// serialized signature flag ‖ signature ‖ public key the chain expects.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	var intentMsg []byte
	switch req.Kind {
	case KindTransaction:
		tx, err := chainkit.HexField(req.Body, "transaction")
		if err != nil {
			return nil, err
		}
		// TransactionData is a BCS enum whose only variant is V1.
		if tx[0] != 0 || len(tx) < 1+32+1 {
			return nil, apierr.BadRequest("transaction is not BCS TransactionData (V1)")
		}
		intentMsg = slices.Concat(intentTransaction, tx)
	case KindMessage:
		msg, err := chainkit.HexField(req.Body, "message")
		if err != nil {
			return nil, err
		}
		// A personal message is signed as BCS vector<u8>.
		intentMsg = slices.Concat(intentPersonalMessage, binary.AppendUvarint(nil, uint64(len(msg))), msg)
	default:
		return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction or Message")
	}
	digest := blake2b.Sum256(intentMsg)
	sig, err := chainkit.SignEd25519(ctx, s, digest[:])
	if err != nil {
		return nil, err
	}
	encoded := slices.Concat([]byte{flagEd25519}, sig, key.PublicKey)
	return chainkit.Result(sig, nil, encoded, nil), nil
}
