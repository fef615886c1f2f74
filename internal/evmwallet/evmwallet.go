// Package evmwallet moves funds from EVM wallets
// (docs/protocol/evm-transfers.md): transfers (Native, Erc20, Erc721) and
// sign-and-broadcast transactions built, signed and sent to the node the
// operator names for the wallet's network, with nonces allocated in the
// database; and the follower that reads each new block once for all
// wallets, confirms what it sees mined and records the wallets' history.
package evmwallet

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/store"
)

// Request statuses (docs/protocol/keys-wallets.md §5).
const (
	StatusPending     = "Pending"
	StatusExecuting   = "Executing"
	StatusBroadcasted = "Broadcasted"
	StatusConfirmed   = "Confirmed"
	StatusFailed      = "Failed"
	StatusRejected    = "Rejected"
)

// ErrDuplicateExternalID is returned by Store.CreateEVMRequest when the org
// already has a request of the same kind with the externalId.
var ErrDuplicateExternalID = errors.New("evmwallet: duplicate externalId")

// ErrLostRace is returned by Store.Advance when another follower moved the
// network's cursor meanwhile: the block was read by it, not lost.
var ErrLostRace = errors.New("evmwallet: the cursor moved")

// Requester is who asked for a request.
type Requester struct {
	UserID  string
	TokenID string
	AppID   string
}

// Request is a transfer (Transfer true, id xfr-…) or a sign-and-broadcast
// transaction (id tx-…) of an EVM wallet.
type Request struct {
	ID         string
	OrgID      string
	WalletID   string
	Network    string
	Transfer   bool
	Requester  Requester
	Body       json.RawMessage
	ExternalID string
	Status     string
	Reason     string
	ApprovalID string
	// Symbol and Decimals describe the asset a transfer moves
	// (Decimals -1: unknown).
	Symbol   string
	Decimals int
	// Sender is the wallet's address (EIP-55).
	Sender string
	// Nonce is -1 until one is allocated.
	Nonce int64
	// Unsigned and Signed are EIP-2718 encodings as 0x hex; TxHash is the
	// signed transaction's hash.
	Unsigned string
	Signed   string
	TxHash   string
	// Fee is gas used times the effective gas price, in wei, once mined.
	Fee   string
	Block int64
	// ReplacementID is the replacement transaction (tx-…) a speed-up or
	// cancel issued for the request.
	ReplacementID string

	Requested      time.Time
	PolicyResolved time.Time
	Broadcasted    time.Time
	Confirmed      time.Time
}

// Event is a blockchain event of a wallet.
type Event struct {
	ID        string
	OrgID     string
	WalletID  string
	Network   string
	Kind      string // NativeTransfer, Erc20Transfer, Erc721Transfer
	Direction string // In, Out
	Block     int64
	TxHash    string
	LogIndex  int64 // -1 for a transaction's native value
	From, To  string
	Value     string
	TokenID   string
	Contract  string
	Symbol    string
	Decimals  int
	Fee       string
	Time      time.Time
}

// Final is the outcome the follower saw on chain for a request.
type Final struct {
	ID     string
	Status string // Confirmed or Failed
	Reason string
	Fee    string
	Block  int64
	At     time.Time
}

// WalletRef names a wallet by address.
type WalletRef struct {
	OrgID    string
	WalletID string
	Created  time.Time
}

// HistoryFilter narrows GET /wallets/{walletId}/history.
type HistoryFilter struct {
	Kind      string
	Direction string
	Contract  string
}

// Store is what EVM transfers need of storage. Queries are scoped by org.
type Store interface {
	store.Unit

	// AllocateEVMNonce returns the next nonce of wallet, at least floor, and
	// moves it on by one, in the unit of work of ctx.
	AllocateEVMNonce(ctx context.Context, walletID string, floor uint64) (uint64, error)
	// UseEVMNonce records that nonce was used by a caller-built transaction:
	// the next nonce becomes at least nonce+1.
	UseEVMNonce(ctx context.Context, walletID string, nonce uint64) error
	// ReleaseEVMNonce moves the next nonce back to nonce if nonce is still the
	// last one allocated (its transaction was refused and is not on chain).
	ReleaseEVMNonce(ctx context.Context, walletID string, nonce uint64) error
	CreateEVMRequest(ctx context.Context, r *Request) error
	EVMRequest(ctx context.Context, org, id string) (*Request, error)
	EVMRequestByExternalID(ctx context.Context, org string, transfer bool, ext string) (*Request, error)
	EVMRequests(ctx context.Context, org, walletID string, transfer bool, p identity.Page) ([]*Request, string, error)
	// SetEVMSigned stores signed (with its hash) unless a signed transaction is
	// stored already or the request is no longer Executing (it was aborted),
	// and returns the one stored ("" when none).
	SetEVMSigned(ctx context.Context, id, signed, hash string) (string, string, error)
	// EVMNonceHeld reports whether an open (Executing or Broadcasted)
	// request of wallet other than exceptID holds nonce.
	EVMNonceHeld(ctx context.Context, walletID string, nonce int64, exceptID string) (bool, error)
	// SetEVMReplacement records replacementID as the replacement of request
	// id of org, provided it is Broadcasted and has none; it reports
	// whether it did.
	SetEVMReplacement(ctx context.Context, org, id, replacementID string) (bool, error)
	// AbortEVMRequest fails an Executing request of org that is not signed
	// yet, giving back the nonce it holds, in the unit of work of ctx; it
	// reports whether the request was such (ErrLaterNonce: nothing done).
	AbortEVMRequest(ctx context.Context, org, id, reason string) (bool, error)
	// MarkEVMBroadcasted moves an Executing request to Broadcasted.
	MarkEVMBroadcasted(ctx context.Context, id string, at time.Time) error
	// MarkEVMFailed fails a request that is neither confirmed nor failed.
	MarkEVMFailed(ctx context.Context, id, reason string) error
	// ResolveEVMRequest moves a Pending request (one an approval held) to
	// status, Executing or Rejected, with reason and the date its policy
	// resolved; it reports whether the request was Pending.
	ResolveEVMRequest(ctx context.Context, org, id, status, reason string, at time.Time) (bool, error)
	// SetEVMUnsigned stores the nonce and unsigned transaction of an
	// Executing request that has none yet; it reports whether it had none.
	SetEVMUnsigned(ctx context.Context, id string, nonce int64, unsigned string) (bool, error)
	// FailUnbuiltEVMRequest fails an Executing request that has no unsigned
	// transaction yet; it reports whether it was such.
	FailUnbuiltEVMRequest(ctx context.Context, id, reason string) (bool, error)
	// OpenEVMRequestByHash returns the Executing or Broadcasted request of
	// network whose transaction has hash (NotFound when none).
	OpenEVMRequestByHash(ctx context.Context, network, hash string) (*Request, error)
	// OpenEVMRequests lists the Executing and Broadcasted requests of network, oldest
	// first, at most limit.
	OpenEVMRequests(ctx context.Context, network string, limit int) ([]*Request, error)

	// Lease takes or renews the lease name for holder until until; it
	// reports whether holder has it.
	TakeLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	// Cursor returns the next block to read on network (ok false: none yet).
	EVMCursor(ctx context.Context, network string) (next int64, ok bool, err error)
	// BlockHash returns the hash recorded for block number of network.
	EVMBlockHash(ctx context.Context, network string, number int64) (string, bool, error)
	// Advance records block number (hash) of network as read: its events,
	// the requests it settles, and the cursor moved from number to
	// number+1 (ErrLostRace when the cursor was not at number), as one unit.
	AdvanceEVM(ctx context.Context, network string, number int64, hash string, events []*Event, finals []Final) error
	// Rewind forgets blocks from number on (a reorganisation): their
	// events go, the requests they settled are Broadcasted again, and the
	// cursor goes back to number.
	RewindEVM(ctx context.Context, network string, number int64) error
	// EVMWalletsSince lists the wallets of network created at or after since.
	EVMWalletsSince(ctx context.Context, network string, since time.Time) (map[string]WalletRef, error)
	EVMEvents(ctx context.Context, org, walletID string, f HistoryFilter, p identity.Page) ([]*Event, string, error)
	// Contracts lists the token contracts seen in the events of a wallet.
	EVMContracts(ctx context.Context, org, walletID string) ([]string, error)
	// EVMNftEvents lists the Erc721Transfer events of a wallet in chain
	// order (block, then log index), the newest limit of them.
	EVMNftEvents(ctx context.Context, org, walletID string, limit int) ([]*Event, error)
}
