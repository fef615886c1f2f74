// Package btcwallet moves funds from Bitcoin-family wallets (Bitcoin,
// Litecoin and the local BitcoinRegtest; docs/protocol/btc-transfers.md):
// Native transfers built from the wallet's unspent outputs with a fee rate
// from the node and change back to the wallet, Psbt sign-and-broadcast
// transactions, and the follower that reads each new block once for all
// wallets to record their outputs and history and confirm what it sees
// mined.
//
// Requests, events, cursors, block hashes and leases share the tables (and
// the store methods) of internal/evmwallet; the outputs that pay wallets
// are this package's own (OutputStore).
package btcwallet

import (
	"context"
	"errors"
	"time"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/store"
)

// ErrOutputsTaken is returned by Store.ReserveOutputs when an output was
// spent or reserved meanwhile (another transfer of the wallet chose it).
var ErrOutputsTaken = errors.New("btcwallet: an output was taken by another request")

// Output is an output that pays a wallet.
type Output struct {
	Network  string
	TxHash   string
	Vout     uint32
	OrgID    string
	WalletID string
	Value    int64
	PkScript string // hex
	Block    int64
	Coinbase bool
	// SpentTx is the transaction that spent the output ("" while
	// unspent); ReservedBy the request that will spend it.
	SpentTx    string
	ReservedBy string
}

// OutPoint names an output.
type OutPoint struct {
	TxHash string
	Vout   uint32
}

// Spend is an output of a wallet spent in a block.
type Spend struct {
	OutPoint
	SpentTx string
}

// Store is what Bitcoin-family transfers need of storage.
type Store interface {
	store.Unit
	RequestStore
	OutputStore
}

// RequestStore is the part of evmwallet.Store this package uses: requests,
// events, the cursor, block hashes and leases are kept the same way for
// every chain family.
type RequestStore interface {
	CreateEVMRequest(ctx context.Context, r *evmwallet.Request) error
	EVMRequest(ctx context.Context, org, id string) (*evmwallet.Request, error)
	EVMRequestByExternalID(ctx context.Context, org string, transfer bool, ext string) (*evmwallet.Request, error)
	EVMRequests(ctx context.Context, org, walletID string, transfer bool, p identity.Page) ([]*evmwallet.Request, string, error)
	SetEVMSigned(ctx context.Context, id, signed, hash string) (string, string, error)
	MarkEVMBroadcasted(ctx context.Context, id string, at time.Time) error
	MarkEVMFailed(ctx context.Context, id, reason string) error
	SetEVMUnsigned(ctx context.Context, id string, nonce int64, unsigned string) (bool, error)
	FailUnbuiltEVMRequest(ctx context.Context, id, reason string) (bool, error)
	SetEVMReplacement(ctx context.Context, org, id, replacementID string) (bool, error)
	OpenEVMRequestByHash(ctx context.Context, network, hash string) (*evmwallet.Request, error)
	OpenEVMRequests(ctx context.Context, network string, limit int) ([]*evmwallet.Request, error)
	TakeLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	EVMCursor(ctx context.Context, network string) (next int64, ok bool, err error)
	EVMBlockHash(ctx context.Context, network string, number int64) (string, bool, error)
	AdvanceEVM(ctx context.Context, network string, number int64, hash string, events []*evmwallet.Event, finals []evmwallet.Final) error
	RewindEVM(ctx context.Context, network string, number int64) error
	EVMWalletsSince(ctx context.Context, network string, since time.Time) (map[string]evmwallet.WalletRef, error)
	EVMEvents(ctx context.Context, org, walletID string, f evmwallet.HistoryFilter, p identity.Page) ([]*evmwallet.Event, string, error)
}

// OutputStore keeps the outputs that pay wallets.
type OutputStore interface {
	// SpendableOutputs lists the unspent, unreserved outputs of a wallet:
	// the mined ones largest first, then the pending ones, at most limit.
	SpendableOutputs(ctx context.Context, network, walletID string, limit int) ([]*Output, error)
	// WalletOutputs returns those of ops that are outputs of network's
	// wallets.
	WalletOutputs(ctx context.Context, network string, ops []OutPoint) ([]*Output, error)
	// ReserveOutputs marks ops as spent by request id, in the unit of work
	// of ctx; ErrOutputsTaken when one is spent or reserved already (or
	// unknown, when strict).
	ReserveOutputs(ctx context.Context, network, requestID string, ops []OutPoint, strict bool) error
	// ReleaseOutputs frees the outputs reserved by request id.
	ReleaseOutputs(ctx context.Context, requestID string) error
	// RecordOutputs stores the outputs a block creates for wallets and
	// marks those it spends, in the unit of work of ctx.
	RecordOutputs(ctx context.Context, network string, block int64, created []*Output, spent []Spend) error
	// RewindOutputs forgets the outputs created from block number on and
	// unspends those spent from it on.
	RewindOutputs(ctx context.Context, network string, number int64) error
	// AddPendingOutputs stores the change outputs of a wallet's own
	// transaction that is out but not yet mined (Block -1): the wallet's
	// next transfers may spend them; balances do not count them.
	AddPendingOutputs(ctx context.Context, outs []*Output) error
	// DropPendingOutputs forgets the not yet mined outputs of transaction
	// txHash.
	DropPendingOutputs(ctx context.Context, network, txHash string) error
	// WalletBalance sums the mined, unspent outputs of a wallet (reserved
	// or not) and counts them.
	WalletBalance(ctx context.Context, org, walletID string) (sum int64, n int, err error)
}
