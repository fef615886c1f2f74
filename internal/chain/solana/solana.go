package solana

import (
	"bytes"
	"context"
	"fmt"

	bin "github.com/gagliardetto/binary"
	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// Network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkSolana       = "Solana"
	NetworkSolanaDevnet = "SolanaDevnet"
)

// Signature kinds this adapter signs.
const (
	KindTransaction = "Transaction"
	KindMessage     = "Message"
)

// maxTxSize is Solana's PACKET_DATA_SIZE, the largest serialized
// transaction the network accepts.
const maxTxSize = 1232

const sigSize = 64

// Adapter serves Solana and SolanaDevnet.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Solana and SolanaDevnet.
func (Adapter) Networks() []string { return []string{NetworkSolana, NetworkSolanaDevnet} }

// KeyFits reports, as a 400, why key cannot back a Solana wallet: it must be
// an EdDSA key on ed25519.
func (Adapter) KeyFits(network string, key chain.Key) error {
	if network != NetworkSolana && network != NetworkSolanaDevnet {
		return apierr.BadRequest("network %q is not a Solana network", chain.Clip(network))
	}
	if key.Scheme != chain.SchemeEdDSA || key.Curve != chain.CurveEd25519 {
		return apierr.BadRequest("network %s needs an EdDSA key on ed25519, not %s/%s",
			network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
	}
	if len(key.PublicKey) != sol.PublicKeyLength {
		return apierr.BadRequest("ed25519 public key must be %d bytes", sol.PublicKeyLength)
	}
	return nil
}

// Address returns the base58 of the 32-byte public key.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	return sol.PublicKeyFromBytes(key.PublicKey).String(), nil
}

// Sign signs a Transaction (hex serialized transaction with placeholder
// signatures) or a Message (hex raw bytes).
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	switch req.Kind {
	case KindTransaction:
		var in struct {
			Transaction *string `json:"transaction"`
		}
		if err := chain.DecodeBody(req.Body, &in); err != nil {
			return nil, err
		}
		if in.Transaction == nil {
			return nil, apierr.BadRequest("transaction is required")
		}
		raw, err := chain.DecodeHex("transaction", *in.Transaction)
		if err != nil {
			return nil, err
		}
		return signTransaction(ctx, key, s, raw)
	case KindMessage:
		msg, err := chain.DecodeMessage(req.Body)
		if err != nil {
			return nil, err
		}
		sig, err := signEdDSA(ctx, s, msg)
		if err != nil {
			return nil, err
		}
		return &chain.Result{Signature: &chain.Signature{R: chain.Hex0x(sig[:32]), S: chain.Hex0x(sig[32:])}}, nil
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("kind %q is not supported on %s; use Transaction or Message", chain.Clip(req.Kind), network)
	}
}

// signTransaction signs the message of a serialized transaction and writes
// the signature into every signature slot that belongs to key.
func signTransaction(ctx context.Context, key chain.Key, s chain.Signer, raw []byte) (*chain.Result, error) {
	if len(raw) == 0 {
		return nil, apierr.BadRequest("transaction must not be empty")
	}
	if len(raw) > maxTxSize {
		return nil, apierr.BadRequest("transaction is %d bytes; Solana transactions are at most %d", len(raw), maxTxSize)
	}
	numSigs, prefix, err := bin.DecodeCompactU16(raw)
	if err != nil {
		return nil, apierr.BadRequest("transaction: signature count does not decode")
	}
	msgStart := prefix + sigSize*numSigs
	if msgStart >= len(raw) {
		return nil, apierr.BadRequest("transaction is truncated: %d signature slots and no message", numSigs)
	}
	msgBytes := raw[msgStart:]
	msg, err := decodeMessage(msgBytes)
	if err != nil {
		return nil, err
	}
	required := int(msg.Header.NumRequiredSignatures)
	if required != numSigs {
		return nil, apierr.BadRequest("transaction has %d signature slots but its message requires %d signatures", numSigs, required)
	}
	if required > len(msg.AccountKeys) {
		return nil, apierr.BadRequest("transaction message requires %d signatures but lists %d accounts", required, len(msg.AccountKeys))
	}
	var slots []int
	for i := range required {
		if bytes.Equal(msg.AccountKeys[i][:], key.PublicKey) {
			slots = append(slots, i)
		}
	}
	if len(slots) == 0 {
		return nil, apierr.BadRequest("the wallet is not a required signer of this transaction")
	}

	sig, err := signEdDSA(ctx, s, msgBytes)
	if err != nil {
		return nil, err
	}
	signed := bytes.Clone(raw)
	for _, i := range slots {
		copy(signed[prefix+sigSize*i:], sig)
	}
	return &chain.Result{
		Signature:  &chain.Signature{R: chain.Hex0x(sig[:32]), S: chain.Hex0x(sig[32:]), Encoded: chain.Hex0x(sig)},
		SignedData: chain.Hex0x(signed),
	}, nil
}

// decodeMessage decodes a legacy or v0 message that must use every byte.
// The version is dispatched here, by the high bit as the Solana runtime
// does, rather than by solana-go's first-byte heuristic.
func decodeMessage(b []byte) (*sol.Message, error) {
	var msg sol.Message
	dec := bin.NewBinDecoder(b)
	var err error
	switch {
	case b[0]&0x80 == 0:
		err = msg.UnmarshalLegacy(dec)
	case b[0] == 0x80:
		err = msg.UnmarshalV0(dec)
	default:
		return nil, apierr.BadRequest("transaction message version %d is not supported (legacy or v0)", b[0]&0x7f)
	}
	if err != nil {
		return nil, apierr.BadRequest("transaction message does not decode").Wrap(err)
	}
	if dec.Remaining() != 0 {
		return nil, apierr.BadRequest("transaction has %d trailing bytes after its message", dec.Remaining())
	}
	return &msg, nil
}

func signEdDSA(ctx context.Context, s chain.Signer, msg []byte) ([]byte, error) {
	sig, err := s.SignEdDSA(ctx, msg)
	if err != nil {
		return nil, err
	}
	if len(sig) != sigSize {
		return nil, fmt.Errorf("solana: signer returned %d bytes, want %d", len(sig), sigSize)
	}
	return sig, nil
}
