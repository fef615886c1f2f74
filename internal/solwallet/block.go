package solwallet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/id"
)

// rpcBlock is a block as getBlock returns it with base64 transactions.
type rpcBlock struct {
	Blockhash         string  `json:"blockhash"`
	PreviousBlockhash string  `json:"previousBlockhash"`
	ParentSlot        int64   `json:"parentSlot"`
	BlockTime         *int64  `json:"blockTime"`
	Transactions      []rpcTx `json:"transactions"`
}

// rpcTx is one transaction of a block with its status meta.
type rpcTx struct {
	Transaction [2]string `json:"transaction"`
	Meta        *txMeta   `json:"meta"`
}

// txMeta is the status meta of a transaction.
type txMeta struct {
	Err               json.RawMessage `json:"err"`
	Fee               uint64          `json:"fee"`
	PreBalances       []uint64        `json:"preBalances"`
	PostBalances      []uint64        `json:"postBalances"`
	PreTokenBalances  []tokenBalance  `json:"preTokenBalances"`
	PostTokenBalances []tokenBalance  `json:"postTokenBalances"`
	LoadedAddresses   *struct {
		Writable []string `json:"writable"`
		Readonly []string `json:"readonly"`
	} `json:"loadedAddresses"`
}

// tokenBalance is one token account's balance in a transaction's meta.
type tokenBalance struct {
	AccountIndex  int    `json:"accountIndex"`
	Mint          string `json:"mint"`
	Owner         string `json:"owner"`
	ProgramID     string `json:"programId"`
	UITokenAmount struct {
		Amount   string `json:"amount"`
		Decimals int    `json:"decimals"`
	} `json:"uiTokenAmount"`
}

// failed reports whether the transaction failed on chain.
func (m *txMeta) failed() bool { return len(m.Err) > 0 && string(m.Err) != "null" }

// block reads the block of slot.
func (n *Node) block(ctx context.Context, slot int64) (*rpcBlock, error) {
	var b rpcBlock
	err := n.c.Call(ctx, &b, "getBlock", slot, map[string]any{"encoding": "base64", "transactionDetails": "full",
		"rewards": false, "maxSupportedTransactionVersion": 0, "commitment": "finalized"})
	return &b, err
}

// blockRead is what one block changes for the wallets.
type blockRead struct {
	events  []*evmwallet.Event
	finals  []evmwallet.Final
	settled []*evmwallet.Request
}

// readBlock reads the block of slot once for all wallets and records it
// (the slots from from to slot-1 hold no block): one NativeTransfer event
// per wallet whose lamports a transaction moved (beyond its fee), one
// SplTransfer (or Spl2022Transfer) per wallet and mint whose tokens it
// moved, and the requests it settles; in one unit of work with the move
// of the cursor.
func (s *Service) readBlock(ctx context.Context, f *follower, from, slot int64, open map[string]*evmwallet.Request) error {
	n := f.node
	blk, err := n.block(ctx, slot)
	if err != nil {
		return err
	}
	if prev, ok, err := s.store.EVMBlockHash(ctx, n.Network, blk.ParentSlot); err != nil {
		return err
	} else if ok && prev != blk.PreviousBlockhash {
		return s.rewind(ctx, f, blk.ParentSlot)
	}
	at := time.Now().UTC()
	if blk.BlockTime != nil {
		at = time.Unix(*blk.BlockTime, 0).UTC()
	}
	var br blockRead
	for i := range blk.Transactions {
		if err := s.readTx(ctx, f, &br, slot, at, &blk.Transactions[i], open); err != nil {
			return fmt.Errorf("slot %d transaction %d: %w", slot, i, err)
		}
	}
	return s.store.Tx(ctx, func(ctx context.Context) error {
		if err := s.store.AdvanceFrom(ctx, n.Network, from, slot, blk.Blockhash, br.events, br.finals); err != nil {
			return err
		}
		return evmwallet.EmitBlock(ctx, s.events, br.events, func(e *evmwallet.Event) any { return eventView(e) }, br.settled, br.finals)
	})
}

// readTx adds what one transaction of the block of slot means for the
// wallets to br.
func (s *Service) readTx(ctx context.Context, f *follower, br *blockRead, slot int64, at time.Time, t *rpcTx,
	open map[string]*evmwallet.Request) error {
	if t.Meta == nil || t.Transaction[1] != "base64" {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(t.Transaction[0])
	if err != nil {
		return err
	}
	tx, err := decodeTx(raw)
	if err != nil || len(tx.Signatures) == 0 {
		// A transaction this follower cannot read (a newer version)
		// would otherwise stop the network's history for good.
		s.logger.Warn("solana transaction skipped: it does not decode", "network", f.node.Network, "slot", slot,
			"error", fmt.Sprint(err))
		return nil
	}
	m := t.Meta
	keys := make([]string, 0, len(tx.Message.AccountKeys))
	for _, k := range tx.Message.AccountKeys {
		keys = append(keys, k.String())
	}
	if m.LoadedAddresses != nil {
		keys = append(keys, m.LoadedAddresses.Writable...)
		keys = append(keys, m.LoadedAddresses.Readonly...)
	}
	sig := tx.Signatures[0].String()
	mine := map[int]evmwallet.WalletRef{} // account index → wallet
	for i, k := range keys {
		if ref, ok := f.wallets[strings.ToLower(k)]; ok {
			mine[i] = ref
		}
	}
	owners := map[string]evmwallet.WalletRef{}
	for _, tb := range append(append([]tokenBalance{}, m.PreTokenBalances...), m.PostTokenBalances...) {
		if ref, ok := f.wallets[strings.ToLower(tb.Owner)]; ok {
			owners[tb.Owner] = ref
		}
	}
	r := open[sig]
	if r == nil && (len(mine) > 0 || len(owners) > 0) {
		// Stored after this step listed the open requests.
		if r, err = s.store.OpenEVMRequestByHash(ctx, f.node.Network, sig); evmwallet.IsNotFound(err) {
			r = nil
		} else if err != nil {
			return err
		}
	}
	fee := strconv.FormatUint(m.Fee, 10)
	if r != nil {
		fin := evmwallet.Final{ID: r.ID, Status: evmwallet.StatusConfirmed, Fee: fee, Block: slot, At: time.Now().UTC().Truncate(time.Millisecond)}
		if m.failed() {
			fin.Status, fin.Reason = evmwallet.StatusFailed, "the transaction failed on chain: "+clipN(string(m.Err), 300)
		}
		br.finals = append(br.finals, fin)
		br.settled = append(br.settled, r)
	}
	if m.failed() || len(m.PreBalances) != len(keys) || len(m.PostBalances) != len(keys) {
		return nil // a failed transaction moved nothing but its fee
	}
	base := evmwallet.Event{Network: f.node.Network, Block: slot, TxHash: sig, Time: at}
	feePaid := false // the fee goes with the payer's first Out event
	// Lamports: each wallet's change, its fee put back for the payer.
	deltas := make([]int64, len(keys))
	for i := range keys {
		deltas[i] = int64(m.PostBalances[i]) - int64(m.PreBalances[i])
	}
	deltas[0] += int64(m.Fee)
	for _, i := range sortedKeys(mine) {
		d := deltas[i]
		if d == 0 {
			continue
		}
		e := base
		e.ID, e.OrgID, e.WalletID, e.Kind, e.LogIndex = id.New("ev"), mine[i].OrgID, mine[i].WalletID, "NativeTransfer", -1
		e.Symbol, e.Decimals = nativeSymbol(f.node.Network), 9
		if d > 0 {
			e.Direction, e.From, e.To, e.Value = "In", keys[extreme(deltas, false)], keys[i], strconv.FormatInt(d, 10)
		} else {
			e.Direction, e.From, e.To, e.Value = "Out", keys[i], keys[extreme(deltas, true)], strconv.FormatInt(-d, 10)
			if i == 0 {
				e.Fee, feePaid = fee, true
			}
		}
		br.events = append(br.events, &e)
	}
	s.tokenEvents(f, br, base, keys, m, owners, fee, &feePaid)
	return nil
}

// tokenEvents adds one event per wallet and mint whose tokens the
// transaction moved.
func (s *Service) tokenEvents(f *follower, br *blockRead, base evmwallet.Event, keys []string, m *txMeta,
	owners map[string]evmwallet.WalletRef, fee string, feePaid *bool) {
	if len(owners) == 0 {
		return
	}
	type holding struct {
		owner, mint, program string
		decimals, index      int
		delta                int64
	}
	by := map[[2]string]*holding{}
	get := func(tb tokenBalance) *holding {
		k := [2]string{tb.Owner, tb.Mint}
		h := by[k]
		if h == nil {
			h = &holding{owner: tb.Owner, mint: tb.Mint, program: tb.ProgramID, decimals: tb.UITokenAmount.Decimals, index: tb.AccountIndex}
			by[k] = h
		}
		h.index = min(h.index, tb.AccountIndex)
		return h
	}
	for _, tb := range m.PreTokenBalances {
		v, _ := strconv.ParseInt(tb.UITokenAmount.Amount, 10, 64)
		get(tb).delta -= v
	}
	for _, tb := range m.PostTokenBalances {
		v, _ := strconv.ParseInt(tb.UITokenAmount.Amount, 10, 64)
		get(tb).delta += v
	}
	hs := make([]*holding, 0, len(by))
	for _, h := range by {
		hs = append(hs, h)
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].index < hs[j].index })
	// counterpart is the owner whose holding of mint moved most the other way.
	counterpart := func(mint string, in bool) string {
		best, who := int64(0), ""
		for _, h := range hs {
			if h.mint == mint && ((in && h.delta < best) || (!in && h.delta > best)) {
				best, who = h.delta, h.owner
			}
		}
		return who
	}
	for _, h := range hs {
		ref, ok := owners[h.owner]
		if !ok || h.delta == 0 {
			continue
		}
		e := base
		e.ID, e.OrgID, e.WalletID, e.LogIndex = id.New("ev"), ref.OrgID, ref.WalletID, int64(h.index)
		e.Kind, e.Contract, e.Decimals = "SplTransfer", h.mint, h.decimals
		if h.program == sol.Token2022ProgramID.String() {
			e.Kind = "Spl2022Transfer"
		}
		if mk, err := sol.PublicKeyFromBase58(h.mint); err == nil {
			e.Symbol = knownSymbol(f.node.Network, mk)
		}
		if h.delta > 0 {
			e.Direction, e.From, e.To, e.Value = "In", counterpart(h.mint, true), h.owner, strconv.FormatInt(h.delta, 10)
		} else {
			e.Direction, e.From, e.To, e.Value = "Out", h.owner, counterpart(h.mint, false), strconv.FormatInt(-h.delta, 10)
			if !*feePaid && len(keys) > 0 && keys[0] == h.owner {
				e.Fee, *feePaid = fee, true
			}
		}
		br.events = append(br.events, &e)
	}
}

// extreme is the index of the largest decrease (lowest) or increase of
// deltas.
func extreme(deltas []int64, highest bool) int {
	best := 0
	for i, d := range deltas {
		if (highest && d > deltas[best]) || (!highest && d < deltas[best]) {
			best = i
		}
	}
	return best
}

// sortedKeys lists the account indexes of m in order.
func sortedKeys(m map[int]evmwallet.WalletRef) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
