package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/id"
)

// Speed-up and cancel of a Solana wallet's transfers and transactions are
// a clear 400 (Solana has no replacement of a sent transaction,
// docs/protocol/sol-transfers.md §4): the request is left as it was and no
// replacement is stored; an unknown request is a 404, and another org's
// wallet a 404. Abort (docs/protocol/evm-transfers.md §4b) fails a
// Solana request that is Executing and not signed, and refuses a sent one.
func TestSolanaReplaceAndAbortRoutes(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "SolanaDevnet"})
	db := env.App.DB
	now := time.Now().UTC().Truncate(time.Millisecond)
	stored := func(transfer bool, status, signed string) *evmwallet.Request {
		t.Helper()
		prefix := "tx"
		if transfer {
			prefix = "xfr"
		}
		r := &evmwallet.Request{ID: id.New(prefix), OrgID: sa.OrgID, WalletID: w.ID, Network: "SolanaDevnet", Transfer: transfer,
			Requester: evmwallet.Requester{UserID: sa.UserID}, Body: json.RawMessage(`{"kind":"Native"}`), Status: status,
			Sender: w.Address, Nonce: -1, Decimals: -1, Unsigned: "00", Signed: signed, Requested: now, PolicyResolved: now}
		if signed != "" {
			r.TxHash, r.Broadcasted = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW", now
		}
		if err := db.CreateEVMRequest(bg, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	sentXfr := stored(true, evmwallet.StatusBroadcasted, "01")
	sentTx := stored(false, evmwallet.StatusBroadcasted, "01")
	for _, c := range []struct{ path, op string }{
		{"/transfers/" + sentXfr.ID + "/speed-up", "sped up"},
		{"/transfers/" + sentXfr.ID + "/cancel", "cancelled"},
		{"/transactions/" + sentTx.ID + "/speed-up", "sped up"},
		{"/transactions/" + sentTx.ID + "/cancel", "cancelled"},
	} {
		err := sa.Do(bg, "POST", "/wallets/"+w.ID+c.path, map[string]any{}, nil)
		if expect(t, err, 400); !strings.Contains(err.Error(), "cannot be "+c.op+": Solana (SolanaDevnet) has no replacement") {
			t.Fatalf("POST %s: %v", c.path, err)
		}
	}
	for _, r := range []*evmwallet.Request{sentXfr, sentTx} {
		got, err := db.EVMRequest(bg, sa.OrgID, r.ID)
		if err != nil || got.Status != evmwallet.StatusBroadcasted || got.ReplacementID != "" {
			t.Fatalf("%s after speed-up and cancel: %+v %v", r.ID, got, err)
		}
	}
	var list struct {
		Items []struct{ ID string } `json:"items"`
	}
	if expect(t, sa.Do(bg, "GET", "/wallets/"+w.ID+"/transactions", nil, &list), 0); len(list.Items) != 1 {
		t.Fatalf("%d transactions after speed-up and cancel, want 1 (no replacement): %+v", len(list.Items), list.Items)
	}
	// A transfer id under …/transactions, an unknown id, another org's caller: 404.
	expect(t, sa.Do(bg, "POST", "/wallets/"+w.ID+"/transactions/"+sentXfr.ID+"/speed-up", map[string]any{}, nil), 404)
	expect(t, sa.Do(bg, "POST", "/wallets/"+w.ID+"/transfers/xfr-00000-00000-0000000000000000/cancel", map[string]any{}, nil), 404)
	other := env.OtherOrg(t)
	expect(t, other.Do(bg, "POST", "/wallets/"+w.ID+"/transfers/"+sentXfr.ID+"/speed-up", map[string]any{}, nil), 404)

	// Abort: an Executing, unsigned request fails; a sent one is a 400.
	exec := stored(true, evmwallet.StatusExecuting, "")
	var v struct{ Status, Reason string }
	if expect(t, sa.Do(bg, "PUT", "/wallets/"+w.ID+"/transfers/"+exec.ID+"/abort", map[string]any{}, &v), 0); v.Status != "Failed" ||
		v.Reason != "aborted by "+sa.UserID {
		t.Fatalf("aborted Solana transfer: %+v", v)
	}
	execTx := stored(false, evmwallet.StatusExecuting, "")
	if expect(t, sa.Do(bg, "PUT", "/wallets/"+w.ID+"/transactions/"+execTx.ID+"/abort", map[string]any{}, &v), 0); v.Status != "Failed" {
		t.Fatalf("aborted Solana transaction: %+v", v)
	}
	expect(t, sa.Do(bg, "PUT", "/wallets/"+w.ID+"/transfers/"+sentXfr.ID+"/abort", map[string]any{}, nil), 400)
	if got, _ := db.EVMRequest(bg, sa.OrgID, sentXfr.ID); got.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("a sent Solana transfer is %s after an abort", got.Status)
	}
}
