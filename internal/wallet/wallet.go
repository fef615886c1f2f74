// Package wallet holds wallets (docs/protocol/keys-wallets.md §4): a key bound to a
// network, with the address the network's adapter derives from it. Wallets
// never touch key bytes: new keys come from the key service, and wallet
// signature requests are key signature requests with the wallet's network.
package wallet

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/wire"
)

// Wallet statuses.
const (
	StatusActive   = "Active"
	StatusArchived = "Archived"
	// StatusInactive is a wallet whose account the chain creates: it waits
	// for activation (chain.OnChainAccounts).
	StatusInactive = "Inactive"
)

// initialStatus is the status of a new wallet of a on network with key.
func initialStatus(a chain.Adapter, network string, key chain.Key) string {
	if chain.StartsInactive(a, network, key) {
		return StatusInactive
	}
	return StatusActive
}

// Wallet is a wallet of an organisation.
type Wallet struct {
	ID         string
	OrgID      string
	KeyID      string
	Network    string
	Address    string // "" on pseudo-networks
	Name       string
	ExternalID string
	Status     string
	Tags       []string
	Created    time.Time
	// Key is the signing key's public side, loaded with the wallet.
	Key SigningKey
}

// SigningKey is what a wallet shows of its key.
type SigningKey struct {
	Scheme    string
	Curve     string
	PublicKey []byte
	Status    string // the key's status
	// DelegatedTo is the end user who owns the key, or "" (custodial).
	DelegatedTo string
}

// Store is what wallets need of storage. Queries are scoped by org.
type Store interface {
	// Tx runs several of the calls below as one unit of work.
	store.Unit

	// CreateWallet inserts w, and newKey first in the same transaction
	// when it is not nil.
	CreateWallet(ctx context.Context, w *Wallet, newKey *keys.Key) error
	Wallet(ctx context.Context, org, id string) (*Wallet, error)
	Wallets(ctx context.Context, org string, p identity.Page) ([]*Wallet, string, error)
	// OwnedWallets pages through the wallets whose key is delegated to
	// end user owner.
	OwnedWallets(ctx context.Context, org, owner string, p identity.Page) ([]*Wallet, string, error)
	// UpdateWallet writes name and externalId.
	UpdateWallet(ctx context.Context, w *Wallet) error
	// UpdateTags adds and removes tags of wallet id atomically.
	UpdateTags(ctx context.Context, org, id string, add, remove []string) error
}

// View is the wire Wallet (docs/protocol/keys-wallets.md §4.2; dfns-sdk-go types.Wallet).
type View struct {
	ID          string         `json:"id"`
	Network     string         `json:"network"`
	Address     string         `json:"address,omitempty"`
	SigningKey  SigningKeyView `json:"signingKey"`
	Status      string         `json:"status"`
	DateCreated string         `json:"dateCreated"`
	Name        string         `json:"name,omitempty"`
	Custodial   bool           `json:"custodial"`
	ExternalID  string         `json:"externalId,omitempty"`
	Tags        []string       `json:"tags"`
}

// SigningKeyView is the wire signingKey object.
type SigningKeyView struct {
	ID        string `json:"id"`
	Scheme    string `json:"scheme"`
	Curve     string `json:"curve"`
	PublicKey string `json:"publicKey"`
	// DelegatedTo is the end user who owns the wallet's key.
	DelegatedTo string `json:"delegatedTo,omitempty"`
}

// ViewOf renders w for the wire. A wallet whose key is archived shows as
// Archived; tags are always an array.
func ViewOf(w *Wallet) View {
	status := w.Status
	if w.Key.Status == keys.StatusArchived {
		status = StatusArchived
	}
	tags := w.Tags
	if tags == nil {
		tags = []string{}
	}
	return View{
		ID: w.ID, Network: w.Network, Address: w.Address, Status: status, Name: w.Name, Custodial: w.Key.DelegatedTo == "",
		ExternalID: w.ExternalID, Tags: tags, DateCreated: wire.Time(w.Created),
		SigningKey: SigningKeyView{ID: w.KeyID, Scheme: w.Key.Scheme, Curve: w.Key.Curve,
			PublicKey: hex.EncodeToString(w.Key.PublicKey), DelegatedTo: w.Key.DelegatedTo},
	}
}
