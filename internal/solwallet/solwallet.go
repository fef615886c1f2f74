// Package solwallet moves funds from Solana wallets
// (docs/protocol/sol-transfers.md): Native (SOL) and Spl / Spl2022 token
// transfers built, signed and sent to the node the operator names for the
// wallet's network, Transaction sign-and-broadcast requests, fee
// estimates, and the follower that reads each new finalized block once for
// all wallets to record their history and confirm what it sees landed.
//
// Requests, events, cursors, block hashes and leases share the tables (and
// the store methods) of internal/evmwallet.
package solwallet

import (
	"context"
	"log/slog"
	"time"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/wallet"
)

// Store is what Solana transfers need of storage.
type Store interface {
	store.Unit
	CreateEVMRequest(ctx context.Context, r *evmwallet.Request) error
	EVMRequest(ctx context.Context, org, id string) (*evmwallet.Request, error)
	EVMRequestByExternalID(ctx context.Context, org string, transfer bool, ext string) (*evmwallet.Request, error)
	SetEVMSigned(ctx context.Context, id, signed, hash string) (string, string, error)
	MarkEVMBroadcasted(ctx context.Context, id string, at time.Time) error
	MarkEVMFailed(ctx context.Context, id, reason string) error
	OpenEVMRequestByHash(ctx context.Context, network, hash string) (*evmwallet.Request, error)
	OpenEVMRequests(ctx context.Context, network string, limit int) ([]*evmwallet.Request, error)
	TakeLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	EVMCursor(ctx context.Context, network string) (next int64, ok bool, err error)
	EVMBlockHash(ctx context.Context, network string, number int64) (string, bool, error)
	RewindEVM(ctx context.Context, network string, number int64) error
	EVMWalletsSince(ctx context.Context, network string, since time.Time) (map[string]evmwallet.WalletRef, error)
	EVMEvents(ctx context.Context, org, walletID string, f evmwallet.HistoryFilter, p identity.Page) ([]*evmwallet.Event, string, error)

	// AdvanceFrom records slot (hash) of network as read, as
	// evmwallet.Store's AdvanceEVM does, moving the cursor from from (the
	// slots between from and slot hold no block) to slot+1;
	// evmwallet.ErrLostRace when the cursor was not at from.
	AdvanceFrom(ctx context.Context, network string, from, slot int64, hash string, events []*evmwallet.Event, finals []evmwallet.Final) error
	// SetSolValidUntil records, in the unit of work of ctx, the last block
	// height at which the signed transaction of request id can land,
	// unless one is recorded; SolValidUntil reads it (ok false: none).
	SetSolValidUntil(ctx context.Context, id string, height int64) error
	SolValidUntil(ctx context.Context, id string) (int64, bool, error)
	// TokenMints lists the mints of the SplTransfer and Spl2022Transfer
	// events of a wallet (at most 100).
	TokenMints(ctx context.Context, org, walletID string) ([]string, error)
}

// Service serves transfers, transactions, fees, assets and history of
// Solana wallets, and runs the follower (Run).
type Service struct {
	store      Store
	wallets    evmwallet.Wallets
	walletRows evmwallet.WalletStore
	signers    evmwallet.Signers
	policy     policy.Evaluator
	nodes      map[string]*Node
	logger     *slog.Logger
	events     event.Emitter
	now        func() time.Time
	poke       chan struct{}
	holder     string
	// resumeAfter is how old an Executing request must be before the
	// worker takes it over from the request that stored it.
	resumeAfter time.Duration
}

// New returns the service. nodes maps networks to their nodes (Dial).
func New(st Store, ws evmwallet.Wallets, rows evmwallet.WalletStore, signers evmwallet.Signers, pol policy.Evaluator,
	nodes map[string]*Node, logger *slog.Logger) *Service {
	if pol == nil {
		pol = policy.AllowAll{}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{store: st, wallets: ws, walletRows: rows, signers: signers, policy: pol, nodes: nodes, logger: logger,
		events: event.Nop{}, now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
		poke: make(chan struct{}, 1), holder: id.New("srv"), resumeAfter: resumeAfter}
}

// SetEvents makes the service record its webhook events with e.
func (s *Service) SetEvents(e event.Emitter) { s.events = e }

// SetHolder names this server in the followers' leases (the replica id,
// kept across restarts, so that a restarted server takes its lease back at
// once).
func (s *Service) SetHolder(holder string) { s.holder = holder }

// Networks lists the networks that have a node.
func (s *Service) Networks() []string { return evmwallet.NetworksOf(s.nodes) }

// emit records the event of r's new status in the unit of work of ctx.
func (s *Service) emit(ctx context.Context, r *evmwallet.Request) error {
	return evmwallet.EmitStatus(ctx, s.events, r)
}

// node returns the node of network, or the 400 naming the missing --rpc.
func (s *Service) node(network string) (*Node, error) { return jsonrpc.NodeOf(s.nodes, network) }

// solWallet loads walletID: a 400 when it is not on a Solana network.
func (s *Service) solWallet(ctx context.Context, p *principal.Principal, walletID string) (*wallet.Wallet, error) {
	return evmwallet.FamilyWallet(ctx, s.wallets, p, walletID, IsNetwork, "Solana")
}

// chainKey is the public side of a wallet's key.
func chainKey(w *wallet.Wallet) chain.Key {
	return chain.Key{Scheme: w.Key.Scheme, Curve: w.Key.Curve, PublicKey: w.Key.PublicKey}
}

// nativeSymbol is the coin of a network.
func nativeSymbol(string) string { return "SOL" }

func clip(s string) string { return clipN(s, 44) }

// clipN is s cut to at most n bytes (at a rune boundary).
func clipN(s string, n int) string { return evmwallet.ClipN(s, n) }
