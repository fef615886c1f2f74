// Package xrpl is the chain adapter for the XRP Ledger (XrpLedger,
// XrpLedgerTestnet): r… addresses of secp256k1 or ed25519 keys, and
// Transaction signing over the canonical binary form with the STX prefix
// (docs/protocol/networks-xrpl.md).
package xrpl

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // XRPL account ids are RIPEMD-160 of SHA-256

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/keyonly"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkXrpLedger        = "XrpLedger"
	NetworkXrpLedgerTestnet = "XrpLedgerTestnet"
)

// maxTxBytes bounds the transaction a request may carry.
const maxTxBytes = 256 << 10

// Adapter implements chain.Adapter for the XRP Ledger. It is stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns XrpLedger and XrpLedgerTestnet.
func (Adapter) Networks() []string { return []string{NetworkXrpLedger, NetworkXrpLedgerTestnet} }

// KeyFits reports, as a 400, why key cannot back an XRP Ledger wallet.
func (Adapter) KeyFits(network string, key chain.Key) error {
	_, err := signingPubKey(network, key)
	return err
}

// Address returns the classic address of key: base58check (XRPL alphabet,
// version 0) of RIPEMD-160(SHA-256(the 33-byte XRPL public key)).
func (Adapter) Address(network string, key chain.Key) (string, error) {
	pk, err := signingPubKey(network, key)
	if err != nil {
		return "", err
	}
	return address(pk), nil
}

// bitcoinAlphabet and xrplAlphabet are the two base58 alphabets; the XRPL
// one maps index for index onto Bitcoin's.
const (
	bitcoinAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	xrplAlphabet    = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
)

func address(pk []byte) string {
	s := sha256.Sum256(pk)
	r := ripemd160.New()
	r.Write(s[:])
	return accountAddress(r.Sum(nil))
}

// signingPubKey returns the XRPL form of key's public key: the compressed
// point for secp256k1, 0xED ‖ key for ed25519.
func signingPubKey(network string, key chain.Key) ([]byte, error) {
	if network != NetworkXrpLedger && network != NetworkXrpLedgerTestnet {
		return nil, apierr.BadRequest("network %q is not an XRP Ledger network", chain.Clip(network))
	}
	switch {
	case key.Scheme == chain.SchemeECDSA && key.Curve == chain.CurveSecp256k1:
		if len(key.PublicKey) != 33 {
			return nil, apierr.BadRequest("public key must be a 33-byte compressed secp256k1 point")
		}
		if _, err := btcec.ParsePubKey(key.PublicKey); err != nil {
			return nil, apierr.BadRequest("public key is not a valid secp256k1 point").Wrap(err)
		}
		return key.PublicKey, nil
	case key.Scheme == chain.SchemeEdDSA && key.Curve == chain.CurveEd25519:
		if len(key.PublicKey) != ed25519.PublicKeySize {
			return nil, apierr.BadRequest("public key must be 32 bytes of ed25519")
		}
		return append([]byte{0xED}, key.PublicKey...), nil
	}
	return nil, apierr.BadRequest("network %s needs an ECDSA secp256k1 or EdDSA ed25519 key, not %s/%s",
		network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
}

// Sign signs a Transaction request (the kind Dfns documents for the XRP
// Ledger), and Hash and (ed25519 keys) Message as on the key-only networks,
// since Dfns documents Hash for every key; other kinds are a 400.
func (Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	pk, err := signingPubKey(network, key)
	if err != nil {
		return nil, err
	}
	switch req.Kind {
	case "Transaction":
		return signTransaction(ctx, key, pk, s, req.Body)
	case keyonly.KindHash, keyonly.KindMessage:
		return keyonly.SignGeneric(ctx, key, s, req)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use Transaction or Hash", chain.Clip(req.Kind), network)
	}
}

// signTransaction signs an unsigned transaction in the XRPL binary format.
func signTransaction(ctx context.Context, key chain.Key, pk []byte, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in struct {
		Transaction *string `json:"transaction"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.Transaction == nil || *in.Transaction == "" {
		return nil, apierr.BadRequest("transaction is required (the hex of the unsigned transaction in the XRPL binary format)")
	}
	if len(*in.Transaction) > 2*maxTxBytes+2 {
		return nil, apierr.BadRequest("transaction is larger than %d bytes", maxTxBytes)
	}
	tx, err := chain.DecodeHex("transaction", *in.Transaction)
	if err != nil {
		return nil, err
	}
	at, has, err := signingSlot(tx, pk)
	if err != nil {
		return nil, err
	}
	pkField := append([]byte{0x73, byte(len(pk))}, pk...) // SigningPubKey (Blob 3), 33 bytes
	unsigned := tx
	if !has {
		unsigned = concat(tx[:at], pkField, tx[at:])
		at += len(pkField)
	}
	// Signing data: the prefix "STX\0" then the transaction without
	// TxnSignature.
	msg := append([]byte("STX\x00"), unsigned...)

	var sigBytes []byte
	var wire chain.Signature
	if key.Scheme == chain.SchemeEdDSA {
		sigBytes, err = s.SignEdDSA(ctx, msg)
		if err != nil {
			return nil, fmt.Errorf("eddsa signer: %w", err)
		}
		if len(sigBytes) != ed25519.SignatureSize || !ed25519.Verify(key.PublicKey, msg, sigBytes) {
			return nil, fmt.Errorf("eddsa signer returned a signature that does not verify")
		}
		wire = chain.Signature{R: chain.Hex0x(sigBytes[:32]), S: chain.Hex0x(sigBytes[32:]), Encoded: chain.Hex0x(sigBytes)}
	} else {
		h := sha512.Sum512(msg)
		digest := h[:32] // SHA-512Half
		raw, recid, err := s.SignECDSA(ctx, digest)
		if err != nil {
			return nil, fmt.Errorf("ecdsa signer: %w", err)
		}
		if len(raw) != 64 {
			return nil, fmt.Errorf("ecdsa signer returned %d bytes", len(raw))
		}
		var r, sc btcec.ModNScalar
		if r.SetByteSlice(raw[:32]) || sc.SetByteSlice(raw[32:]) {
			return nil, fmt.Errorf("ecdsa signer returned r or s out of range")
		}
		if sc.IsOverHalfOrder() {
			// The ledger requires fully canonical signatures (low S).
			sc.Negate()
			recid ^= 1
		}
		sig := ecdsa.NewSignature(&r, &sc)
		pub, _ := btcec.ParsePubKey(pk)
		if !sig.Verify(digest, pub) {
			return nil, fmt.Errorf("ecdsa signer returned a signature that does not verify")
		}
		sigBytes = sig.Serialize()
		rb, sb := r.Bytes(), sc.Bytes()
		id := int(recid)
		wire = chain.Signature{R: chain.Hex0x(rb[:]), S: chain.Hex0x(sb[:]), Recid: &id, Encoded: chain.Hex0x(sigBytes)}
	}
	sigField := append([]byte{0x74}, vl(len(sigBytes))...) // TxnSignature (Blob 4)
	sigField = append(sigField, sigBytes...)
	signed := concat(unsigned[:at], sigField, unsigned[at:])
	return &chain.Result{Signature: &wire, SignedData: chain.Hex0x(signed)}, nil
}

func concat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

// vl is the XRPL variable-length prefix for n ≤ 192 (signatures are).
func vl(n int) []byte { return []byte{byte(n)} }
