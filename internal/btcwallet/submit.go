package btcwallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/wallet"
)

// reserveAttempts bounds how often a transfer chooses its outputs again
// when a concurrent transfer of the wallet took one of them meanwhile
// (PostgreSQL; on SQLite units of work run one at a time).
const reserveAttempts = 20

// maxCandidates bounds the outputs a transfer chooses from.
const maxCandidates = 2000

// chooser picks the outputs of a transfer from the wallet's spendable
// outputs.
type chooser struct {
	s                 *Service
	w                 *wallet.Wallet
	tip, amount, rate int64
	taproot           bool
	toScript, change  []byte
}

// choose reads the wallet's spendable outputs (with ctx, in a unit of
// work or not), picks those that pay the transfer and returns them with
// the unsigned PSBT that spends them; a 400 naming amount when they do
// not cover it.
func (c *chooser) choose(ctx context.Context) (selection, string, error) {
	cands, err := c.s.store.SpendableOutputs(ctx, c.w.Network, c.w.ID, maxCandidates)
	if err != nil {
		return selection{}, "", err
	}
	mature := cands[:0]
	var spendable int64
	for _, o := range cands {
		if !o.Coinbase || c.tip-o.Block+1 >= coinbaseMaturity {
			mature = append(mature, o)
			spendable += o.Value
		}
	}
	sel, ok := selectOutputs(mature, c.amount, c.rate, c.taproot, c.toScript, c.change)
	if !ok {
		return selection{}, "", apierr.BadRequest("amount %d plus a fee of %d satoshis exceeds the wallet's spendable balance of %d satoshis",
			c.amount, sel.fee, spendable)
	}
	pkt, err := buildPsbt(sel, c.amount, c.toScript, c.change)
	if err != nil {
		return selection{}, "", err
	}
	unsigned, err := psbtHex(pkt)
	return sel, unsigned, err
}

// transfer runs a checked Native transfer: the externalId replay, the fee
// rate, a first choice of outputs (a 400 when the wallet cannot pay), the
// policy step on the transaction it makes, then one unit of work that
// spends act, chooses the outputs again among those still free, reserves
// them and stores the request with its unsigned PSBT; then execute signs,
// stores, broadcasts. The second choice pays the same recipient the same
// amount (what the policy rules read); only the inputs, the change and the
// fee may differ from the first. When a concurrent transfer took an output
// meanwhile, the unit rolls back (act is not spent) and runs again.
func (s *Service) transfer(ctx context.Context, p *principal.Principal, act store.Consumer, w *wallet.Wallet, n *Node,
	body []byte, in *transferInput) (evmwallet.View, error) {
	ext := in.ext
	compact, v, done, err := evmwallet.Replayed(ctx, s.store, p.OrgID, w.ID, true, ext, body)
	if done {
		return v, err
	}
	c, err := s.newChooser(ctx, n, w, in)
	if err != nil {
		return evmwallet.View{}, err
	}
	_, unsigned, err := c.choose(ctx)
	if err != nil {
		return evmwallet.View{}, err
	}
	r := s.newRequest(p, w, true, compact, ext)
	d, err := s.evaluate(ctx, p, w, r.ID, unsigned)
	if err != nil {
		return evmwallet.View{}, err
	}
	prepare := func(ctx context.Context) error {
		if r.Status != evmwallet.StatusExecuting {
			r.Unsigned = unsigned // what the policy refused
			return nil
		}
		sel, unsigned, err := c.choose(ctx)
		if err != nil {
			return err
		}
		r.Unsigned = unsigned
		ops := make([]OutPoint, 0, len(sel.inputs))
		for _, o := range sel.inputs {
			ops = append(ops, OutPoint{o.TxHash, o.Vout})
		}
		return s.store.ReserveOutputs(ctx, w.Network, r.ID, ops, true)
	}
	for attempt := 1; ; attempt++ {
		v, err := s.store1(ctx, act, w, r, d, prepare)
		if errors.Is(err, ErrOutputsTaken) && attempt < reserveAttempts {
			continue
		}
		if errors.Is(err, ErrOutputsTaken) {
			return evmwallet.View{}, &apierr.Error{Status: http.StatusConflict,
				Message: "the wallet's outputs are being spent by other transfers: try again"}
		}
		return v, err
	}
}

// transaction runs a checked Psbt transaction: the externalId replay, the
// policy step, one unit of work that spends act, reserves the wallet's
// outputs the PSBT spends and stores the request; then execute.
func (s *Service) transaction(ctx context.Context, p *principal.Principal, act store.Consumer, w *wallet.Wallet,
	body []byte, ext string, pkt *psbt.Packet) (evmwallet.View, error) {
	compact, v, done, err := evmwallet.Replayed(ctx, s.store, p.OrgID, w.ID, false, ext, body)
	if done {
		return v, err
	}
	unsigned, err := psbtHex(pkt)
	if err != nil {
		return evmwallet.View{}, err
	}
	r := s.newRequest(p, w, false, compact, ext)
	r.Unsigned = unsigned
	d, err := s.evaluate(ctx, p, w, r.ID, unsigned)
	if err != nil {
		return evmwallet.View{}, err
	}
	ops := make([]OutPoint, 0, len(pkt.UnsignedTx.TxIn))
	for _, in := range pkt.UnsignedTx.TxIn {
		ops = append(ops, OutPoint{in.PreviousOutPoint.Hash.String(), in.PreviousOutPoint.Index})
	}
	return s.store1(ctx, act, w, r, d, func(ctx context.Context) error {
		if r.Status != evmwallet.StatusExecuting {
			return nil
		}
		// The wallet's outputs it spends are held for it; outputs
		// Custos does not know, or holds for another request, are left
		// to the node (which refuses a double spend).
		return s.store.ReserveOutputs(ctx, w.Network, r.ID, ops, false)
	})
}

// store1 stores r as the policy decided, in one unit of work with the
// consumption of act and prepare (which reserves the outputs r spends),
// then executes it when it may run.
func (s *Service) store1(ctx context.Context, act store.Consumer, w *wallet.Wallet, r *evmwallet.Request, d policy.Decision,
	prepare func(ctx context.Context) error) (evmwallet.View, error) {
	if d.Outcome == policy.Pending {
		// Held for its approval (docs/protocol/btc-transfers.md §6): no
		// output is held and nothing is built until it is approved.
		r.PolicyResolved = time.Time{}
	}
	sub := evmwallet.Submitter{Store: s.store, Emit: s.emit, Execute: s.execute, Logger: s.logger, Family: "btc"}
	return sub.Submit(ctx, act, w, r, d, func(ctx context.Context) error {
		if err := prepare(ctx); err != nil {
			return err
		}
		if r.Status == evmwallet.StatusPending {
			r.Unsigned = ""
		}
		return nil
	})
}

// execute signs r (unless its signed transaction is stored), stores the
// signed transaction, broadcasts it and marks r Broadcasted. A node that
// refuses the transaction fails r (and frees its outputs); a node that
// cannot be reached leaves r Executing for the worker.
func (s *Service) execute(ctx context.Context, r *evmwallet.Request, keyID string) error {
	n := s.nodes[r.Network]
	if n == nil {
		return jsonrpc.NoNode(r.Network)
	}
	if r.Signed == "" {
		key, signer, err := s.signers.ChainSigner(ctx, r.OrgID, keyID)
		if err != nil {
			return s.fail(ctx, r, "the wallet's key cannot sign", err)
		}
		body, _ := json.Marshal(map[string]string{"psbt": r.Unsigned})
		res, err := btc.New().Sign(ctx, r.Network, key, signer, chain.Request{Kind: "Psbt", Body: body})
		if err != nil {
			return s.fail(ctx, r, "the transaction cannot be signed", err)
		}
		pkt, err := readPsbt(res.SignedData)
		if err != nil {
			return fmt.Errorf("request %s: read signed psbt: %w", r.ID, err)
		}
		if err := psbt.MaybeFinalizeAll(pkt); err != nil {
			return s.fail(ctx, r, "the signed psbt cannot be finalized: "+clipN(err.Error(), 300), err)
		}
		tx, err := psbt.Extract(pkt)
		if err != nil {
			return s.fail(ctx, r, "the signed psbt cannot be finalized: "+clipN(err.Error(), 300), err)
		}
		raw, err := txHex(tx)
		if err != nil {
			return err
		}
		// The signed transaction is stored before it is sent: whatever
		// happens next, it is the one sent (again) and looked for.
		if r.Signed, r.TxHash, err = s.store.SetEVMSigned(ctx, r.ID, raw, tx.TxHash().String()); err != nil {
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
	if r.Status == evmwallet.StatusExecuting {
		if err := evmwallet.MarkBroadcasted(ctx, s.store, s.events, r, s.now()); err != nil {
			return err
		}
		if err := s.addChange(ctx, n, r); err != nil {
			// Only the next transfers' choice is poorer: the follower
			// records the change once it is mined.
			s.logger.Warn("btc change not recorded before it is mined", "request", r.ID, "error", err.Error())
		}
	}
	select {
	case s.poke <- struct{}{}:
	default:
	}
	return nil
}

// send broadcasts r's signed transaction. Sending it again is harmless:
// when the node answers with an error, the transaction is looked up, and
// a node that has it already (pooled or mined) counts as a success.
func (s *Service) send(ctx context.Context, n *Node, r *evmwallet.Request) error {
	err := n.call(ctx, nil, "sendrawtransaction", r.Signed)
	if err == nil {
		return nil
	}
	var re *jsonrpc.Error
	if !errors.As(err, &re) {
		return jsonrpc.NodeError(n.Network, err)
	}
	_, lerr := n.rawTx(ctx, r.TxHash)
	if lerr == nil {
		return nil
	}
	if !errors.Is(lerr, errNoTx) {
		return jsonrpc.NodeError(n.Network, lerr)
	}
	return s.fail(ctx, r, "the node refused the transaction: "+clipN(re.Message, 300), err)
}

// fail marks r Failed with reason, frees its outputs and returns err.
func (s *Service) fail(ctx context.Context, r *evmwallet.Request, reason string, err error) error {
	return evmwallet.Fail(ctx, s.store, s.events, r, reason, err, func(ctx context.Context) error {
		if err := s.store.ReleaseOutputs(ctx, r.ID); err != nil {
			return err
		}
		if r.TxHash != "" {
			return s.store.DropPendingOutputs(ctx, r.Network, r.TxHash)
		}
		return nil
	})
}

// addChange records the outputs of r's transaction that pay the wallet
// back (its change) as pending, so that the wallet's next transfer can
// spend them before they are mined (docs/protocol/btc-transfers.md §3).
func (s *Service) addChange(ctx context.Context, n *Node, r *evmwallet.Request) error {
	raw, err := hex.DecodeString(r.Signed)
	if err != nil {
		return err
	}
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return err
	}
	mine, _, err := walletScript(n.Params, r.Sender)
	if err != nil {
		return err
	}
	var outs []*Output
	for i, o := range tx.TxOut {
		if bytes.Equal(o.PkScript, mine) {
			outs = append(outs, &Output{Network: r.Network, TxHash: r.TxHash, Vout: uint32(i), OrgID: r.OrgID, WalletID: r.WalletID,
				Value: o.Value, PkScript: hex.EncodeToString(mine), Block: -1})
		}
	}
	if len(outs) == 0 {
		return nil
	}
	return s.store.AddPendingOutputs(ctx, outs)
}
