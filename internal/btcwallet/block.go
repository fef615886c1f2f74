package btcwallet

import (
	"context"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/id"
)

// blockRead is what one block changes for the wallets.
type blockRead struct {
	created []*Output
	spent   []Spend
	events  []*evmwallet.Event
	finals  []evmwallet.Final
	settled []*evmwallet.Request
}

// readBlock reads block number once for all wallets and records it: the
// outputs it creates for wallets and those it spends, one UtxoTransfer
// event per wallet and transaction (Out when the wallet spends, else In),
// and the requests it confirms; in one unit of work with the move of the
// cursor.
func (s *Service) readBlock(ctx context.Context, f *follower, number int64, open map[string]*evmwallet.Request) error {
	n := f.node
	hash, err := n.blockHash(ctx, number)
	if err != nil {
		return err
	}
	blk, err := n.block(ctx, hash)
	if err != nil {
		return err
	}
	if number > 0 {
		prev, ok, err := s.store.EVMBlockHash(ctx, n.Network, number-1)
		if err != nil {
			return err
		}
		if ok && prev != blk.Header.PrevBlock.String() {
			return s.rewind(ctx, f, number-1)
		}
	}
	// The wallets' outputs this block's inputs spend, looked up at once.
	var ops []OutPoint
	for i, tx := range blk.Transactions {
		if i == 0 && blockchain.IsCoinBaseTx(tx) {
			continue
		}
		for _, in := range tx.TxIn {
			ops = append(ops, OutPoint{in.PreviousOutPoint.Hash.String(), in.PreviousOutPoint.Index})
		}
	}
	ours := map[OutPoint]*Output{}
	if len(ops) > 0 && len(f.wallets) > 0 {
		known, err := s.store.WalletOutputs(ctx, n.Network, ops)
		if err != nil {
			return err
		}
		for _, o := range known {
			ours[OutPoint{o.TxHash, o.Vout}] = o
		}
	}
	at := blk.Header.Timestamp.UTC()
	var br blockRead
	for i, tx := range blk.Transactions {
		if err := s.readTx(ctx, f, &br, number, at, tx, i == 0 && blockchain.IsCoinBaseTx(tx), ours, open); err != nil {
			return err
		}
	}
	dropped := settleReplaced(&br, open, number)
	return s.store.Tx(ctx, func(ctx context.Context) error {
		if err := s.store.AdvanceEVM(ctx, n.Network, number, hash, br.events, br.finals); err != nil {
			return err
		}
		for _, h := range dropped {
			if err := s.store.DropPendingOutputs(ctx, n.Network, h); err != nil {
				return err
			}
		}
		if err := s.store.RecordOutputs(ctx, n.Network, number, br.created, br.spent); err != nil {
			return err
		}
		return evmwallet.EmitBlock(ctx, s.events, br.events, func(e *evmwallet.Event) any { return eventView(e) }, br.settled, br.finals)
	})
}

// readTx adds what transaction tx of block number means for the wallets
// to br. ours holds the wallets' outputs the block spends; the outputs
// tx creates for wallets join it, for the transactions after it.
func (s *Service) readTx(ctx context.Context, f *follower, br *blockRead, number int64, at time.Time, tx *wire.MsgTx,
	coinbase bool, ours map[OutPoint]*Output, open map[string]*evmwallet.Request) error {
	txid := tx.TxHash().String()
	spent := map[string]int64{} // wallet id → value its outputs gave
	var inSum int64
	allKnown := !coinbase
	if !coinbase {
		for _, in := range tx.TxIn {
			op := OutPoint{in.PreviousOutPoint.Hash.String(), in.PreviousOutPoint.Index}
			o, ok := ours[op]
			if !ok {
				allKnown = false
				continue
			}
			spent[o.WalletID] += o.Value
			inSum += o.Value
			br.spent = append(br.spent, Spend{OutPoint: op, SpentTx: txid})
		}
	}
	received := map[string]int64{} // wallet id → value paid to it
	refs := map[string]evmwallet.WalletRef{}
	scripts := map[string]string{} // wallet id → its script (hex)
	var outSum int64
	for vout, out := range tx.TxOut {
		outSum += out.Value
		k := hex.EncodeToString(out.PkScript)
		ref, ok := f.wallets[k]
		if !ok {
			continue
		}
		o := &Output{Network: f.node.Network, TxHash: txid, Vout: uint32(vout), OrgID: ref.OrgID, WalletID: ref.WalletID,
			Value: out.Value, PkScript: k, Block: number, Coinbase: coinbase}
		br.created = append(br.created, o)
		ours[OutPoint{txid, uint32(vout)}] = o
		received[ref.WalletID] += out.Value
		refs[ref.WalletID], scripts[ref.WalletID] = ref, k
	}
	fee := ""
	if allKnown && inSum >= outSum {
		fee = strconv.FormatInt(inSum-outSum, 10)
	}
	r := open[txid]
	if r == nil && len(spent) > 0 {
		// Stored after this step listed the open requests.
		var err error
		if r, err = s.store.OpenEVMRequestByHash(ctx, f.node.Network, txid); evmwallet.IsNotFound(err) {
			r = nil
		} else if err != nil {
			return err
		}
	}
	if r != nil {
		br.finals = append(br.finals, evmwallet.Final{ID: r.ID, Status: evmwallet.StatusConfirmed, Fee: fee, Block: number,
			At: time.Now().UTC().Truncate(time.Millisecond)})
		br.settled = append(br.settled, r)
	}
	base := evmwallet.Event{Network: f.node.Network, Kind: "UtxoTransfer", Block: number, TxHash: txid, LogIndex: -1,
		Symbol: nativeSymbol(f.node.Network), Decimals: 8, Time: at}
	for walletID := range spent {
		// Out: what left the wallet for others.
		ref := f.walletOf(walletID, refs, ours)
		script := scripts[walletID]
		if script == "" {
			script = f.scriptOf(walletID, ours)
		}
		var value int64
		var tos []string
		for _, out := range tx.TxOut {
			if hex.EncodeToString(out.PkScript) == script {
				continue
			}
			value += out.Value
			if a := f.addressOf(out.PkScript); a != "" && len(tos) < maxListed {
				tos = append(tos, a)
			}
		}
		e := base
		e.ID, e.OrgID, e.WalletID, e.Direction = id.New("ev"), ref.OrgID, walletID, "Out"
		e.From, e.To, e.Value, e.Fee = f.addresses[script], joined(tos), strconv.FormatInt(value, 10), fee
		br.events = append(br.events, &e)
	}
	var froms []string
	for walletID, got := range received {
		if _, sent := spent[walletID]; sent {
			continue // change: the Out event tells the story
		}
		if froms == nil && !coinbase {
			var err error
			if froms, err = s.senders(ctx, f, tx); err != nil {
				return err
			}
		}
		ref := refs[walletID]
		e := base
		e.ID, e.OrgID, e.WalletID, e.Direction = id.New("ev"), ref.OrgID, walletID, "In"
		e.From, e.To, e.Value = joined(froms), f.addresses[scripts[walletID]], strconv.FormatInt(got, 10)
		br.events = append(br.events, &e)
	}
	return nil
}

// walletOf returns the reference of walletID, from the outputs of this
// transaction or the spent ones.
func (f *follower) walletOf(walletID string, refs map[string]evmwallet.WalletRef, ours map[OutPoint]*Output) evmwallet.WalletRef {
	if ref, ok := refs[walletID]; ok {
		return ref
	}
	for _, o := range ours {
		if o.WalletID == walletID {
			return evmwallet.WalletRef{OrgID: o.OrgID, WalletID: walletID}
		}
	}
	return evmwallet.WalletRef{WalletID: walletID}
}

// scriptOf returns the script of walletID from a spent output of it.
func (f *follower) scriptOf(walletID string, ours map[OutPoint]*Output) string {
	for _, o := range ours {
		if o.WalletID == walletID {
			return o.PkScript
		}
	}
	return ""
}
