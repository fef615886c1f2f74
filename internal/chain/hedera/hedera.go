// Package hedera is the chain adapter for Hedera and HederaTestnet: account
// aliases derived from the key, and Transaction signing of the transaction
// lists the Hedera SDKs serialize (docs/protocol/networks-hedera-concordium.md).
package hedera

import (
	"bytes"
	"context"
	"encoding/hex"
	"slices"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/sha3"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
	"github.com/custos-dev/custos/internal/chain/keyonly"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkHedera        = "Hedera"
	NetworkHederaTestnet = "HederaTestnet"
)

// KindTransaction is the one chain-specific kind; Hash and Message are
// served as on the key-only networks.
const KindTransaction = "Transaction"

// maxBodies bounds the transactions (one per consensus node) a list may
// hold: each is a signature, so the bound keeps a request cheap; the SDKs
// freeze a transaction for a handful of nodes.
const maxBodies = 32

// ed25519SPKI is the DER SubjectPublicKeyInfo prefix of an ed25519 key: the
// SDKs write a key alias account id as 0.0. and the hex of this ‖ key.
var ed25519SPKI = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}

var family = chainkit.Family{Name: "Hedera", Networks: []string{NetworkHedera, NetworkHederaTestnet}, Ed25519: true, Secp256k1: true}

// Adapter serves Hedera and HederaTestnet. It is stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Hedera and HederaTestnet.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: Hedera accounts take ECDSA secp256k1 keys (the default, as Dfns
// creates) and EdDSA ed25519 keys.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// Address returns the alias the chain knows the key by before the network
// assigns the account its number: for a secp256k1 key the EVM address
// (0x and the last 20 bytes of keccak256 over the uncompressed point), for
// an ed25519 key the key alias account id 0.0.<hex DER public key>.
// Sending HBAR to either creates the account (HIP-583, HIP-32).
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	if key.Curve == chain.CurveEd25519 {
		return "0.0." + hex.EncodeToString(slices.Concat(ed25519SPKI, key.PublicKey)), nil
	}
	pub, err := secp256k1.ParsePubKey(key.PublicKey)
	if err != nil {
		return "", apierr.BadRequest("secp256k1 public key is not a valid point")
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(pub.SerializeUncompressed()[1:])
	return chain.Hex0x(h.Sum(nil)[12:]), nil
}

// Sign signs a Transaction (hex of a TransactionList, or an EVM
// transaction for the network's JSON-RPC relay), and Hash and Message as
// on the key-only networks; other kinds are a 400.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	switch req.Kind {
	case KindTransaction:
		if isEVM(req.Body) {
			return signEVM(ctx, network, key, s, req.Body)
		}
		list, err := chainkit.HexField(req.Body, "transaction")
		if err != nil {
			return nil, err
		}
		return signList(ctx, key, s, list)
	case keyonly.KindHash, keyonly.KindMessage:
		return keyonly.SignGeneric(ctx, key, s, req)
	default:
		return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction, Hash or Message")
	}
}

// signList signs the bodyBytes of every transaction of list (one per node
// the SDK froze it for) and returns the list with the wallet's signature
// pair added to each signature map.
func signList(ctx context.Context, key chain.Key, s chain.Signer, list []byte) (*chain.Result, error) {
	txs, err := fields("TransactionList", list)
	if err != nil {
		return nil, err
	}
	if len(txs) == 0 {
		return nil, errBad("TransactionList", "it holds no transaction")
	}
	if len(txs) > maxBodies {
		return nil, apierr.BadRequest("transaction holds %d transactions, at most %d are signed in one request", len(txs), maxBodies)
	}
	for _, f := range txs {
		if f.num != fieldListTransaction || f.typ != wireLen {
			return nil, errBad("TransactionList", "a field other than transaction_list")
		}
	}
	var out []byte
	var sigs []chain.Signature
	var first *chain.Result
	for _, f := range txs {
		tx, res, err := signTransaction(ctx, key, s, f.data)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = res
		}
		sigs = append(sigs, *res.Signature)
		out = appendBytes(out, fieldListTransaction, tx)
	}
	first.SignedData = chain.Hex0x(out)
	if len(sigs) > 1 {
		first.Signatures = sigs
	}
	return first, nil
}

// signTransaction signs one Transaction message and returns it re-encoded.
func signTransaction(ctx context.Context, key chain.Key, s chain.Signer, tx []byte) ([]byte, *chain.Result, error) {
	fs, err := fields("Transaction", tx)
	if err != nil {
		return nil, nil, err
	}
	at := -1
	for i, f := range fs {
		switch {
		case f.num >= 1 && f.num <= 4:
			return nil, nil, errBad("Transaction", "it uses the deprecated body/sigs fields; freeze it with a current SDK")
		case f.num == fieldSignedTxBytes:
			if at >= 0 || f.typ != wireLen {
				return nil, nil, errBad("Transaction", "signedTransactionBytes is repeated or not bytes")
			}
			at = i
		}
	}
	if at < 0 {
		return nil, nil, errBad("Transaction", "signedTransactionBytes is missing")
	}
	signed, res, err := signSigned(ctx, key, s, fs[at].data)
	if err != nil {
		return nil, nil, err
	}
	var out []byte
	for i, f := range fs {
		if i == at {
			out = appendBytes(out, fieldSignedTxBytes, signed)
			continue
		}
		out = append(out, f.raw...)
	}
	return out, res, nil
}

// signSigned signs the bodyBytes of a SignedTransaction and returns it
// with the wallet's pair in its sigMap (replacing an earlier pair of the
// same key).
func signSigned(ctx context.Context, key chain.Key, s chain.Signer, st []byte) ([]byte, *chain.Result, error) {
	fs, err := fields("SignedTransaction", st)
	if err != nil {
		return nil, nil, err
	}
	var body, sigMap []byte
	var rest []byte
	haveBody, haveMap := false, false
	for _, f := range fs {
		switch f.num {
		case fieldBodyBytes:
			if haveBody || f.typ != wireLen {
				return nil, nil, errBad("SignedTransaction", "bodyBytes is repeated or not bytes")
			}
			body, haveBody = f.data, true
		case fieldSigMap:
			if haveMap || f.typ != wireLen {
				return nil, nil, errBad("SignedTransaction", "sigMap is repeated or not a message")
			}
			sigMap, haveMap = f.data, true
		default:
			rest = append(rest, f.raw...)
		}
	}
	if len(body) == 0 {
		return nil, nil, errBad("SignedTransaction", "bodyBytes is missing")
	}
	pairs, err := fields("SignatureMap", sigMap)
	if err != nil {
		return nil, nil, err
	}
	var kept []byte
	for _, p := range pairs {
		if p.num != fieldSigPair || p.typ != wireLen {
			return nil, nil, errBad("SignatureMap", "a field other than sigPair")
		}
		pf, err := fields("SignaturePair", p.data)
		if err != nil {
			return nil, nil, err
		}
		ours := false
		for _, x := range pf {
			if x.num == fieldPubKeyPrefix && x.typ == wireLen && bytes.Equal(x.data, key.PublicKey) {
				ours = true
			}
		}
		if !ours {
			kept = append(kept, p.raw...)
		}
	}
	sig, res, err := signBody(ctx, key, s, body)
	if err != nil {
		return nil, nil, err
	}
	sigField := uint64(fieldSigECDSASecp256k1)
	if key.Curve == chain.CurveEd25519 {
		sigField = fieldSigEd25519
	}
	pair := appendBytes(appendBytes(nil, fieldPubKeyPrefix, key.PublicKey), sigField, sig)
	kept = appendBytes(kept, fieldSigPair, pair)
	out := appendBytes(appendBytes(nil, fieldBodyBytes, body), fieldSigMap, kept)
	return append(out, rest...), res, nil
}

// signBody signs bodyBytes as the network checks it: ed25519 over the
// bytes, or secp256k1 ECDSA over their keccak256.
func signBody(ctx context.Context, key chain.Key, s chain.Signer, body []byte) ([]byte, *chain.Result, error) {
	if key.Curve == chain.CurveEd25519 {
		sig, err := chainkit.SignEd25519(ctx, s, body)
		if err != nil {
			return nil, nil, err
		}
		return sig, chainkit.Result(sig, nil, sig, nil), nil
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(body)
	sig, recid, err := chainkit.SignDigest(ctx, s, h.Sum(nil))
	if err != nil {
		return nil, nil, err
	}
	return sig, chainkit.Result(sig, &recid, sig, nil), nil
}
