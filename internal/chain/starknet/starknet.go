// Package starknet is the chain adapter for Starknet and StarknetSepolia:
// the address of the OpenZeppelin account contract deployed for the
// wallet's STARK key, and signatures of Transaction (version 3 INVOKE and
// DEPLOY_ACCOUNT, Poseidon-hashed), Snip12 (typed data, revisions 0 and 1)
// and Hash requests (docs/protocol/networks-starknet.md).
package starknet

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/keyonly"
	"github.com/custos-dev/custos/internal/chain/stark"
)

// Wire network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkStarknet        = "Starknet"
	NetworkStarknetSepolia = "StarknetSepolia"
)

// Signature kinds.
const (
	KindTransaction = "Transaction"
	KindSnip12      = "Snip12"
)

// AccountClassHash is the class of the account contract whose address a
// wallet gets: OpenZeppelin's Account v1.0.0 (constructor(public_key)),
// declared on both networks.
const AccountClassHash = "0x05b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564"

var (
	accountClass, _ = new(big.Int).SetString(AccountClassHash[2:], 16)
	// Chain ids: the short strings SN_MAIN and SN_SEPOLIA.
	chainIDs = map[string]*big.Int{
		NetworkStarknet:        new(big.Int).SetBytes([]byte("SN_MAIN")),
		NetworkStarknetSepolia: new(big.Int).SetBytes([]byte("SN_SEPOLIA")),
	}
)

// Adapter implements chain.Adapter for Starknet. It is stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Starknet and StarknetSepolia.
func (Adapter) Networks() []string { return []string{NetworkStarknet, NetworkStarknetSepolia} }

// KeyFits reports, as a 400, why key cannot back a Starknet wallet: it must
// be an ECDSA key on the STARK curve.
func (Adapter) KeyFits(network string, key chain.Key) error {
	if _, ok := chainIDs[network]; !ok {
		return apierr.BadRequest("network %q is not a Starknet network", chain.Clip(network))
	}
	if key.Scheme != chain.SchemeECDSA || key.Curve != chain.CurveStark || len(key.PublicKey) != 33 {
		return apierr.BadRequest("network %s needs an ECDSA key on stark, not %s/%s", network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
	}
	return nil
}

// account returns the address of the wallet's account contract: deployed
// by no one (deployer 0) with salt and constructor argument the stark key.
func account(key chain.Key) *big.Int {
	starkKey := new(big.Int).SetBytes(stark.X(key.PublicKey))
	return stark.ContractAddress(starkKey, accountClass, []*big.Int{starkKey}, new(big.Int))
}

// Address returns the account address as 0x and 64 lower-case hex digits.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	return feltPad(account(key)), nil
}

// Sign signs a Transaction, Snip12 or Hash request; other kinds are a 400.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	var h *big.Int
	switch req.Kind {
	case KindTransaction:
		var in struct {
			Transaction json.RawMessage `json:"transaction"`
		}
		if err := chain.DecodeBody(req.Body, &in); err != nil {
			return nil, err
		}
		if len(in.Transaction) == 0 || string(in.Transaction) == "null" {
			return nil, apierr.BadRequest("transaction is required (a Starknet JSON-RPC INVOKE or DEPLOY_ACCOUNT transaction)")
		}
		var err error
		if h, err = txHash(in.Transaction, chainIDs[network], account(key)); err != nil {
			return nil, err
		}
	case KindSnip12:
		var err error
		if h, err = snip12Hash(req.Body, account(key)); err != nil {
			return nil, err
		}
	case keyonly.KindHash:
		return keyonly.SignGeneric(ctx, key, s, req)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use Transaction, Snip12 or Hash", chain.Clip(req.Kind), network)
	}
	return signFelt(ctx, s, h)
}

// signFelt signs a field element (every Starknet hash is below 2^251).
func signFelt(ctx context.Context, s chain.Signer, h *big.Int) (*chain.Result, error) {
	ss, ok := s.(chain.StarkSigner)
	if !ok {
		return nil, errors.New("starknet: the signer cannot sign with stark keys")
	}
	r, sv, err := ss.SignStark(ctx, h.FillBytes(make([]byte, 32)))
	if err != nil {
		return nil, err
	}
	if len(r) != 32 || len(sv) != 32 {
		return nil, errors.New("starknet: stark signer returned a malformed signature")
	}
	return &chain.Result{Signature: &chain.Signature{R: chain.Hex0x(r), S: chain.Hex0x(sv)}}, nil
}

// TransactionHash returns the hash (the Starknet transaction hash) of the
// JSON-RPC transaction tx of the wallet of key on network, as Sign signs it.
func TransactionHash(network string, key chain.Key, tx json.RawMessage) ([]byte, error) {
	if err := (Adapter{}).KeyFits(network, key); err != nil {
		return nil, err
	}
	h, err := txHash(tx, chainIDs[network], account(key))
	if err != nil {
		return nil, err
	}
	return h.FillBytes(make([]byte, 32)), nil
}

// MessageHash returns the SNIP-12 message hash of a Snip12 request body for
// the wallet of key, as Sign signs it.
func MessageHash(key chain.Key, body json.RawMessage) ([]byte, error) {
	h, err := snip12Hash(body, account(key))
	if err != nil {
		return nil, err
	}
	return h.FillBytes(make([]byte, 32)), nil
}
