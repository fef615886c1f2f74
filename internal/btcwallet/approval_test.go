package btcwallet_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
)

// A held transfer answers Pending, holds no output and sends nothing;
// approved, its outputs are chosen, it is signed and sent once, and the
// follower sends nothing more. A held Psbt transaction goes the same way.
// A denied one ends Rejected and is never sent, not even by the follower.
func TestApprovedBitcoinTransferIsSentOnce(t *testing.T) {
	h := newHeld(t, dialects["sqlite"](t), 3, nil)
	v := h.pending(t, 4321)
	a, err := h.pol.GetApproval(bg, requester, v.ApprovalID)
	if err != nil || !strings.Contains(string(a.Activity), `"transferRequest":{"id":"`+v.ID+`"`) {
		t.Fatalf("approval %s: %v", a.Activity, err)
	}
	h.decide(t, approver1, v.ApprovalID, policy.Approved)
	got := h.get(t, v.ID)
	if got.Status != evmwallet.StatusBroadcasted || h.sends() != 1 || got.PolicyResolved.IsZero() || h.pays(t, got.TxHash) != 4321 {
		t.Fatalf("approved transfer %+v, %d sent", got, h.sends())
	}
	h.step(t, h.restart())
	if h.sends() != 1 {
		t.Fatalf("%d sends after the follower's step, want 1", h.sends())
	}
	equalKinds(t, h.events.take(), "wallet.transfer.requested", "wallet.transfer.broadcasted")

	// A Psbt transaction spending one of the wallet's outputs, held, then
	// approved.
	outs, err := h.db.SpendableOutputs(bg, "BitcoinRegtest", "wa-1", 10)
	if err != nil || len(outs) == 0 {
		t.Fatal(outs, err)
	}
	in := outs[0]
	tx := wire.NewMsgTx(2)
	op, err := wire.NewOutPointFromString(fmt.Sprintf("%s:%d", in.TxHash, in.Vout))
	if err != nil {
		t.Fatal(err)
	}
	tx.AddTxIn(wire.NewTxIn(op, nil, nil))
	to, _ := hex.DecodeString(mustScript(t, recipient))
	tx.AddTxOut(wire.NewTxOut(in.Value-2000, to))
	script, _ := hex.DecodeString(in.PkScript)
	body := `{"kind":"Psbt","psbt":"` + psbtOf(t, tx, in.Value, script) + `"}`
	tv, err := h.svc.Transaction(bg, requester, nil, "wa-1", []byte(body))
	if err != nil || tv.Status != evmwallet.StatusPending || !strings.HasPrefix(tv.ID, "tx-") || h.get(t, tv.ID).Unsigned != "" {
		t.Fatalf("held transaction: %+v, %v", tv, err)
	}
	h.decide(t, approver2, tv.ApprovalID, policy.Approved)
	if got := h.get(t, tv.ID); got.Status != evmwallet.StatusBroadcasted || h.sends() != 2 || h.pays(t, got.TxHash) != in.Value-2000 {
		t.Fatalf("approved transaction %+v, %d sent", got, h.sends())
	}

	denied := h.pending(t, 5000)
	h.decide(t, approver1, denied.ApprovalID, policy.Denied)
	h.step(t, h.restart())
	if got := h.get(t, denied.ID); got.Status != evmwallet.StatusRejected || !strings.Contains(got.Reason, "denied by us-2") || h.sends() != 2 {
		t.Fatalf("denied transfer %+v, %d sent", got, h.sends())
	}
	equalKinds(t, h.events.take(), "wallet.transaction.requested", "wallet.transaction.broadcasted",
		"wallet.transfer.requested", "wallet.transfer.rejected")
}

// An approved transfer the wallet can no longer pay (its outputs were
// spent meanwhile) ends Failed with the reason, and nothing is sent.
func TestApprovedBitcoinTransferThatCannotBePaidFails(t *testing.T) {
	h := newHeld(t, dialects["sqlite"](t), 1, nil)
	v := h.pending(t, 9_000_000)
	w := h.pending(t, 9_000_000)
	h.decide(t, approver1, v.ApprovalID, policy.Approved)
	h.decide(t, approver1, w.ApprovalID, policy.Approved)
	if got := h.get(t, v.ID); got.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("first approved transfer: %+v", got)
	}
	if got := h.get(t, w.ID); got.Status != evmwallet.StatusFailed || !strings.Contains(got.Reason, "spendable balance") || h.sends() != 1 {
		t.Fatalf("second approved transfer: %+v, %d sent", got, h.sends())
	}
}

// crashAfterDecision is a runner whose Execute does nothing: the server
// died once the approving decision committed.
type crashAfterDecision struct{ policy.Runner }

func (crashAfterDecision) Execute(context.Context, string, string) error { return nil }

// A server dies between the commit of the approving decision and the
// broadcast: the request is stored Executing with nothing built or held;
// the restarted server's follower builds, signs and sends it once.
func TestRestartBetweenApprovalAndBitcoinBroadcastSendsOnce(t *testing.T) {
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			h := newHeld(t, open(t), 2, func(r policy.Runner) policy.Runner { return crashAfterDecision{r} })
			v := h.pending(t, 77_777)
			h.decide(t, approver1, v.ApprovalID, policy.Approved)
			if r := h.get(t, v.ID); r.Status != evmwallet.StatusExecuting || r.Unsigned != "" || h.sends() != 0 || h.spendable(t) != 2 {
				t.Fatalf("after the crash: %+v, %d sent", r, h.sends())
			}
			restarted := h.restart()
			for range 3 {
				h.step(t, restarted)
			}
			got := h.get(t, v.ID)
			if got.Status != evmwallet.StatusBroadcasted || h.sends() != 1 || h.pays(t, got.TxHash) != 77_777 {
				t.Fatalf("after the restart: %+v, %d sent", got, h.sends())
			}
		})
	}
}

// Two approvers decide on one held transfer at the same instant while a
// restarted server's follower looks for work, 40 times per dialect: one
// decision approves, the other is refused, and each transfer is built and
// sent as one transaction; no output is spent by two of them.
func TestRacingBitcoinApproversSendOnce(t *testing.T) {
	const trials = 40
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			h := newHeld(t, open(t), trials, nil)
			other := h.restart()
			for i := range trials {
				v := h.pending(t, 10_000+i)
				start := make(chan struct{})
				errs := make([]error, 3)
				var wg sync.WaitGroup
				for j, p := range []*principal.Principal{approver1, approver2} {
					wg.Go(func() {
						<-start
						_, errs[j] = h.pol.Decide(bg, p, nil, v.ApprovalID, &policy.DecisionInput{Value: policy.Approved})
					})
				}
				wg.Go(func() {
					<-start
					errs[2] = btcwallet.StepOnce(bg, other, btc.NetworkBitcoinRegtest)
				})
				close(start)
				wg.Wait()
				if errs[2] != nil {
					t.Fatalf("trial %d: follower: %v", i, errs[2])
				}
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("trial %d: decisions %v; want one to approve and one to be refused", i, errs[:2])
				}
				h.step(t, other) // finishes what is left if the follower ran first
				if got := h.get(t, v.ID); got.Status != evmwallet.StatusBroadcasted || h.pays(t, got.TxHash) != int64(10_000+i) {
					t.Fatalf("trial %d: %+v", i, got)
				}
				if n := h.spendable(t); n != trials {
					t.Fatalf("trial %d: %d spendable outputs, want %d (one spent, its change back)", i, n, trials)
				}
			}
			h.node.mu.Lock()
			defer h.node.mu.Unlock()
			spent := map[wire.OutPoint]string{}
			for _, tx := range h.node.pool {
				for _, in := range tx.TxIn {
					if prev, dup := spent[in.PreviousOutPoint]; dup {
						t.Fatalf("output %v spent by %s and %s", in.PreviousOutPoint, prev, tx.TxHash())
					}
					spent[in.PreviousOutPoint] = tx.TxHash().String()
				}
			}
			if len(h.node.pool) != trials {
				t.Fatalf("%d transactions in the pool for %d approved transfers", len(h.node.pool), trials)
			}
			t.Logf("%s: %d approved transfers, %d sends of %d transactions", dialect, trials, h.node.sends, len(h.node.pool))
		})
	}
}

// psbtOf is tx as a hex PSBT whose one input spends an output of value
// paying script.
func psbtOf(t *testing.T, tx *wire.MsgTx, value int64, script []byte) string {
	t.Helper()
	p, err := psbt.NewFromUnsignedTx(tx)
	if err != nil {
		t.Fatal(err)
	}
	p.Inputs[0].WitnessUtxo = wire.NewTxOut(value, script)
	var b bytes.Buffer
	if err := p.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b.Bytes())
}

// Two servers carry out one approved transfer at the same instant (the
// deciding server and another server's follower, after the first died
// between the decision and the broadcast), 40 times per dialect: one
// builds it, and it is sent as one transaction.
func TestRacingBuildersOfAnApprovedBitcoinTransfer(t *testing.T) {
	const trials = 40
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			h := newHeld(t, open(t), trials, func(r policy.Runner) policy.Runner { return crashAfterDecision{r} })
			servers := []*btcwallet.Service{h.restart(), h.restart()}
			for i := range trials {
				v := h.pending(t, 20_000+i)
				h.decide(t, approver1, v.ApprovalID, policy.Approved)
				start := make(chan struct{})
				errs := make([]error, len(servers))
				var wg sync.WaitGroup
				for j, s := range servers {
					wg.Go(func() {
						<-start
						r, err := h.db.EVMRequest(bg, "or-1", v.ID)
						if err == nil {
							err = s.CarryOut(bg, r)
						}
						errs[j] = err
					})
				}
				close(start)
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						t.Fatalf("trial %d: %v", i, err)
					}
				}
				if got := h.get(t, v.ID); got.Status != evmwallet.StatusBroadcasted || h.pays(t, got.TxHash) != int64(20_000+i) {
					t.Fatalf("trial %d: %+v", i, got)
				}
				// Each transfer spends one funding output and pays its
				// change back: no other output is held by a build that lost.
				if n := h.spendable(t); n != trials {
					t.Fatalf("trial %d: %d spendable outputs, want %d", i, n, trials)
				}
			}
			h.node.mu.Lock()
			defer h.node.mu.Unlock()
			if len(h.node.pool) != trials {
				t.Fatalf("%d transactions sent for %d approved transfers (%d sends)", len(h.node.pool), trials, h.node.sends)
			}
			t.Logf("%s: %d approved transfers, %d sends of %d transactions", dialect, trials, h.node.sends, len(h.node.pool))
		})
	}
}

// Aborting a Bitcoin transfer that is Executing and not signed frees the
// outputs held for it in the abort's unit of work, and it is never sent.
func TestAbortFreesBitcoinOutputs(t *testing.T) {
	h := newHeld(t, dialects["sqlite"](t), 2, func(r policy.Runner) policy.Runner { return crashAfterDecision{r} })
	v := h.pending(t, 30_000)
	h.decide(t, approver1, v.ApprovalID, policy.Approved)
	outs, err := h.db.SpendableOutputs(bg, btc.NetworkBitcoinRegtest, "wa-1", 10)
	if err != nil || len(outs) != 2 {
		t.Fatal(outs, err)
	}
	// Built and holding an output, not signed yet (the server died there).
	if err := h.db.Tx(bg, func(ctx context.Context) error {
		if _, err := h.db.SetEVMUnsigned(ctx, v.ID, -1, "70736274ff"); err != nil {
			return err
		}
		return h.db.ReserveOutputs(ctx, btc.NetworkBitcoinRegtest, v.ID, []btcwallet.OutPoint{{TxHash: outs[0].TxHash, Vout: outs[0].Vout}}, true)
	}); err != nil {
		t.Fatal(err)
	}
	if h.spendable(t) != 1 {
		t.Fatal("the output is not held")
	}
	evm := evmwallet.New(h.db, walletsOf{h.db}, h.db, nil, nil, nil, nil)
	got, err := evm.Abort(bg, requester, nil, "wa-1", v.ID, true, h.svc.ReleaseAborted)
	if err != nil || got.Status != evmwallet.StatusFailed {
		t.Fatalf("abort: %+v, %v", got, err)
	}
	if h.spendable(t) != 2 {
		t.Fatal("the aborted transfer's output is still held")
	}
	h.step(t, h.restart())
	if h.sends() != 0 {
		t.Fatalf("%d sends of an aborted transfer", h.sends())
	}
}
