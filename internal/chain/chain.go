// Package chain holds the Adapter interface every chain family implements and
// the registry that lists them. Adapters derive addresses and turn signature
// requests into chain-ready signatures; they never see private keys: they ask
// a Signer, which lives in custody.
package chain

import (
	"context"
	"encoding/json"
)

// Scheme and curve names as on the wire (docs/protocol/keys-wallets.md §2).
const (
	SchemeECDSA   = "ECDSA"
	SchemeEdDSA   = "EdDSA"
	SchemeSchnorr = "Schnorr"

	CurveSecp256k1 = "secp256k1"
	CurveEd25519   = "ed25519"
	CurveStark     = "stark"
)

// Key is the public side of a signing key.
type Key struct {
	Scheme string // ECDSA | EdDSA | Schnorr
	Curve  string // secp256k1 | ed25519
	// PublicKey is the 33-byte compressed SEC1 point for secp256k1 keys
	// (ECDSA and Schnorr alike) or the 32-byte ed25519 public key.
	PublicKey []byte
}

// Signer signs with one custodied key. Implementations hold the private key
// (or talk to an HSM / MPC cluster); adapters only call these methods.
type Signer interface {
	// SignECDSA signs a 32-byte digest with secp256k1 ECDSA (RFC 6979),
	// returning the 64-byte r||s with low S and the recovery id (0 or 1).
	SignECDSA(ctx context.Context, digest []byte) (sig []byte, recid byte, err error)
	// SignEdDSA signs msg with pure ed25519, returning 64 bytes.
	SignEdDSA(ctx context.Context, msg []byte) ([]byte, error)
	// SignSchnorr signs a 32-byte digest per BIP-340, returning 64 bytes. When
	// tweak is non-nil the private key is first tweaked as BIP-341 taproot
	// output keys are (d' = d + t, with d negated if P has odd Y), where
	// tweak is the 32-byte t computed by the caller.
	SignSchnorr(ctx context.Context, digest []byte, tweak []byte) ([]byte, error)
}

// StarkSigner is implemented by signers of ECDSA keys on the STARK curve
// (Starknet): SignStark signs a 32-byte field element below 2^251 and
// returns r and s, 32 bytes each. Adapters reach it by type assertion, so
// signers of other curves need not implement it.
type StarkSigner interface {
	SignStark(ctx context.Context, hash []byte) (r, s []byte, err error)
}

// Signature is one signature in the wire encoding (hex strings, 0x-prefixed).
type Signature struct {
	R       string `json:"r"`
	S       string `json:"s"`
	Recid   *int   `json:"recid,omitempty"`
	Encoded string `json:"encoded,omitempty"`
}

// Result is what a signature request produces.
type Result struct {
	Signature  *Signature  `json:"signature,omitempty"`
	Signatures []Signature `json:"signatures,omitempty"`
	// SignedData is the signed transaction / payload ready to broadcast, in
	// the chain's own encoding (0x hex unless the chain says otherwise).
	SignedData string `json:"signedData,omitempty"`
}

// Request is a signature request body: Kind is the wire `kind` (Hash,
// Message, Transaction, Eip191, Eip712, Eip7702, Psbt, Bip322, ...), Body the
// whole JSON body as received, for the adapter to decode.
type Request struct {
	Kind string
	Body json.RawMessage
}

// Adapter implements one chain family.
type Adapter interface {
	// Networks lists the wire network names this adapter serves.
	Networks() []string
	// KeyFits reports whether key's scheme/curve can back a wallet on network
	// (e.g. EVM needs ECDSA/secp256k1); an error message says why not.
	KeyFits(network string, key Key) error
	// Address derives the wallet address for key on network, exactly as the
	// chain's own tools do. Pseudo-networks return "".
	Address(network string, key Key) (string, error)
	// Sign validates req for network and key and signs it with s. Bad input
	// (wrong kind for the network, malformed hex, garbage tx) returns an
	// *apierr.Error with status 400 naming the problem.
	Sign(ctx context.Context, network string, key Key, s Signer, req Request) (*Result, error)
}
