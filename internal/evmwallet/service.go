package evmwallet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/evm"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/wallet"
)

// Wallets loads wallets; *wallet.Service is one.
type Wallets interface {
	Load(ctx context.Context, p *principal.Principal, walletID string) (*wallet.Wallet, error)
}

// WalletStore loads a wallet without a caller (the worker resumes
// requests); wallet.Store is one.
type WalletStore interface {
	Wallet(ctx context.Context, org, id string) (*wallet.Wallet, error)
}

// Signers gives the signer of a wallet's key; *keys.Service is one.
type Signers interface {
	ChainSigner(ctx context.Context, org, keyID string) (chain.Key, chain.Signer, error)
}

// Service serves transfers, transactions, fees, assets and history of EVM
// wallets, and runs the follower (Run).
type Service struct {
	store      Store
	wallets    Wallets
	walletRows WalletStore
	signers    Signers
	policy     policy.Evaluator
	nodes      map[string]*Node
	logger     *slog.Logger
	now        func() time.Time
	// poke wakes the worker after a broadcast.
	poke       chan struct{}
	tokens     sync.Map // network+"/"+contract → tokenMeta
	tokenCount atomic.Int64
	holder     string // this server's lease holder id
	// resumeAfter is how old an Executing request must be before the
	// worker takes it over from the request that stored it.
	resumeAfter time.Duration
	events      event.Emitter
}

// SetHolder makes the service hold its followers' leases as holder (the
// replica's id, kept across restarts, so that a restarted server takes
// its leases back at once; the default is a fresh id).
func (s *Service) SetHolder(holder string) { s.holder = holder }

// New returns the service. nodes maps networks to their nodes (Dial).
func New(st Store, ws Wallets, rows WalletStore, signers Signers, pol policy.Evaluator, nodes map[string]*Node, logger *slog.Logger) *Service {
	if pol == nil {
		pol = policy.AllowAll{}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{store: st, wallets: ws, walletRows: rows, signers: signers, policy: pol, nodes: nodes, logger: logger,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }, poke: make(chan struct{}, 1),
		holder: id.New("srv"), resumeAfter: resumeAfter, events: event.Nop{}}
}

// Networks lists the networks that have a node.
func (s *Service) Networks() []string { return NetworksOf(s.nodes) }

// Close closes the node connections.
func (s *Service) Close() { closeNodes(s.nodes) }

// evmWallet loads walletID: a 400 when it is not on an EVM network.
func (s *Service) evmWallet(ctx context.Context, p *principal.Principal, walletID string) (*wallet.Wallet, int64, error) {
	w, err := s.wallets.Load(ctx, p, walletID)
	if err != nil {
		return nil, 0, err
	}
	chainID, ok := evm.ChainID(w.Network)
	if !ok {
		return nil, 0, apierr.BadRequest("transfers, transactions and history on network %s are not supported yet", w.Network)
	}
	return w, chainID, nil
}

// node returns the node of network, or the 400 naming the missing --rpc.
func (s *Service) node(network string) (*Node, error) { return jsonrpc.NodeOf(s.nodes, network) }

// Transfer serves POST /wallets/{walletId}/transfers.
func (s *Service) Transfer(ctx context.Context, p *principal.Principal, act store.Consumer, walletID string, body []byte) (View, error) {
	w, _, err := s.evmWallet(ctx, p, walletID)
	if err != nil {
		return View{}, err
	}
	// A wallet delegated to an end user signs only for them (keys/owner.go).
	if err := keys.CheckSigner(p, w.Key.DelegatedTo); err != nil {
		return View{}, err
	}
	pl, err := parseTransfer(body, common.HexToAddress(w.Address))
	if err != nil {
		return View{}, err
	}
	n, err := s.node(w.Network)
	if err != nil {
		return View{}, err
	}
	return s.submit(ctx, p, act, w, n, true, body, pl)
}

// Transaction serves POST /wallets/{walletId}/transactions.
func (s *Service) Transaction(ctx context.Context, p *principal.Principal, act store.Consumer, walletID string, body []byte) (View, error) {
	w, chainID, err := s.evmWallet(ctx, p, walletID)
	if err != nil {
		return View{}, err
	}
	// A wallet delegated to an end user signs only for them (keys/owner.go).
	if err := keys.CheckSigner(p, w.Key.DelegatedTo); err != nil {
		return View{}, err
	}
	pl, err := parseTransaction(body, chainID)
	if err != nil {
		return View{}, err
	}
	n, err := s.node(w.Network)
	if err != nil {
		return View{}, err
	}
	return s.submit(ctx, p, act, w, n, false, body, pl)
}

// submit runs a parsed request: externalId replay, fees, gas and funds,
// the policy seam, then one unit of work that spends act, allocates the
// nonce and stores the request with its unsigned transaction; then the
// transaction is signed, stored signed, broadcast and marked Broadcasted
// (execute). A request that fails after it is stored is answered with its
// status; the worker finishes what a crash or a node outage interrupted.
func (s *Service) submit(ctx context.Context, p *principal.Principal, act store.Consumer, w *wallet.Wallet, n *Node,
	transfer bool, body []byte, pl *plan) (View, error) {
	compact, err := compactJSON(body)
	if err != nil {
		return View{}, err
	}
	if pl.externalID != "" {
		if v, done, err := s.replay(ctx, p, w.ID, transfer, pl.externalID, compact); done {
			return v, err
		}
	}
	sender := common.HexToAddress(w.Address)
	if err := s.prepare(ctx, n, sender, pl); err != nil {
		return View{}, err
	}
	prefix := "tx"
	if transfer {
		prefix = "xfr"
	}
	reqID := id.New(prefix)
	d, err := s.policy.Evaluate(ctx, policy.Activity{Kind: policy.KindWalletsSign, Principal: p, KeyID: w.KeyID,
		WalletID: w.ID, WalletTags: w.Tags, Network: w.Network, RequestKind: pl.kind, Body: compact, RequestID: reqID,
		Outflows: outflows(n.ChainID, pl)})
	if err != nil {
		return View{}, fmt.Errorf("evaluate policies: %w", err)
	}
	now := s.now()
	r := &Request{ID: reqID, OrgID: p.OrgID, WalletID: w.ID, Network: w.Network, Transfer: transfer,
		Requester: Requester{UserID: p.UserID, TokenID: p.TokenID, AppID: p.AppID}, Body: compact,
		ExternalID: pl.externalID, Status: StatusExecuting, Sender: sender.Hex(), Nonce: -1, Decimals: -1,
		Requested: now, PolicyResolved: now}
	if transfer {
		r.Symbol, r.Decimals = s.assetMeta(ctx, n, pl)
	}
	switch d.Outcome {
	case policy.Pending:
		// Held for the approval: no nonce is taken and nothing is built
		// until it is approved (approved.go).
		r.Status, r.ApprovalID, r.PolicyResolved = StatusPending, d.ApprovalID, time.Time{}
	case policy.Deny:
		r.Status, r.Reason = StatusRejected, d.Reason
	}
	var floor uint64
	if r.Status == StatusExecuting && pl.nonce == nil {
		// Transactions sent from the wallet outside Custos count too.
		if floor, err = n.eth.NonceAt(ctx, sender, nil); err != nil {
			return View{}, nodeError(n.Network, err)
		}
	}
	err = store.Run(context.WithoutCancel(ctx), s.store, act, func(ctx context.Context) error {
		if r.Status == StatusExecuting {
			tx, err := s.unsignedTx(ctx, w.ID, n.ChainID, pl, floor)
			if err != nil {
				return err
			}
			enc, err := tx.MarshalBinary()
			if err != nil {
				return fmt.Errorf("encode transaction: %w", err)
			}
			r.Nonce, r.Unsigned = int64(tx.Nonce()), hex0x(enc)
		}
		if err := s.store.CreateEVMRequest(ctx, r); err != nil {
			return err
		}
		if d.Commit != nil {
			// The policy evaluations (and the approval a Pending request
			// waits for) are stored with the request.
			if err := d.Commit(ctx, Activity(r)); err != nil {
				return err
			}
		}
		return s.emit(ctx, r)
	})
	if errors.Is(err, ErrDuplicateExternalID) {
		v, _, err := s.replay(ctx, p, w.ID, transfer, pl.externalID, compact)
		return v, err
	}
	if err != nil {
		return View{}, err
	}
	if r.Status == StatusExecuting {
		if err := s.execute(context.WithoutCancel(ctx), r, w.KeyID); err != nil {
			// Stored and not lost: the worker retries it.
			s.logger.Warn("evm request left for the worker", "request", r.ID, "error", err.Error())
		}
	}
	return ViewOf(r), nil
}

// prepare fills gas and fees and checks that the wallet can pay: 400s name
// the field at fault (amount for funds, to or contract for a call the node
// says would fail).
func (s *Service) prepare(ctx context.Context, n *Node, sender common.Address, pl *plan) error {
	balance, err := n.eth.PendingBalanceAt(ctx, sender)
	if err != nil {
		return nodeError(n.Network, err)
	}
	if pl.value.Cmp(balance) > 0 {
		return apierr.BadRequest("amount %s exceeds the wallet's balance of %s", pl.value, balance)
	}
	if pl.token != nil {
		if err := s.checkToken(ctx, n, sender, pl); err != nil {
			return err
		}
	}
	if tx := pl.prebuilt; tx != nil {
		if tx.Cost().Cmp(balance) > 0 {
			return apierr.BadRequest("insufficient funds: the transaction may cost %s wei, the wallet holds %s", tx.Cost(), balance)
		}
		return nil
	}
	if pl.feeCap == nil {
		f, err := n.estimateFees(ctx)
		if err != nil {
			return err
		}
		lv := f.level(pl.priority)
		pl.tip, pl.feeCap, pl.legacy = lv.Tip, lv.FeeCap, f.Legacy
	}
	if pl.gas == 0 {
		msg := callMsg(sender, pl)
		gas, err := n.eth.EstimateGas(ctx, msg)
		if err != nil {
			if isNodeAnswer(err) {
				return apierr.BadRequest("the node refuses the transaction: %s", clip(err.Error())).Wrap(err)
			}
			return nodeError(n.Network, err)
		}
		pl.gas = gas
	}
	cost := new(big.Int).Mul(new(big.Int).SetUint64(pl.gas), pl.feeCap)
	cost.Add(cost, pl.value)
	if cost.Cmp(balance) > 0 {
		return apierr.BadRequest("insufficient funds: amount plus fees may cost %s wei, the wallet holds %s", cost, balance)
	}
	return nil
}

// execute signs r (unless its signed transaction is stored), stores the
// signed transaction, broadcasts it and marks r Broadcasted. A node that
// refuses the transaction fails r (and gives its nonce back when no later
// one was allocated); a node that cannot be reached leaves r Executing for
// the worker and returns the error.
func (s *Service) execute(ctx context.Context, r *Request, keyID string) error {
	n := s.nodes[r.Network]
	if n == nil {
		return noNode(r.Network)
	}
	if r.Signed == "" {
		var tx types.Transaction
		raw, err := hexBytes("unsigned_tx", r.Unsigned)
		if err == nil {
			err = tx.UnmarshalBinary(raw)
		}
		if err != nil {
			return fmt.Errorf("request %s: decode unsigned transaction: %w", r.ID, err)
		}
		key, signer, err := s.signers.ChainSigner(ctx, r.OrgID, keyID)
		if err != nil {
			return s.fail(ctx, r, "the wallet's key cannot sign", err)
		}
		signed, err := evm.SignTx(ctx, key, signer, n.ChainID, &tx)
		if err != nil {
			return fmt.Errorf("request %s: sign: %w", r.ID, err)
		}
		enc, err := signed.MarshalBinary()
		if err != nil {
			return fmt.Errorf("request %s: encode signed transaction: %w", r.ID, err)
		}
		// The signed transaction is stored before it is sent: whatever
		// happens next, it is the one sent (again) and looked for.
		if r.Signed, r.TxHash, err = s.store.SetEVMSigned(ctx, r.ID, hex0x(enc), signed.Hash().Hex()); err != nil {
			return err
		}
		if r.Signed == "" {
			// Aborted before it was signed (docs/protocol/evm-transfers.md
			// §4b): it is never sent.
			return s.reload(ctx, r)
		}
	}
	if err := s.send(ctx, n, r); err != nil {
		return err
	}
	if r.Status == StatusExecuting {
		if err := MarkBroadcasted(ctx, s.store, s.events, r, s.now()); err != nil {
			return err
		}
	}
	select {
	case s.poke <- struct{}{}:
	default:
	}
	return nil
}

// send broadcasts r's signed transaction. Sending it again is harmless: a
// node that already has it (pooled or mined) is not asked twice to accept
// it, since its hash is looked up when the node answers with an error.
func (s *Service) send(ctx context.Context, n *Node, r *Request) error {
	var hash common.Hash
	err := n.rpc.CallContext(ctx, &hash, "eth_sendRawTransaction", r.Signed)
	if err == nil {
		return nil
	}
	if !isNodeAnswer(err) {
		return nodeError(n.Network, err)
	}
	// The node answered with an error: it may already have the
	// transaction (sent before a crash, or by another replica).
	h := common.HexToHash(r.TxHash)
	_, _, lerr := n.eth.TransactionByHash(ctx, h)
	if lerr == nil {
		return nil
	}
	if !errors.Is(lerr, ethereum.NotFound) {
		return nodeError(n.Network, lerr) // unknown: try again later
	}
	rec, rerr := n.eth.TransactionReceipt(ctx, h)
	if rerr == nil && rec != nil {
		return nil
	}
	if rerr != nil && !errors.Is(rerr, ethereum.NotFound) {
		return nodeError(n.Network, rerr)
	}
	return s.fail(ctx, r, "the node refused the transaction: "+clip(err.Error()), err)
}

// fail marks r Failed with reason, gives its nonce back if it is still the
// wallet's last, and returns err.
func (s *Service) fail(ctx context.Context, r *Request, reason string, err error) error {
	if ferr := s.store.Tx(ctx, func(ctx context.Context) error {
		// A nonce another open request holds (a replacement and the
		// transaction it replaces share theirs, and either may still be
		// mined) is never given back.
		if r.Nonce >= 0 {
			held, err := s.store.EVMNonceHeld(ctx, r.WalletID, r.Nonce, r.ID)
			if err != nil {
				return err
			}
			if !held {
				if err := s.store.ReleaseEVMNonce(ctx, r.WalletID, uint64(r.Nonce)); err != nil {
					return err
				}
			}
		}
		if err := s.store.MarkEVMFailed(ctx, r.ID, reason); err != nil {
			return err
		}
		f := *r
		f.Status, f.Reason = StatusFailed, reason
		return s.emit(ctx, &f)
	}); ferr != nil {
		return ferr
	}
	r.Status, r.Reason = StatusFailed, reason
	return fmt.Errorf("request %s failed: %w", r.ID, err)
}
