// Package stellar is the chain adapter for Stellar and StellarTestnet:
// StrKey account addresses (G…), signing of transaction envelopes (plain
// and fee-bump) and the StellarFeeBumpTransaction kind, in which the
// wallet pays the fee of someone else's signed transaction
// (docs/protocol/networks-stellar.md).
package stellar

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// Network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkStellar        = "Stellar"
	NetworkStellarTestnet = "StellarTestnet"
)

// Signature kinds.
const (
	KindTransaction = "Transaction"
	KindFeeBump     = "StellarFeeBumpTransaction"
)

// Network passphrases, whose SHA-256 is the network id every signature
// commits to.
var passphrases = map[string]string{
	NetworkStellar:        "Public Global Stellar Network ; September 2015",
	NetworkStellarTestnet: "Test SDF Network ; September 2015",
}

var family = chainkit.Family{Name: "Stellar", Networks: []string{NetworkStellar, NetworkStellarTestnet}, Ed25519: true}

// Adapter serves Stellar and StellarTestnet.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Stellar and StellarTestnet.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: Stellar accounts are ed25519 keys.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// Address returns the StrKey account id (G…) of the key.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	return AccountID(key.PublicKey), nil
}

// AccountID encodes an ed25519 public key as a StrKey account id: base32
// of version byte 6<<3, the key and its CRC16-XModem (little-endian).
func AccountID(pub []byte) string {
	b := make([]byte, 0, 35)
	b = append(b, 6<<3)
	b = append(b, pub...)
	c := crc16(b)
	b = append(b, byte(c), byte(c>>8))
	return base32.StdEncoding.EncodeToString(b)
}

func crc16(b []byte) uint16 {
	var crc uint16
	for _, x := range b {
		crc ^= uint16(x) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// Sign signs a Transaction (hex XDR TransactionEnvelope, v1 or fee-bump)
// or a StellarFeeBumpTransaction (hex XDR of a v1 envelope the wallet
// wraps in a fee-bump it pays for).
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	switch req.Kind {
	case KindTransaction:
		env, err := chainkit.HexField(req.Body, "transaction")
		if err != nil {
			return nil, err
		}
		return signEnvelope(ctx, network, key, s, env, "transaction")
	case KindFeeBump:
		var in struct {
			Ref *string `json:"transactionReference"`
		}
		if err := chain.DecodeBody(req.Body, &in); err != nil {
			return nil, err
		}
		if in.Ref == nil || *in.Ref == "" {
			return nil, apierr.BadRequest("transactionReference is required")
		}
		inner, err := chainkit.HexField(req.Body, "innerTransaction")
		if err != nil {
			return nil, err
		}
		env, err := wrapFeeBump(key.PublicKey, inner)
		if err != nil {
			return nil, err
		}
		return signEnvelope(ctx, network, key, s, env, "innerTransaction")
	}
	return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction or StellarFeeBumpTransaction")
}

// signEnvelope signs env for network and returns the envelope with the
// wallet's decorated signature appended.
func signEnvelope(ctx context.Context, network string, key chain.Key, s chain.Signer, env []byte, field string) (*chain.Result, error) {
	e, err := parseEnvelope(env, field)
	if err != nil {
		return nil, err
	}
	id := sha256.Sum256([]byte(passphrases[network]))
	payload := make([]byte, 0, 32+e.sigStart)
	payload = append(payload, id[:]...)
	payload = append(payload, env[:e.sigStart]...)
	h := sha256.Sum256(payload)
	sig, err := chainkit.SignEd25519(ctx, s, h[:])
	if err != nil {
		return nil, err
	}
	signed := make([]byte, 0, len(env)+72)
	signed = append(signed, env[:e.sigStart]...)
	signed = binary.BigEndian.AppendUint32(signed, uint32(e.nsig+1))
	signed = append(signed, env[e.sigStart+4:]...)
	signed = append(signed, key.PublicKey[28:32]...) // hint
	signed = binary.BigEndian.AppendUint32(signed, 64)
	signed = append(signed, sig...)
	return chainkit.Result(sig, nil, sig, signed), nil
}
