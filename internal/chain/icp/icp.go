// Package icp is the chain adapter for InternetComputer and Origyn (the OGY
// token's network, which runs on the Internet Computer): the wallet's
// address is the self-authenticating principal of its key
// (docs/protocol/networks-icp.md). Requests are signed as Hash (and Message
// for ed25519 keys) through the key-only path; the ledger's own request
// envelopes are not built here.
package icp

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"hash/crc32"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/keyonly"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkInternetComputer = "InternetComputer"
	NetworkOrigyn           = "Origyn"
)

// Adapter implements chain.Adapter for the Internet Computer. It is
// stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns InternetComputer and Origyn.
func (Adapter) Networks() []string { return []string{NetworkInternetComputer, NetworkOrigyn} }

// KeyFits accepts ECDSA secp256k1 and EdDSA ed25519 keys.
func (Adapter) KeyFits(network string, key chain.Key) error {
	_, err := derKey(network, key)
	return err
}

// Address returns the textual self-authenticating principal of key.
func (Adapter) Address(network string, key chain.Key) (string, error) {
	der, err := derKey(network, key)
	if err != nil {
		return "", err
	}
	return principalText(selfAuthenticating(der)), nil
}

// Sign signs Hash (any key) and Message (ed25519 keys) as the key-only
// networks do; other kinds are a 400.
func (Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if _, err := derKey(network, key); err != nil {
		return nil, err
	}
	switch req.Kind {
	case keyonly.KindHash, keyonly.KindMessage:
		return keyonly.SignGeneric(ctx, key, s, req)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use Hash (or Message with an ed25519 key)", chain.Clip(req.Kind), network)
	}
}

// DER SubjectPublicKeyInfo prefixes (RFC 5480 with the secp256k1 OID
// 1.3.132.0.10 and an uncompressed point; RFC 8410 for Ed25519), the
// encodings the Internet Computer interface specification names for
// self-authenticating ids.
var (
	secp256k1SPKI = []byte{0x30, 0x56, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
		0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a, 0x03, 0x42, 0x00}
	ed25519SPKI = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}
)

func derKey(network string, key chain.Key) ([]byte, error) {
	if network != NetworkInternetComputer && network != NetworkOrigyn {
		return nil, apierr.BadRequest("network %q is not an Internet Computer network", chain.Clip(network))
	}
	switch {
	case key.Scheme == chain.SchemeECDSA && key.Curve == chain.CurveSecp256k1:
		pub, err := btcec.ParsePubKey(key.PublicKey)
		if err != nil || len(key.PublicKey) != 33 {
			return nil, apierr.BadRequest("public key is not a 33-byte compressed secp256k1 point")
		}
		return append(append([]byte(nil), secp256k1SPKI...), pub.SerializeUncompressed()...), nil
	case key.Scheme == chain.SchemeEdDSA && key.Curve == chain.CurveEd25519:
		if len(key.PublicKey) != ed25519.PublicKeySize {
			return nil, apierr.BadRequest("public key must be 32 bytes of ed25519")
		}
		return append(append([]byte(nil), ed25519SPKI...), key.PublicKey...), nil
	}
	return nil, apierr.BadRequest("network %s needs an ECDSA secp256k1 or EdDSA ed25519 key, not %s/%s", network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
}

// selfAuthenticating returns SHA-224(der) ‖ 0x02.
func selfAuthenticating(der []byte) []byte {
	h := sha256.Sum224(der)
	return append(h[:], 0x02)
}

// principalText is the textual form: lower-case unpadded base32 of
// CRC-32(id) (big-endian) ‖ id, in groups of five joined by '-'.
func principalText(id []byte) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.ChecksumIEEE(id))
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(append(b[:], id...)))
	var out strings.Builder
	for i := 0; i < len(s); i += 5 {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(s[i:min(i+5, len(s))])
	}
	return out.String()
}
