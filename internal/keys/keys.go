// Package keys holds signing keys and their signature requests
// (docs/protocol/keys-wallets.md §2, §3): creation, archival, export and import of keys
// whose private part lives sealed in a custody.Backend, and signature
// requests that pass through the policy seam before a chain adapter signs
// them with the backend's chain.Signer. Nothing here handles private key
// bytes except export, import and derive, which clear them after use.
package keys

import (
	"context"
	"encoding/json"
	"time"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/store"
)

// Key statuses.
const (
	StatusActive   = "Active"
	StatusArchived = "Archived"
)

// SchemeDH is the Diffie-Hellman key scheme: such keys only derive
// (POST /keys/{keyId}/derive) and never sign.
const SchemeDH = "DH"

// Signature request statuses (docs/protocol/keys-wallets.md §3).
const (
	SigPending   = "Pending"
	SigExecuting = "Executing"
	SigSigned    = "Signed"
	SigFailed    = "Failed"
	SigRejected  = "Rejected"
)

// Key is a signing key of an organisation.
type Key struct {
	ID        string
	OrgID     string
	Scheme    string // ECDSA | EdDSA | Schnorr | DH
	Curve     string // secp256k1 | ed25519
	PublicKey []byte
	Name      string
	Status    string
	Custodial bool
	Imported  bool
	// Exportable is a Custos extension: only keys created with
	// exportable:true can be exported.
	Exportable bool
	Exported   bool
	// DelegatedTo is the end user who owns the key, or "" (owner.go).
	DelegatedTo string
	// Material is the sealed private key as the backend stores it.
	Material     custody.Material
	CreatedBy    string
	Created      time.Time
	DateExported time.Time
	DateDeleted  time.Time
}

// Chain returns the public side of k as the chain adapters see it.
func (k *Key) Chain() chain.Key {
	return chain.Key{Scheme: k.Scheme, Curve: k.Curve, PublicKey: k.PublicKey}
}

// AAD returns the additional data that binds k's sealed material to its
// row: the org id and key id.
func (k *Key) AAD() []byte { return []byte(k.OrgID + "/" + k.ID) }

// custodyKey is the key as the custody backend knows it: DH keys are
// secp256k1 scalars sealed as ECDSA material (under an AAD of their own, so
// that the material never opens as a signing key).
func (k *Key) custodyKey() (chain.Key, []byte) {
	if k.Scheme == SchemeDH {
		return chain.Key{Scheme: chain.SchemeECDSA, Curve: k.Curve, PublicKey: k.PublicKey}, []byte(k.OrgID + "/" + k.ID + "/dh")
	}
	return k.Chain(), k.AAD()
}

// WalletRef names a wallet of a key (GET /keys/{keyId} wallets).
type WalletRef struct {
	ID      string `json:"id"`
	Network string `json:"network"`
}

// Requester is who asked for a signature.
type Requester struct {
	UserID  string `json:"userId"`
	TokenID string `json:"tokenId,omitempty"`
	AppID   string `json:"appId,omitempty"`
}

// SignatureRequest is one request to sign with a key, directly or through
// one of its wallets.
type SignatureRequest struct {
	ID        string
	OrgID     string
	KeyID     string
	WalletID  string // "" for POST /keys/{keyId}/signatures
	Network   string // "" when signed without a network
	Requester Requester
	// Body is the request body as received (compact JSON).
	Body       json.RawMessage
	Status     string
	Reason     string
	Result     *chain.Result
	ApprovalID string
	ExternalID string
	Requested  time.Time
	// PolicyResolved and Signed are zero until they happen.
	PolicyResolved time.Time
	Signed         time.Time
}

// SignatureFilter selects the requests of one key or one wallet.
type SignatureFilter struct {
	KeyID    string
	WalletID string
}

// Store is what keys needs of storage. Queries are scoped by org.
type Store interface {
	// Tx runs several of the calls below as one unit of work.
	store.Unit

	CreateKey(ctx context.Context, k *Key) error
	Key(ctx context.Context, org, id string) (*Key, error)
	Keys(ctx context.Context, org string, p identity.Page) ([]*Key, string, error)
	OwnedKeyStore
	// UpdateKey writes name, status, exported and the dates of k.
	UpdateKey(ctx context.Context, k *Key) error
	KeyWallets(ctx context.Context, org, keyID string) ([]WalletRef, error)

	// CreateSignatureRequest inserts r; an externalId already used in the
	// org returns ErrDuplicateExternalID.
	CreateSignatureRequest(ctx context.Context, r *SignatureRequest) error
	SignatureRequest(ctx context.Context, org, id string) (*SignatureRequest, error)
	// SignatureRequestByExternalID returns the request of org with
	// externalId ext, or a NotFound error.
	SignatureRequestByExternalID(ctx context.Context, org, ext string) (*SignatureRequest, error)
	SignatureRequests(ctx context.Context, org string, f SignatureFilter, p identity.Page) ([]*SignatureRequest, string, error)
	// FinishSignatureRequest writes status, reason, result and dates of r
	// if its stored status is still from, and reports whether it was
	// (approved requests, approved.go).
	FinishSignatureRequest(ctx context.Context, r *SignatureRequest, from string) (bool, error)
	// ExecutingSignatureRequests lists up to limit approved requests of
	// any org waiting to be signed.
	ExecutingSignatureRequests(ctx context.Context, limit int) ([]*SignatureRequest, error)

	// CreateImportSigner and ImportSigners keep the key-import encryption
	// keys of an org (import.go).
	CreateImportSigner(ctx context.Context, s *ImportSigner) error
	ImportSigners(ctx context.Context, org string) ([]*ImportSigner, error)
}
