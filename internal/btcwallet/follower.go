package btcwallet

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/follow"
)

// Follower timing.
const (
	followEvery   = time.Second      // how often each network's head is read
	leaseFor      = 30 * time.Second // a follower's lease, renewed every step
	resumeAfter   = 10 * time.Second // an Executing request older than this is the worker's
	resendEvery   = 30 * time.Second // a Broadcasted request not mined is sent again this often
	blocksPerStep = 100              // at most this many blocks are read per step
	openPerStep   = 500              // at most this many open requests are looked at per step
	keptBlocks    = 256              // how far back a reorganisation is looked for
)

// follower is the state of one network's follower.
type follower struct {
	node *Node
	// wallets maps the hex output script of each wallet's address to the
	// wallet; addresses maps it to the address.
	wallets   map[string]evmwallet.WalletRef
	addresses map[string]string
	loadedAt  time.Time
	sent      map[string]time.Time // request id → last broadcast by this server
}

// Run follows every network that has a node until ctx ends: it finishes
// the requests a crash or an outage left Executing, sends again those not
// mined, reads each new block once (for all wallets) to record the
// outputs that pay wallets and those they spend, the wallets' events, and
// the requests it sees mined. Each network's follower holds a lease row,
// so one server follows it at a time; the cursor only moves from the
// block read, so a block is never recorded twice. A network whose steps
// fail is retried with a growing delay. Run returns nil when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	nets := make([]*follow.Net, 0, len(s.nodes))
	for _, n := range s.nodes {
		f := &follower{node: n, wallets: map[string]evmwallet.WalletRef{}, addresses: map[string]string{},
			sent: map[string]time.Time{}}
		nets = append(nets, &follow.Net{Name: n.Network, Step: func(ctx context.Context) error { return s.step(ctx, f) }})
	}
	return follow.Run(ctx, followEvery, s.poke, nets, s.logger, "btc follower")
}

// step is one round of a network's follower.
func (s *Service) step(ctx context.Context, f *follower) error {
	n := f.node
	open, next, target, ok, err := follow.Round[map[string]*evmwallet.Request]{
		Store: s.store, Lease: "btc-follower/" + n.Network, Holder: s.holder, LeaseFor: leaseFor,
		Network: n.Network, Confirmations: n.Confirmations,
		Resume:      func(ctx context.Context) (map[string]*evmwallet.Request, error) { return s.resume(ctx, f) },
		Head:        func(ctx context.Context) (int64, error) { return n.blockCount(ctx) },
		LoadWallets: func(ctx context.Context) error { return s.loadWallets(ctx, f) },
	}.Start(ctx)
	if err != nil || !ok {
		return err
	}
	for b := next; b <= target && b < next+blocksPerStep; b++ {
		if ctx.Err() != nil {
			return nil
		}
		if err := s.readBlock(ctx, f, b, open); err != nil {
			if errors.Is(err, evmwallet.ErrLostRace) || errors.Is(err, errRewound) {
				return nil
			}
			return err
		}
	}
	return nil
}

// resume finishes the requests of f's network left Executing, sends again
// the Broadcasted ones not mined for a while, and returns the open
// requests by transaction hash.
func (s *Service) resume(ctx context.Context, f *follower) (map[string]*evmwallet.Request, error) {
	rs, err := s.store.OpenEVMRequests(ctx, f.node.Network, openPerStep)
	if err != nil {
		return nil, err
	}
	open := make(map[string]*evmwallet.Request, len(rs))
	now := time.Now()
	for _, r := range rs {
		switch {
		case r.Status == evmwallet.StatusExecuting && now.Sub(r.Requested) >= s.resumeAfter && now.Sub(r.PolicyResolved) >= s.resumeAfter:
			// An approved request is the approving decision's to carry out
			// for a while after the approval (PolicyResolved), as a new one
			// is its request's.
			if err := s.CarryOut(ctx, r); err != nil {
				s.logger.Warn("btc request not sent yet", "request", r.ID, "error", err.Error())
			}
			f.sent[r.ID] = now
		case r.Status == evmwallet.StatusBroadcasted && r.ReplacementID == "" && now.Sub(r.Broadcasted) >= resendEvery &&
			now.Sub(f.sent[r.ID]) >= resendEvery:
			// A replaced transfer is not sent again (the node would refuse
			// it, and failing it would free the inputs its replacement
			// spends); the follower settles both.
			if err := s.send(ctx, f.node, r); err != nil {
				s.logger.Warn("btc request not sent again", "request", r.ID, "error", err.Error())
			}
			f.sent[r.ID] = now
		}
		if r.TxHash != "" {
			open[r.TxHash] = r
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

// loadWallets adds the wallets created since the last load (with a
// margin for clocks and commits in flight) to f's script map.
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
	for addr, ref := range ws {
		script, _, err := walletScript(f.node.Params, addr)
		if err != nil {
			continue // not an address of the network (cannot happen for wallets Custos derived)
		}
		k := hex.EncodeToString(script)
		f.wallets[k], f.addresses[k] = ref, addr
	}
	f.loadedAt = now
	return nil
}

// errRewound ends a step after a reorganisation was undone.
var errRewound = errors.New("btcwallet: rewound")

// rewind undoes the blocks of a reorganisation: it walks back from block
// last to the newest block whose recorded hash the node still has, and
// forgets everything after it (events, outputs, spends, confirmations).
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
		h, err := n.blockHash(ctx, fork)
		if err != nil {
			return err
		}
		if h == stored {
			break
		}
	}
	s.logger.Warn("btc reorganisation: forgetting blocks", "network", n.Network, "from", fork+1)
	if err := s.store.Tx(ctx, func(ctx context.Context) error {
		if err := s.store.RewindEVM(ctx, n.Network, fork+1); err != nil {
			return err
		}
		return s.store.RewindOutputs(ctx, n.Network, fork+1)
	}); err != nil {
		return err
	}
	return errRewound
}

// addressOf is the address an output script pays ("" when none).
func (f *follower) addressOf(script []byte) string {
	if a, ok := f.addresses[hex.EncodeToString(script)]; ok {
		return a
	}
	_, addrs, _, err := txscript.ExtractPkScriptAddrs(script, f.node.Params)
	if err != nil || len(addrs) != 1 {
		return ""
	}
	return addrs[0].EncodeAddress()
}

// maxListed bounds the addresses an event lists in froms and tos, and
// the transactions looked up for the senders of one incoming payment.
const maxListed = 20

// senders lists the addresses the inputs of tx spent from, looking each
// spent transaction up on the node (at most maxListed).
func (s *Service) senders(ctx context.Context, f *follower, tx *wire.MsgTx) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, in := range tx.TxIn {
		if len(out) == maxListed {
			break
		}
		prev, err := f.node.rawTx(ctx, in.PreviousOutPoint.Hash.String())
		if errors.Is(err, errNoTx) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if int(in.PreviousOutPoint.Index) >= len(prev.TxOut) {
			continue
		}
		if a := f.addressOf(prev.TxOut[in.PreviousOutPoint.Index].PkScript); a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// joined lists addresses as stored: comma-separated.
func joined(as []string) string { return strings.Join(as, ",") }
