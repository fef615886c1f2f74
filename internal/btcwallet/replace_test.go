package btcwallet_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/policy"
)

// broadcasted is an approved transfer of amount, sent.
func (h *held) broadcasted(t *testing.T, amount int) evmwallet.View {
	t.Helper()
	v := h.pending(t, amount)
	h.decide(t, approver1, v.ApprovalID, policy.Approved)
	if got := h.get(t, v.ID); got.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("approved transfer: %+v", got)
	}
	return v
}

// mineOnly mines a block holding the pooled transaction txid alone.
func (h *held) mineOnly(t *testing.T, txid string) {
	t.Helper()
	h.node.mu.Lock()
	var keep []*wire.MsgTx
	for _, tx := range h.node.pool {
		if tx.TxHash().String() == txid {
			keep = append(keep, tx)
		}
	}
	h.node.pool = keep
	h.node.mu.Unlock()
	if len(keep) != 1 {
		t.Fatalf("%s is not pooled", txid)
	}
	h.node.mine()
	h.step(t, h.restart())
}

// Two speed-ups of one Broadcasted transfer at once, per dialect: one
// replacement is issued (the other call a 409), spending the transfer's
// inputs with a higher fee. Mined, it is Confirmed and the transfer Failed
// as replaced; when the transfer is mined instead, the replacement fails.
func TestBitcoinSpeedUp(t *testing.T) {
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			h := newHeld(t, open(t), 4, nil)
			for _, mineReplacement := range []bool{true, false} {
				v := h.broadcasted(t, 40_000)
				orig := h.get(t, v.ID)
				var wg sync.WaitGroup
				views := make([]evmwallet.View, 2)
				errs := make([]error, 2)
				start := make(chan struct{})
				for j := range 2 {
					wg.Go(func() {
						<-start
						views[j], errs[j] = h.svc.SpeedUp(bg, requester, nil, "wa-1", v.ID, true)
					})
				}
				close(start)
				wg.Wait()
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("speed-ups: %v; want one", errs)
				}
				up := views[0]
				if errs[0] != nil {
					up = views[1]
				}
				if err := errs[0]; err != nil && apierr.From(err).Status != 409 {
					t.Fatalf("the other speed-up: %v, want a 409", err)
				}
				if err := errs[1]; err != nil && apierr.From(err).Status != 409 {
					t.Fatalf("the other speed-up: %v, want a 409", err)
				}
				repl := h.get(t, up.ID)
				if repl.Status != evmwallet.StatusBroadcasted || h.get(t, v.ID).ReplacementID != up.ID || h.pays(t, repl.TxHash) != 40_000 {
					t.Fatalf("replacement %+v", repl)
				}
				winner, loser := repl, orig
				if !mineReplacement {
					winner, loser = orig, repl
				}
				h.mineOnly(t, winner.TxHash)
				if got := h.get(t, winner.ID); got.Status != evmwallet.StatusConfirmed {
					t.Fatalf("mined: %+v", got)
				}
				if got := h.get(t, loser.ID); got.Status != evmwallet.StatusFailed || !strings.Contains(got.Reason, "replaced") {
					t.Fatalf("not mined: %+v", got)
				}
			}
			outs, err := h.db.SpendableOutputs(bg, btc.NetworkBitcoinRegtest, "wa-1", 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range outs {
				if o.Block < 0 {
					t.Fatalf("pending change left over: %+v", o)
				}
			}
		})
	}
}
