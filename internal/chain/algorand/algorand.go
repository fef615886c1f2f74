// Package algorand is the chain adapter for Algorand and AlgorandTestnet:
// base32 addresses with a 4-byte checksum, and signing of msgpack
// transactions under the "TX" domain prefix
// (docs/protocol/networks-algorand.md).
package algorand

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base32"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// Network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkAlgorand        = "Algorand"
	NetworkAlgorandTestnet = "AlgorandTestnet"
)

// KindTransaction is the one signature kind Algorand wallets take.
const KindTransaction = "Transaction"

var family = chainkit.Family{Name: "Algorand", Networks: []string{NetworkAlgorand, NetworkAlgorandTestnet}, Ed25519: true}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// Adapter serves Algorand and AlgorandTestnet.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Algorand and AlgorandTestnet.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: Algorand accounts are ed25519 keys.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// Address returns base32 of the key and the last 4 bytes of its
// SHA-512/256, 58 characters without padding.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	return Address(key.PublicKey), nil
}

// Address encodes a 32-byte public key as an Algorand address.
func Address(pub []byte) string {
	sum := sha512.Sum512_256(pub)
	return b32.EncodeToString(append(bytes.Clone(pub), sum[28:]...))
}

// Sign signs a Transaction: hex msgpack of {"txn": Transaction} (what
// algosdk's encodeObj gives for {txn: …}) or of the bare transaction (what
// encodeUnsignedTransaction gives), optionally with the "TX" prefix.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	if req.Kind != KindTransaction {
		return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction")
	}
	raw, err := chainkit.HexField(req.Body, "transaction")
	if err != nil {
		return nil, err
	}
	txn, snd, err := decodeTxn(raw)
	if err != nil {
		return nil, err
	}
	msg := append([]byte("TX"), txn...)
	sig, err := chainkit.SignEd25519(ctx, s, msg)
	if err != nil {
		return nil, err
	}
	// SignedTxn, keys in canonical (sorted) order: sgnr when the wallet
	// signs for another sender (a rekeyed account), sig, txn.
	var out []byte
	if !bytes.Equal(snd, key.PublicKey) {
		out = append(out, 0x83, 0xa4, 's', 'g', 'n', 'r', 0xc4, 32)
		out = append(out, key.PublicKey...)
	} else {
		out = append(out, 0x82)
	}
	out = append(out, 0xa3, 's', 'i', 'g', 0xc4, 64)
	out = append(out, sig...)
	out = append(out, 0xa3, 't', 'x', 'n')
	out = append(out, txn...)
	return chainkit.Result(sig, nil, sig, out), nil
}

// decodeTxn finds the transaction map in raw and its sender.
func decodeTxn(raw []byte) (txn, snd []byte, err error) {
	raw = bytes.TrimPrefix(raw, []byte("TX"))
	m, err := readMap(raw)
	if err != nil {
		return nil, nil, err
	}
	txn = raw
	if v, ok := m["txn"]; ok {
		if len(m) != 1 {
			return nil, nil, apierr.BadRequest("transaction: a signed or wrapped transaction must hold only txn, found %d fields", len(m))
		}
		if m, err = readMap(v); err != nil {
			return nil, nil, err
		}
		txn = v
	}
	if _, ok := m["type"]; !ok {
		return nil, nil, apierr.BadRequest("transaction: an Algorand transaction has a type field")
	}
	snd = m["snd"]
	if len(snd) != 2+32 || snd[0] != 0xc4 || snd[1] != 32 {
		return nil, nil, apierr.BadRequest("transaction: snd must be a 32-byte address")
	}
	return txn, snd[2:], nil
}
