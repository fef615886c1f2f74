package evmwallet_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/evmwallet"
)

// Two speed-ups (or a speed-up and a cancel) of one Broadcasted transfer at
// once, 20 times per dialect: one replacement is issued, with the
// transfer's nonce and fees raised by at least a tenth; the other call is
// a 409, and nothing else is sent.
func TestConcurrentReplacementsIssueOne(t *testing.T) {
	const trials = 20
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			e := newEnvOn(t, open(t))
			for i := range trials {
				v, err := e.transfer(t, `{"kind":"Native","to":"0x00000000000000000000000000000000000000b2","amount":"7"}`)
				if err != nil || v.Status != evmwallet.StatusBroadcasted {
					t.Fatalf("transfer: %+v %v", v, err)
				}
				before := len(e.node.sends())
				start := make(chan struct{})
				var wg sync.WaitGroup
				views := make([]evmwallet.View, 2)
				errs := make([]error, 2)
				for j := range 2 {
					wg.Go(func() {
						<-start
						views[j], errs[j] = e.svc.Replace(bg, e.p, nil, "wa-1", v.ID, true, j == 1 && i%2 == 1)
					})
				}
				close(start)
				wg.Wait()
				won := 0
				for j := range 2 {
					if errs[j] == nil {
						won = j
					} else if apierr.From(errs[j]).Status != 409 {
						t.Fatalf("trial %d: %v, want a 409", i, errs[j])
					}
				}
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("trial %d: %v; want one replacement", i, errs)
				}
				sent := e.node.sends()
				if len(sent) != before+1 {
					t.Fatalf("trial %d: %d sent", i, len(sent)-before)
				}
				orig, repl := e.decodeSent(t, sent[before-1]), e.decodeSent(t, sent[before])
				if repl.Nonce() != orig.Nonce() || repl.GasFeeCap().Cmp(orig.GasFeeCap()) <= 0 || repl.GasTipCap().Cmp(orig.GasTipCap()) <= 0 ||
					repl.Hash().Hex() != views[won].TxHash {
					t.Fatalf("trial %d: replacement nonce %d fees %s/%s of nonce %d fees %s/%s", i, repl.Nonce(), repl.GasFeeCap(), repl.GasTipCap(),
						orig.Nonce(), orig.GasFeeCap(), orig.GasTipCap())
				}
				got, _ := e.svc.Get(bg, e.p, "wa-1", v.ID, true)
				if got.ReplacementID != views[won].ID || !strings.HasPrefix(got.ReplacementID, "tx-") {
					t.Fatalf("trial %d: original %+v", i, got)
				}
			}
		})
	}
}

// A replacement the node refuses fails without giving its nonce back: the
// transfer it replaces holds that nonce and may still be mined, so the
// next transfer takes the nonce after it.
func TestRefusedReplacementKeepsTheNonce(t *testing.T) {
	e := newEnv(t)
	v, err := e.transfer(t, `{"kind":"Native","to":"0x00000000000000000000000000000000000000b2","amount":"7"}`)
	if err != nil {
		t.Fatal(err)
	}
	e.node.mu.Lock()
	e.node.refuse = true
	e.node.mu.Unlock()
	r, err := e.svc.Replace(bg, e.p, nil, "wa-1", v.ID, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Get(bg, e.p, "wa-1", r.ID, false); got.Status != evmwallet.StatusFailed {
		t.Fatalf("refused replacement: %+v", got)
	}
	e.node.mu.Lock()
	e.node.refuse = false
	e.node.mu.Unlock()
	if _, err := e.transfer(t, `{"kind":"Native","to":"0x00000000000000000000000000000000000000b2","amount":"8"}`); err != nil {
		t.Fatal(err)
	}
	sent := e.node.sends()
	if n := e.decodeSent(t, sent[len(sent)-1]).Nonce(); n != 1 {
		t.Fatalf("next transfer nonce %d, want 1 (0 is the first transfer's)", n)
	}
}
