// Package aptos is the chain adapter for Aptos and Movement (an Aptos-Move
// chain with the same accounts and transactions): Aptos, AptosTestnet,
// Movement and MovementTestnet (docs/protocol/networks-aptos.md).
package aptos

import (
	"bytes"
	"context"
	"crypto/sha3"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// Network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkAptos           = "Aptos"
	NetworkAptosTestnet    = "AptosTestnet"
	NetworkMovement        = "Movement"
	NetworkMovementTestnet = "MovementTestnet"
)

// KindTransaction is the one signature kind these wallets take.
const KindTransaction = "Transaction"

// Transaction authenticator variants.
const (
	authEd25519    = 0
	authMultiAgent = 2
	authFeePayer   = 3
)

var family = chainkit.Family{Name: "Aptos or Movement", Networks: []string{NetworkAptos, NetworkAptosTestnet, NetworkMovement, NetworkMovementTestnet}, Ed25519: true}

// Adapter serves Aptos, AptosTestnet, Movement and MovementTestnet.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns the Aptos and Movement networks.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: wallets are ed25519 keys (Aptos's legacy Ed25519 scheme).
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// Address returns the account address of a fresh ed25519 account: 0x and
// the hex SHA3-256 of public key ‖ 0x00 (the Ed25519 scheme byte), which
// is also its authentication key.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	return chain.Hex0x(address(key.PublicKey)), nil
}

func address(pub []byte) []byte {
	h := sha3.Sum256(append(bytes.Clone(pub), 0x00))
	return h[:]
}

func domain(name string) []byte {
	h := sha3.Sum256([]byte(name))
	return h[:]
}

// Sign signs a Transaction: hex BCS of a RawTransaction (the wallet signs
// as sender) or of a SignedTransaction whose MultiAgent or FeePayer
// authenticator names the signers, with placeholders where signatures are
// missing (the wallet fills every slot whose address is its own).
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	if req.Kind != KindTransaction {
		return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction")
	}
	in, err := chainkit.HexField(req.Body, "transaction")
	if err != nil {
		return nil, err
	}
	r := &reader{b: in}
	sender := r.rawTransaction()
	if r.bad {
		return nil, errDecode("the raw transaction")
	}
	raw := in[:r.off]
	mine := func(pub []byte) []byte {
		return slices.Concat([]byte{authEd25519, 32}, key.PublicKey, []byte{64}, pub)
	}
	if r.off == len(in) {
		sig, err := chainkit.SignEd25519(ctx, s, slices.Concat(domain("APTOS::RawTransaction"), raw))
		if err != nil {
			return nil, err
		}
		return chainkit.Result(sig, nil, sig, slices.Concat(raw, mine(sig))), nil
	}
	return signMulti(ctx, key, s, r, raw, sender, mine)
}

// signMulti signs a SignedTransaction with a MultiAgent or FeePayer
// authenticator and rebuilds it with the wallet's signature in its slots.
func signMulti(ctx context.Context, key chain.Key, s chain.Signer, r *reader, raw, sender []byte, mine func([]byte) []byte) (*chain.Result, error) {
	variant := r.uleb()
	if variant != authMultiAgent && variant != authFeePayer {
		return nil, apierr.BadRequest("transaction: only MultiAgent or FeePayer authenticators can be completed; send the RawTransaction instead")
	}
	senderAuth := r.accountAuthenticator()
	var addrs [][]byte
	r.each(func() { addrs = append(addrs, r.take(32)) })
	var auths [][]byte
	r.each(func() { auths = append(auths, r.accountAuthenticator()) })
	var feePayer, feeAuth []byte
	if variant == authFeePayer {
		feePayer = r.take(32)
		feeAuth = r.accountAuthenticator()
	}
	if r.bad || r.off != len(r.b) {
		return nil, errDecode("the authenticator")
	}
	if len(addrs) != len(auths) {
		return nil, apierr.BadRequest("transaction: %d secondary signer addresses but %d authenticators", len(addrs), len(auths))
	}
	me := address(key.PublicKey)
	found := bytes.Equal(sender, me) || bytes.Equal(feePayer, me)
	for _, ad := range addrs {
		found = found || bytes.Equal(ad, me)
	}
	if !found {
		return nil, apierr.BadRequest("the wallet is not the sender, a secondary signer or the fee payer of this transaction")
	}

	// RawTransactionWithData: MultiAgent (0) or MultiAgentWithFeePayer (1).
	vecAddrs := func() []byte {
		out := []byte{byte(len(addrs))}
		if len(addrs) > 127 {
			return nil
		}
		for _, ad := range addrs {
			out = append(out, ad...)
		}
		return out
	}()
	if vecAddrs == nil {
		return nil, apierr.BadRequest("transaction: too many secondary signers")
	}
	// The enum's variant index comes first, then its fields.
	var msg []byte
	if variant == authMultiAgent {
		msg = slices.Concat(domain("APTOS::RawTransactionWithData"), []byte{0}, raw, vecAddrs)
	} else {
		msg = slices.Concat(domain("APTOS::RawTransactionWithData"), []byte{1}, raw, vecAddrs, feePayer)
	}
	sig, err := chainkit.SignEd25519(ctx, s, msg)
	if err != nil {
		return nil, err
	}
	pick := func(addr, auth []byte) []byte {
		if bytes.Equal(addr, me) {
			return mine(sig)
		}
		return auth
	}
	out := slices.Concat(raw, []byte{byte(variant)}, pick(sender, senderAuth), vecAddrs, []byte{byte(len(auths))})
	for i := range auths {
		out = append(out, pick(addrs[i], auths[i])...)
	}
	if variant == authFeePayer {
		out = slices.Concat(out, feePayer, pick(feePayer, feeAuth))
	}
	return chainkit.Result(sig, nil, sig, out), nil
}
