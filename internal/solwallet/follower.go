package solwallet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/follow"
)

// Follower timing.
const (
	followEvery  = 500 * time.Millisecond // how often each network's head is read
	leaseFor     = 30 * time.Second       // a follower's lease, renewed every step
	resumeAfter  = 10 * time.Second       // an Executing request older than this is the worker's
	resendEvery  = 5 * time.Second        // a request not landed is sent again this often
	slotsPerStep = 200                    // at most this many slots are looked at per step
	openPerStep  = 256                    // at most this many open requests are looked at per step (one getSignatureStatuses)
)

// follower is the state of one network's follower.
type follower struct {
	node *Node
	// wallets maps the lower-case address of each wallet to the wallet.
	wallets  map[string]evmwallet.WalletRef
	loadedAt time.Time
	sent     map[string]time.Time // request id → last send by this server
}

// Run follows every network that has a node until ctx ends: it finishes
// the requests a crash or an outage left Executing, sends again those not
// landed (and fails those whose blockhash expired without landing), reads
// each new finalized block once (for all wallets) to record the wallets'
// events and the requests it sees landed. Each network's follower holds a
// lease row, so one server follows it at a time; the cursor only moves
// from the slot read, so a block is never recorded twice. Run returns nil
// when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	nets := make([]*follow.Net, 0, len(s.nodes))
	for _, n := range s.nodes {
		f := &follower{node: n, wallets: map[string]evmwallet.WalletRef{}, sent: map[string]time.Time{}}
		nets = append(nets, &follow.Net{Name: n.Network, Step: func(ctx context.Context) error { return s.step(ctx, f) }})
	}
	return follow.Run(ctx, followEvery, s.poke, nets, s.logger, "solana follower")
}

// step is one round of a network's follower.
func (s *Service) step(ctx context.Context, f *follower) error {
	n := f.node
	open, next, target, ok, err := follow.Round[map[string]*evmwallet.Request]{
		Store: s.store, Lease: "sol-follower/" + n.Network, Holder: s.holder, LeaseFor: leaseFor,
		Network: n.Network, Confirmations: n.Confirmations,
		Resume:      func(ctx context.Context) (map[string]*evmwallet.Request, error) { return s.resume(ctx, f) },
		Head:        func(ctx context.Context) (int64, error) { return n.slot(ctx, "finalized") },
		LoadWallets: func(ctx context.Context) error { return s.loadWallets(ctx, f) },
	}.Start(ctx)
	if err != nil || !ok {
		return err
	}
	if next > target {
		return nil
	}
	end := min(target, next+slotsPerStep-1)
	slots, err := n.blocks(ctx, next, end)
	if err != nil {
		return err
	}
	from := next
	for _, slot := range slots {
		if ctx.Err() != nil {
			return nil
		}
		if slot < from || slot > end {
			continue
		}
		if err := s.readBlock(ctx, f, from, slot, open); err != nil {
			if errors.Is(err, evmwallet.ErrLostRace) || errors.Is(err, errRewound) {
				return nil
			}
			return err
		}
		from = slot + 1
	}
	return nil
}

// resume looks at the open requests of f's network: it finishes those
// left Executing, sends again those not landed, fails those whose
// blockhash expired without them landing, and returns the open requests
// by signature.
func (s *Service) resume(ctx context.Context, f *follower) (map[string]*evmwallet.Request, error) {
	n := f.node
	rs, err := s.store.OpenEVMRequests(ctx, n.Network, openPerStep)
	if err != nil {
		return nil, err
	}
	open := make(map[string]*evmwallet.Request, len(rs))
	now := time.Now()
	var watch []*evmwallet.Request
	for _, r := range rs {
		if r.TxHash != "" {
			open[r.TxHash] = r
		}
		if r.Status == evmwallet.StatusExecuting && now.Sub(maxTime(r.Requested, r.PolicyResolved)) < s.resumeAfter {
			continue // its own request (or the approval's decision) is still at it
		}
		if r.Signed == "" {
			w, err := s.walletRows.Wallet(ctx, r.OrgID, r.WalletID)
			if err != nil {
				return nil, err
			}
			if err := s.execute(ctx, r, w.KeyID); err != nil {
				s.logger.Warn("solana request not sent yet", "request", r.ID, "error", err.Error())
			}
			f.sent[r.ID] = now
			continue
		}
		watch = append(watch, r)
	}
	if len(watch) > 0 {
		if err := s.watch(ctx, f, watch, now); err != nil {
			return nil, err
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

// watch looks up the signatures of signed requests: one the node knows
// has gone out (an Executing one is marked Broadcasted; the block read
// settles it); one it does not know is sent again while its blockhash is
// valid, and fails once the blockhash expired and the signature is still
// unknown: it can never land then (docs/protocol/sol-transfers.md §4).
func (s *Service) watch(ctx context.Context, f *follower, rs []*evmwallet.Request, now time.Time) error {
	n := f.node
	sigs := make([]string, len(rs))
	for i, r := range rs {
		sigs[i] = r.TxHash
	}
	st, err := n.statuses(ctx, sigs)
	if err != nil {
		return err
	}
	height := int64(-1) // the finalized block height, read once when needed
	for i, r := range rs {
		if st[i] != nil {
			if r.Status == evmwallet.StatusExecuting {
				if err := s.markBroadcasted(ctx, r); err != nil {
					return err
				}
			}
			continue
		}
		if now.Sub(f.sent[r.ID]) < resendEvery {
			continue
		}
		f.sent[r.ID] = now
		valid, err := s.landable(ctx, n, r, &height)
		if err != nil {
			return err
		}
		if valid {
			if err := s.send(ctx, n, r, false); err != nil {
				s.logger.Warn("solana request not sent again", "request", r.ID, "error", err.Error())
			} else if r.Status == evmwallet.StatusExecuting {
				if err := s.markBroadcasted(ctx, r); err != nil {
					return err
				}
			}
			continue
		}
		// Expired: looked up once more, now that no new landing is
		// possible, so that one that landed meanwhile is not failed.
		again, err := n.statuses(ctx, []string{r.TxHash})
		if err != nil {
			return err
		}
		if again[0] == nil {
			_ = s.fail(ctx, r, "the transaction's blockhash expired before it landed; nothing was transferred", errors.New("blockhash expired"))
		}
	}
	return nil
}

// landable reports whether r's signed transaction can still land: while
// the node's finalized block height has not passed the height recorded
// when it was signed (height caches the node's answer for a step). A
// request stored without one is asked of the node (isBlockhashValid).
func (s *Service) landable(ctx context.Context, n *Node, r *evmwallet.Request, height *int64) (bool, error) {
	until, ok, err := s.store.SolValidUntil(ctx, r.ID)
	if err != nil {
		return false, err
	}
	if ok {
		if *height < 0 {
			if *height, err = n.blockHeight(ctx); err != nil {
				return false, err
			}
		}
		return *height <= until, nil
	}
	tx, err := decodeSigned(r.Signed)
	if err != nil {
		return false, fmt.Errorf("request %s: signed transaction: %w", r.ID, err)
	}
	return n.blockhashValid(ctx, tx.Message.RecentBlockhash)
}

// maxTime is the later of a and b.
func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// loadWallets adds the wallets created since the last load (with a
// margin for clocks and commits in flight) to f's address map.
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
		f.wallets[strings.ToLower(addr)] = ref
	}
	f.loadedAt = now
	return nil
}

// errRewound ends a step after blocks were forgotten.
var errRewound = errors.New("solwallet: rewound")

// rewind forgets the blocks from slot on (a block whose parent is not the
// block read at its parent slot: the node switched forks) and ends the
// step; the next steps read them again.
func (s *Service) rewind(ctx context.Context, f *follower, slot int64) error {
	s.logger.Warn("solana fork: forgetting blocks", "network", f.node.Network, "from", slot)
	if err := s.store.RewindEVM(ctx, f.node.Network, slot); err != nil {
		return err
	}
	return errRewound
}
