package evmwallet

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/custos-dev/custos/internal/follow"
	"github.com/custos-dev/custos/internal/id"
)

// Follower timing.
const (
	followEvery   = time.Second      // how often each network's head is read
	leaseFor      = 30 * time.Second // a follower's lease, renewed every step
	resumeAfter   = 10 * time.Second // an Executing request older than this is the worker's
	resendEvery   = 30 * time.Second // a Broadcasted request not mined is sent again this often
	blocksPerStep = 200              // at most this many blocks are read per step
	openPerStep   = 500              // at most this many open requests are looked at per step
)

// transferTopic is keccak256("Transfer(address,address,uint256)"), the
// event ERC-20 and ERC-721 contracts emit.
var transferTopic = common.HexToHash("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")

// follower is the state of one network's follower.
type follower struct {
	node     *Node
	wallets  map[string]WalletRef // lower-case address → wallet
	loadedAt time.Time
	sent     map[string]time.Time // request id → last broadcast by this server
}

// Run follows every network that has a node until ctx ends: it finishes
// the requests a crash or an outage left Executing, sends again those not
// mined, reads each new block once (for all wallets) to confirm requests
// and record the wallets' events; a network whose steps fail is retried
// with a growing delay. Each network's follower holds a lease
// row, so that one server follows it at a time; the cursor only moves
// from the block read, so two never record a block twice. Errors are
// logged and retried; Run returns nil when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	nets := make([]*follow.Net, 0, len(s.nodes))
	for _, n := range s.nodes {
		f := &follower{node: n, wallets: map[string]WalletRef{}, sent: map[string]time.Time{}}
		nets = append(nets, &follow.Net{Name: n.Network, Step: func(ctx context.Context) error { return s.step(ctx, f) }})
	}
	return follow.Run(ctx, followEvery, s.poke, nets, s.logger, "evm follower")
}

// step is one round of a network's follower.
func (s *Service) step(ctx context.Context, f *follower) error {
	n := f.node
	open, next, target, ok, err := follow.Round[map[string]*Request]{
		Store: s.store, Lease: "evm-follower/" + n.Network, Holder: s.holder, LeaseFor: leaseFor,
		Network: n.Network, Confirmations: n.Confirmations,
		Resume: func(ctx context.Context) (map[string]*Request, error) { return s.resume(ctx, f) },
		Head: func(ctx context.Context) (int64, error) {
			h, err := n.eth.BlockNumber(ctx)
			return int64(h), err
		},
		LoadWallets: func(ctx context.Context) error { return s.loadWallets(ctx, f) },
	}.Start(ctx)
	if err != nil || !ok {
		return err
	}
	for b := next; b <= target && b < next+blocksPerStep; b++ {
		if err := ctx.Err(); err != nil {
			return nil
		}
		if err := s.readBlock(ctx, f, b, open); err != nil {
			if errors.Is(err, ErrLostRace) || errors.Is(err, errRewound) {
				return nil
			}
			return err
		}
	}
	return nil
}

// resume finishes the requests of f's network that were left Executing
// (a crash or an outage between storing and broadcasting), sends again
// the Broadcasted ones not mined for a while, and returns the open
// requests by transaction hash.
func (s *Service) resume(ctx context.Context, f *follower) (map[string]*Request, error) {
	rs, err := s.store.OpenEVMRequests(ctx, f.node.Network, openPerStep)
	if err != nil {
		return nil, err
	}
	open := make(map[string]*Request, len(rs))
	now := time.Now()
	for _, r := range rs {
		switch {
		case r.Status == StatusExecuting && now.Sub(r.Requested) >= s.resumeAfter && now.Sub(r.PolicyResolved) >= s.resumeAfter:
			// An approved request is the approving decision's to carry out
			// for a while after the approval (PolicyResolved), as a new one
			// is its request's.
			if err := s.carryOut(ctx, r); err != nil {
				s.logger.Warn("evm request not sent yet", "request", r.ID, "error", err.Error())
			}
			f.sent[r.ID] = now
		case r.Status == StatusBroadcasted && r.ReplacementID == "" && now.Sub(r.Broadcasted) >= resendEvery &&
			now.Sub(f.sent[r.ID]) >= resendEvery:
			// A replaced request is not sent again: its replacement, with
			// the same nonce, is what is out, and the follower settles both.
			if err := s.send(ctx, f.node, r); err != nil {
				s.logger.Warn("evm request not sent again", "request", r.ID, "error", err.Error())
			}
			f.sent[r.ID] = now
		}
		if r.TxHash != "" {
			open[strings.ToLower(r.TxHash)] = r
		}
	}
	for k := range f.sent {
		if len(f.sent) <= openPerStep {
			break
		}
		delete(f.sent, k)
	}
	return open, nil
}

// rpcBlock is what the follower reads of a block: its transactions'
// senders come from the node, so nothing is recovered from signatures,
// and transaction types geth does not know (rollup deposits) decode too.
type rpcBlock struct {
	Number       hexutil.Uint64 `json:"number"`
	Hash         common.Hash    `json:"hash"`
	ParentHash   common.Hash    `json:"parentHash"`
	Timestamp    hexutil.Uint64 `json:"timestamp"`
	Transactions []rpcTx        `json:"transactions"`
}

type rpcTx struct {
	Hash  common.Hash     `json:"hash"`
	From  common.Address  `json:"from"`
	To    *common.Address `json:"to"`
	Value *hexutil.Big    `json:"value"`
	Nonce *hexutil.Uint64 `json:"nonce"`
}

// errRewound ends a step after a reorganisation was undone.
var errRewound = errors.New("evmwallet: rewound")

// readBlock reads block number once for all wallets and records it.
func (s *Service) readBlock(ctx context.Context, f *follower, number int64, open map[string]*Request) error {
	n := f.node
	var b *rpcBlock
	if err := n.rpc.CallContext(ctx, &b, "eth_getBlockByNumber", hexutil.EncodeUint64(uint64(number)), true); err != nil {
		return err
	}
	if b == nil {
		return errors.New("the node does not have the block yet")
	}
	if number > 0 {
		prev, ok, err := s.store.EVMBlockHash(ctx, n.Network, number-1)
		if err != nil {
			return err
		}
		if ok && prev != b.ParentHash.Hex() {
			return s.rewind(ctx, f, number-1)
		}
	}
	at := time.Unix(int64(b.Timestamp), 0).UTC()
	var events []*Event
	var finals []Final
	var settled []*Request // the requests of finals, in order
	fees := map[common.Hash]string{}
	receipt := func(h common.Hash) (*types.Receipt, error) {
		rec, err := n.eth.TransactionReceipt(ctx, h)
		if err == nil {
			fee := new(big.Int).Mul(new(big.Int).SetUint64(rec.GasUsed), effectivePrice(rec))
			fees[h] = fee.String()
		}
		return rec, err
	}
	byNonce := openByNonce(open)
	for _, tx := range b.Transactions {
		from, fromOurs := f.wallets[strings.ToLower(tx.From.Hex())]
		if fromOurs {
			if _, err := receipt(tx.Hash); err != nil {
				return err
			}
			// Another transaction with this nonce (the original of a
			// speed-up or cancel, or its replacement) can never be mined.
			finals, settled = replaced(byNonce, tx, number, finals, settled)
		}
		r := open[strings.ToLower(tx.Hash.Hex())]
		if r == nil && fromOurs {
			// Stored after this step listed the open requests.
			var err error
			if r, err = s.store.OpenEVMRequestByHash(ctx, n.Network, tx.Hash.Hex()); isNotFound(err) {
				r = nil
			} else if err != nil {
				return err
			}
		}
		if r != nil {
			rec, err := receipt(tx.Hash)
			if err != nil {
				return err
			}
			fin := Final{ID: r.ID, Status: StatusConfirmed, Fee: fees[tx.Hash], Block: number, At: time.Now().UTC().Truncate(time.Millisecond)}
			if rec.Status != types.ReceiptStatusSuccessful {
				fin.Status, fin.Reason = StatusFailed, "the transaction reverted on chain"
			}
			finals = append(finals, fin)
			settled = append(settled, r)
		}
		value := (*big.Int)(tx.Value)
		if value == nil || value.Sign() == 0 || tx.To == nil {
			continue
		}
		to, toOurs := f.wallets[strings.ToLower(tx.To.Hex())]
		base := Event{Network: n.Network, Kind: "NativeTransfer", Block: number, TxHash: tx.Hash.Hex(), LogIndex: -1,
			From: tx.From.Hex(), To: tx.To.Hex(), Value: value.String(), Symbol: nativeSymbol(n.Network), Decimals: 18, Time: at}
		if fromOurs {
			events = append(events, eventOf(base, from, "Out", fees[tx.Hash]))
		}
		if toOurs {
			events = append(events, eventOf(base, to, "In", ""))
		}
	}
	logs, err := n.eth.FilterLogs(ctx, ethereum.FilterQuery{BlockHash: &b.Hash, Topics: [][]common.Hash{{transferTopic}}})
	if err != nil {
		return err
	}
	for _, l := range logs {
		if len(l.Topics) != 3 && len(l.Topics) != 4 {
			continue
		}
		fromAddr, toAddr := common.BytesToAddress(l.Topics[1][12:]), common.BytesToAddress(l.Topics[2][12:])
		from, fromOurs := f.wallets[strings.ToLower(fromAddr.Hex())]
		to, toOurs := f.wallets[strings.ToLower(toAddr.Hex())]
		if !fromOurs && !toOurs {
			continue
		}
		meta := s.token(ctx, n, l.Address)
		base := Event{Network: n.Network, Kind: "Erc20Transfer", Block: number, TxHash: l.TxHash.Hex(), LogIndex: int64(l.Index),
			From: fromAddr.Hex(), To: toAddr.Hex(), Contract: l.Address.Hex(), Symbol: meta.Symbol, Decimals: max(meta.Decimals, 0), Time: at}
		if len(l.Topics) == 4 {
			base.Kind, base.TokenID, base.Decimals = "Erc721Transfer", new(big.Int).SetBytes(l.Topics[3].Bytes()).String(), 0
		} else {
			base.Value = new(big.Int).SetBytes(l.Data).String()
		}
		if fromOurs {
			events = append(events, eventOf(base, from, "Out", fees[l.TxHash]))
		}
		if toOurs {
			events = append(events, eventOf(base, to, "In", ""))
		}
	}
	return s.store.Tx(ctx, func(ctx context.Context) error {
		if err := s.store.AdvanceEVM(ctx, n.Network, number, b.Hash.Hex(), events, finals); err != nil {
			return err
		}
		return EmitBlock(ctx, s.events, events, func(e *Event) any { return eventView(e) }, settled, finals)
	})
}

// eventOf is base as seen by wallet w in direction dir.
func eventOf(base Event, w WalletRef, dir, fee string) *Event {
	e := base
	e.ID, e.OrgID, e.WalletID, e.Direction, e.Fee = id.New("ev"), w.OrgID, w.WalletID, dir, fee
	return &e
}

// effectivePrice is a receipt's effective gas price (0 when the node
// does not give it).
func effectivePrice(r *types.Receipt) *big.Int {
	if r.EffectiveGasPrice == nil {
		return new(big.Int)
	}
	return r.EffectiveGasPrice
}

// loadWallets adds the wallets created since the last load (with a margin
// for clocks and commits in flight) to f's address map.
func (s *Service) loadWallets(ctx context.Context, f *follower) error {
	since := f.loadedAt.Add(-5 * time.Second)
	if f.loadedAt.IsZero() {
		since = time.Time{}
	}
	now := time.Now()
	ws, err := s.store.EVMWalletsSince(ctx, f.node.Network, since)
	if err != nil {
		return err
	}
	for a, w := range ws {
		f.wallets[a] = w
	}
	f.loadedAt = now
	return nil
}

// rewind undoes the blocks of a reorganisation: it walks back from block
// last to the newest block whose recorded hash the node still has, and
// forgets everything after it.
func (s *Service) rewind(ctx context.Context, f *follower, last int64) error {
	n := f.node
	fork := last
	for ; fork >= 0 && fork > last-keptBlocks; fork-- {
		stored, ok, err := s.store.EVMBlockHash(ctx, n.Network, fork)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		var h *struct {
			Hash common.Hash `json:"hash"`
		}
		if err := n.rpc.CallContext(ctx, &h, "eth_getBlockByNumber", hexutil.EncodeUint64(uint64(fork)), false); err != nil {
			return err
		}
		if h != nil && h.Hash.Hex() == stored {
			break
		}
	}
	s.logger.Warn("evm reorganisation: forgetting blocks", "network", n.Network, "from", fork+1)
	if err := s.store.RewindEVM(ctx, n.Network, fork+1); err != nil {
		return err
	}
	return errRewound
}

// keptBlocks is how far back a reorganisation is looked for (the store
// keeps as many block hashes).
const keptBlocks = 256

// isNotFound reports whether err is a 404 API error.
func isNotFound(err error) bool { return IsNotFound(err) }
