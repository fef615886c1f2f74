// Package substrate is the chain adapter for the Substrate networks Dfns
// serves: Polkadot, Kusama, Westend, Paseo, their Asset Hubs, Polymesh and
// PolymeshTestnet. Addresses are SS58 with each network's prefix; requests
// sign a SignerPayload (raw bytes or the polkadot.js JSON form), a
// Transaction (raw signer payload) or a Message
// (docs/protocol/networks-substrate.md).
package substrate

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/btcsuite/btcd/btcutil/base58"
	"golang.org/x/crypto/blake2b"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// Signature kinds.
const (
	KindSignerPayload = "SignerPayload"
	KindTransaction   = "Transaction"
	KindMessage       = "Message"
)

// ss58Prefix is the address prefix of each network (the chains' own
// chain-spec ss58Format).
var ss58Prefix = map[string]byte{
	"Polkadot": 0, "PolkadotAssetHub": 0,
	"Kusama": 2, "KusamaAssetHub": 2,
	"Westend": 42, "WestendAssetHub": 42,
	"Paseo": 0, "PaseoAssetHub": 0,
	"Polymesh": 12, "PolymeshTestnet": 42,
}

func isPolymesh(network string) bool { return network == "Polymesh" || network == "PolymeshTestnet" }

var family = func() chainkit.Family {
	f := chainkit.Family{Name: "Substrate", Ed25519: true}
	for n := range ss58Prefix {
		f.Networks = append(f.Networks, n)
	}
	slices.Sort(f.Networks)
	return f
}()

// Adapter serves the Substrate networks.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns the Substrate networks.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: wallets are ed25519 keys (Dfns signs Substrate with ed25519,
// not sr25519).
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// Address returns the SS58 address of the key with the network's prefix.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	return SS58(ss58Prefix[network], key.PublicKey), nil
}

// SS58 encodes a 32-byte account id with a one-byte prefix (< 64):
// base58 of prefix ‖ id ‖ the first 2 bytes of BLAKE2b-512("SS58PRE" ‖
// prefix ‖ id).
func SS58(prefix byte, id []byte) string {
	body := slices.Concat([]byte{prefix}, id)
	sum := blake2b.Sum512(slices.Concat([]byte("SS58PRE"), body))
	return base58.Encode(slices.Concat(body, sum[:2]))
}

// decodeSS58 returns the account id of a one-byte-prefix SS58 address
// with a valid checksum, whatever its prefix.
func decodeSS58(addr string) ([]byte, bool) {
	b := base58.Decode(addr)
	if len(b) != 35 || b[0] >= 64 {
		return nil, false
	}
	sum := blake2b.Sum512(slices.Concat([]byte("SS58PRE"), b[:33]))
	if !bytes.Equal(sum[:2], b[33:]) {
		return nil, false
	}
	return b[1:33], true
}

// Sign signs a SignerPayload, Transaction or Message request.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	var msg []byte
	switch req.Kind {
	case KindSignerPayload:
		var in struct {
			Payload json.RawMessage `json:"payload"`
		}
		if err := chain.DecodeBody(req.Body, &in); err != nil {
			return nil, err
		}
		if len(in.Payload) == 0 || string(in.Payload) == "null" {
			return nil, apierr.BadRequest("payload is required")
		}
		var err error
		if in.Payload[0] == '"' {
			msg, err = chainkit.HexField(req.Body, "payload")
		} else {
			msg, err = encodePayload(in.Payload, key.PublicKey)
		}
		if err != nil {
			return nil, err
		}
		msg = payloadToSign(msg)
	case KindTransaction:
		p, err := chainkit.HexField(req.Body, "transaction")
		if err != nil {
			return nil, err
		}
		msg = payloadToSign(p)
	case KindMessage:
		m, err := chainkit.HexField(req.Body, "message")
		if err != nil {
			return nil, err
		}
		msg = m
	default:
		return nil, chainkit.UnsupportedKind(req.Kind, network, "SignerPayload, Transaction or Message")
	}
	sig, err := chainkit.SignEd25519(ctx, s, msg)
	if err != nil {
		return nil, err
	}
	// Substrate networks answer the MultiSignature (0x00 = Ed25519 ‖
	// signature), as Dfns does; Polymesh the bare signature, to which
	// the Dfns Polymesh signer adds the 0x00 itself.
	encoded := slices.Concat([]byte{0}, sig)
	if isPolymesh(network) {
		encoded = sig
	}
	return chainkit.Result(sig, nil, encoded, nil), nil
}

// payloadToSign applies Substrate's rule for extrinsic payloads: longer
// than 256 bytes, the BLAKE2b-256 of the payload is signed instead.
func payloadToSign(p []byte) []byte {
	if len(p) > 256 {
		h := blake2b.Sum256(p)
		return h[:]
	}
	return p
}
