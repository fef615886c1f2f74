// Package canton is the chain adapter for Canton, CantonTestnet and
// CantonDevnet. A Canton wallet is an external party whose id
// (<hint>::<namespace>) exists only once a validator has allocated it, so
// wallets start Inactive without an address; the key signs prepared
// transaction hashes (docs/protocol/networks-canton.md).
package canton

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"regexp"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
	"github.com/custos-dev/custos/internal/chain/keyonly"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkCanton        = "Canton"
	NetworkCantonTestnet = "CantonTestnet"
	NetworkCantonDevnet  = "CantonDevnet"
)

// purposeFingerprint is Canton's hash purpose of a public key fingerprint
// (HashPurpose.PublicKeyFingerprint).
const purposeFingerprint = 12

var family = chainkit.Family{Name: "Canton", Networks: []string{NetworkCanton, NetworkCantonTestnet, NetworkCantonDevnet}, Ed25519: true}

// Adapter serves the Canton networks. It is stateless.
type Adapter struct{}

var (
	_ chain.Adapter         = Adapter{}
	_ chain.OnChainAccounts = Adapter{}
	_ chain.Activator       = Adapter{}
)

// Networks returns Canton, CantonTestnet and CantonDevnet.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: Canton external parties sign with ed25519 keys.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// Address is "": the party id needs the party hint of the validator that
// allocates it.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	return "", a.KeyFits(network, key)
}

// Inactive reports true: every Canton wallet waits for its party.
func (Adapter) Inactive(string, chain.Key) bool { return true }

// Namespace returns the namespace of the party key owns: Canton's
// fingerprint of the key, the multihash prefix 12 20 and SHA-256 over the
// 4-byte big-endian hash purpose 12 and the raw public key, in hex.
func Namespace(key chain.Key) string {
	in := binary.BigEndian.AppendUint32(nil, purposeFingerprint)
	sum := sha256.Sum256(append(in, key.PublicKey...))
	return "1220" + hex.EncodeToString(sum[:])
}

// Sign signs Hash (a prepared transaction hash, or any 32 bytes) and
// Message as on the key-only networks: pure ed25519 over the bytes, what
// Canton checks for an external party's signature. Other kinds are a 400.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	switch req.Kind {
	case keyonly.KindHash, keyonly.KindMessage:
		return keyonly.SignGeneric(ctx, key, s, req)
	default:
		return nil, chainkit.UnsupportedKind(req.Kind, network, "Hash (the prepared transaction hash) or Message")
	}
}

// validatorID is the shape of a Dfns validator id.
var validatorID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Activation checks a POST /wallets/{walletId}/activate body, {validatorId},
// and answers why Custos cannot allocate the party: it manages no Canton
// validators.
func (a Adapter) Activation(network string, key chain.Key, body json.RawMessage) error {
	if err := a.KeyFits(network, key); err != nil {
		return err
	}
	var in struct {
		ValidatorID *string `json:"validatorId"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return err
	}
	if in.ValidatorID == nil || *in.ValidatorID == "" {
		return apierr.BadRequest("validatorId is required to activate a %s wallet", network)
	}
	if !validatorID.MatchString(*in.ValidatorID) {
		return apierr.BadRequest("validatorId %q is not a validator id", chain.Clip(*in.ValidatorID))
	}
	return apierr.BadRequest("activating a %s wallet allocates its party (namespace %s) on the validator %s; Custos manages no Canton validators, so %s wallets stay Inactive (docs/protocol/networks-canton.md)",
		network, Namespace(key), *in.ValidatorID, network)
}
