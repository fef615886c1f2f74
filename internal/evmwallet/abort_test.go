package evmwallet_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/policy"
)

// An approved transfer the server died before building is Executing and
// unsigned: abort makes it Failed ("aborted by …") and the follower never
// sends it. A request past that point (Broadcasted, or aborted already),
// of another wallet, or unknown cannot be aborted.
func TestAbortExecutingUnsignedRequest(t *testing.T) {
	h := newHeld(t, dialects["sqlite"](t), func(r policy.Runner) policy.Runner { return crashAfterDecision{r} })
	v := h.pendingTransfer(t, 5)
	h.decide(t, approver1, v.ApprovalID, policy.Approved)
	follower := h.restart()
	got, err := h.svc.Abort(bg, h.p, nil, "wa-1", v.ID, true, nil)
	if err != nil || got.Status != evmwallet.StatusFailed || got.Reason != "aborted by us-1" {
		t.Fatalf("abort: %+v, %v", got, err)
	}
	if err := evmwallet.StepOnce(bg, follower, "EthereumSepolia"); err != nil {
		t.Fatal(err)
	}
	if n := len(h.node.sends()); n != 0 {
		t.Fatalf("%d transactions sent for an aborted transfer", n)
	}
	if !strings.HasSuffix(h.kinds(), "wallet.transfer.failed") {
		t.Fatalf("events %s", h.kinds())
	}
	for _, tc := range []struct {
		name, wallet, id string
		transfer         bool
		status           int
	}{
		{"aborted already", "wa-1", v.ID, true, 400},
		{"as a transaction", "wa-1", v.ID, false, 404},
		{"other wallet", "wa-2", v.ID, true, 404},
		{"unknown", "wa-1", "xfr-00000-00000-00000000000000", true, 404},
	} {
		if _, err := h.svc.Abort(bg, h.p, nil, tc.wallet, tc.id, tc.transfer, nil); apierr.From(err).Status != tc.status {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.status)
		}
	}
	// A sent transfer cannot be aborted.
	sent := h.pendingTransfer(t, 6)
	h.decide(t, approver1, sent.ApprovalID, policy.Approved)
	if err := evmwallet.StepOnce(bg, follower, "EthereumSepolia"); err != nil {
		t.Fatal(err)
	}
	if got := h.get(t, sent); got.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("approved transfer after the follower: %+v", got)
	}
	if _, err := h.svc.Abort(bg, h.p, nil, "wa-1", sent.ID, true, nil); apierr.From(err).Status != 400 ||
		!strings.Contains(apierr.From(err).Message, "Broadcasted") {
		t.Fatalf("abort of a Broadcasted transfer: %v", err)
	}
}

// The store's abort gives the nonce back when it is the wallet's last, is
// refused (ErrLaterNonce, nothing changed) when a later one was
// allocated, and wins or loses against signing: after an abort the
// signed form is not stored (so it is never sent), and a signed request
// cannot be aborted.
func TestAbortNonceAndSigningRules(t *testing.T) {
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnvOn(t, open(t))
			mk := func(id string) *evmwallet.Request {
				n, err := e.db.AllocateEVMNonce(bg, "wa-1", 0)
				if err != nil {
					t.Fatal(err)
				}
				r := &evmwallet.Request{ID: id, OrgID: "or-1", WalletID: "wa-1", Network: "EthereumSepolia", Transfer: true,
					Body: []byte(`{}`), Status: evmwallet.StatusExecuting, Sender: e.addr.Hex(), Nonce: int64(n), Unsigned: "0x01",
					Decimals: -1, Requested: time.Now()}
				if err := e.db.CreateEVMRequest(bg, r); err != nil {
					t.Fatal(err)
				}
				return r
			}
			a, b := mk("xfr-aaaaa-aaaaa-aaaaaaaaaaaaaa"), mk("xfr-bbbbb-bbbbb-bbbbbbbbbbbbbb")
			if _, err := e.db.AbortEVMRequest(bg, "or-1", a.ID, "x"); !errors.Is(err, evmwallet.ErrLaterNonce) {
				t.Fatalf("abort of nonce 0 with nonce 1 allocated: %v", err)
			}
			if r, _ := e.db.EVMRequest(bg, "or-1", a.ID); r.Status != evmwallet.StatusExecuting {
				t.Fatalf("a refused abort changed the request: %+v", r)
			}
			if ok, err := e.db.AbortEVMRequest(bg, "or-1", b.ID, "x"); !ok || err != nil {
				t.Fatalf("abort of the last nonce: %v %v", ok, err)
			}
			if n, _ := e.db.AllocateEVMNonce(bg, "wa-1", 0); n != 1 {
				t.Fatalf("next nonce %d after the abort, want 1 (given back)", n)
			}
			if signed, _, err := e.db.SetEVMSigned(bg, b.ID, "0x02", "0xhash"); err != nil || signed != "" {
				t.Fatalf("an aborted request took a signed form: %q %v", signed, err)
			}
			if signed, _, _ := e.db.SetEVMSigned(bg, a.ID, "0x03", "0xhash3"); signed != "0x03" {
				t.Fatalf("signing: %q", signed)
			}
			if ok, err := e.db.AbortEVMRequest(bg, "or-1", a.ID, "x"); ok || err != nil {
				t.Fatalf("abort of a signed request: %v %v", ok, err)
			}
		})
	}
}

// An abort and another server carrying the same approved transfer out
// (building, signing, sending it) race, 30 times per dialect: the transfer
// ends either Failed and never sent, or sent once and not Failed.
func TestAbortRacesExecution(t *testing.T) {
	const trials = 30
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			h := newHeld(t, open(t), func(r policy.Runner) policy.Runner { return crashAfterDecision{r} })
			other := h.restart()
			aborted := 0
			for i := range trials {
				v := h.pendingTransfer(t, 1000+i)
				h.decide(t, approver1, v.ApprovalID, policy.Approved)
				before := len(h.node.sends())
				start := make(chan struct{})
				var wg sync.WaitGroup
				var abortErr, carryErr error
				wg.Go(func() {
					<-start
					// Spread over the carrying out (node calls, build, sign,
					// store, send), so that the abort lands at each step; the
					// outcome is checked whatever the timing.
					time.Sleep(time.Duration(i%15) * 150 * time.Microsecond)
					_, abortErr = h.svc.Abort(bg, h.p, nil, "wa-1", v.ID, true, nil)
				})
				r, err := h.db.EVMRequest(bg, "or-1", v.ID)
				if err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					<-start
					carryErr = other.CarryOut(bg, r)
				})
				close(start)
				wg.Wait()
				if carryErr != nil {
					t.Fatal(carryErr)
				}
				if err := evmwallet.StepOnce(bg, other, "EthereumSepolia"); err != nil {
					t.Fatal(err)
				}
				got, sends := h.get(t, v), len(h.node.sends())-before
				switch {
				case got.Status == evmwallet.StatusFailed && abortErr == nil && sends == 0:
					aborted++
				case got.Status == evmwallet.StatusBroadcasted && abortErr != nil && sends == 1:
				default:
					t.Fatalf("trial %d: %s after %d sends (abort: %v)", i, got.Status, sends, abortErr)
				}
			}
			t.Logf("%s: %d of %d aborted, the others sent once", dialect, aborted, trials)
		})
	}
}
