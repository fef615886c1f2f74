package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/wallet"
)

// The outputs of Bitcoin-family wallets: spendable ones largest first, a
// strict reservation refuses an output held by another request, a release
// frees them, a block's spends count, a rewind forgets a block's outputs
// and spends, and balances are scoped by org.
func TestBTCOutputs(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	k := &keys.Key{ID: "key-b", OrgID: "or-1", Scheme: "ECDSA", Curve: "secp256k1", Status: "Active", Custodial: true,
		Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	w := &wallet.Wallet{ID: "wa-b", OrgID: "or-1", KeyID: "key-b", Network: "BitcoinRegtest",
		Address: "bcrt1qtest", Status: "Active", Created: time.Now()}
	if err := db.CreateWallet(ctx, w, k); err != nil {
		t.Fatal(err)
	}
	const net = "BitcoinRegtest"
	out := func(tx string, vout uint32, v int64) *btcwallet.Output {
		return &btcwallet.Output{Network: net, TxHash: tx, Vout: vout, OrgID: "or-1", WalletID: "wa-b", Value: v, PkScript: "0014aa"}
	}
	op := func(tx string, vout uint32) btcwallet.OutPoint { return btcwallet.OutPoint{TxHash: tx, Vout: vout} }
	spendable := func() []int64 {
		t.Helper()
		os, err := db.SpendableOutputs(ctx, net, "wa-b", 10)
		if err != nil {
			t.Fatal(err)
		}
		var vs []int64
		for _, o := range os {
			vs = append(vs, o.Value)
		}
		return vs
	}
	balance := func(org string) int64 {
		t.Helper()
		sum, _, err := db.WalletBalance(ctx, org, "wa-b")
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	equal := func(got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	}
	cb := out("aa", 0, 1)
	cb.Coinbase = true
	if err := db.RecordOutputs(ctx, net, 10, []*btcwallet.Output{out("aa", 1, 3), out("bb", 0, 5), cb}, nil); err != nil {
		t.Fatal(err)
	}
	equal(spendable(), 5, 3, 1)

	if err := db.Tx(ctx, func(ctx context.Context) error {
		return db.ReserveOutputs(ctx, net, "xfr-a", []btcwallet.OutPoint{op("bb", 0)}, true)
	}); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(ctx context.Context) error {
		return db.ReserveOutputs(ctx, net, "xfr-b", []btcwallet.OutPoint{op("aa", 1), op("bb", 0)}, true)
	})
	if !errors.Is(err, btcwallet.ErrOutputsTaken) {
		t.Fatalf("reserving a reserved output: %v, want ErrOutputsTaken", err)
	}
	equal(spendable(), 3, 1) // xfr-b's unit rolled back: aa:1 is free
	if err := db.ReserveOutputs(ctx, net, "tx-c", []btcwallet.OutPoint{op("bb", 0), op("zz", 9)}, false); err != nil {
		t.Fatalf("a loose reservation of taken or unknown outputs: %v", err)
	}
	if got := balance("or-1"); got != 9 {
		t.Fatalf("balance %d, want 9 (reserved outputs are still held)", got)
	}
	if err := db.ReleaseOutputs(ctx, "xfr-a"); err != nil {
		t.Fatal(err)
	}
	equal(spendable(), 5, 3, 1)

	// Block 11 spends aa:1 and pays cc:0.
	if err := db.RecordOutputs(ctx, net, 11, []*btcwallet.Output{out("cc", 0, 2)},
		[]btcwallet.Spend{{OutPoint: op("aa", 1), SpentTx: "cc"}}); err != nil {
		t.Fatal(err)
	}
	equal(spendable(), 5, 2, 1)
	if got := balance("or-1"); got != 8 {
		t.Fatalf("balance %d, want 8", got)
	}
	known, err := db.WalletOutputs(ctx, net, []btcwallet.OutPoint{op("aa", 0), op("aa", 7), op("cc", 0), op("dd", 0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(known) != 2 || !known[0].Coinbase && !known[1].Coinbase {
		t.Fatalf("wallet outputs %+v: want aa:0 (coinbase) and cc:0", known)
	}
	if got, _ := db.WalletOutputs(ctx, "Bitcoin", []btcwallet.OutPoint{op("aa", 0)}); len(got) != 0 {
		t.Fatal("outputs are per network")
	}

	if err := db.RewindOutputs(ctx, net, 11); err != nil {
		t.Fatal(err)
	}
	equal(spendable(), 5, 3, 1)
	if got := balance("or-1"); got != 9 {
		t.Fatalf("balance after rewind %d, want 9", got)
	}
	if got := balance("or-2"); got != 0 {
		t.Fatalf("another org sees a balance of %d", got)
	}

	// Change of a transaction on its way: spendable (after the mined
	// outputs), not counted; a refused one is forgotten; once mined it
	// counts.
	pend := out("ee", 1, 7)
	if err := db.AddPendingOutputs(ctx, []*btcwallet.Output{pend, out("ff", 0, 4)}); err != nil {
		t.Fatal(err)
	}
	equal(spendable(), 5, 3, 1, 7, 4)
	if got := balance("or-1"); got != 9 {
		t.Fatalf("balance with pending change %d, want 9", got)
	}
	if err := db.DropPendingOutputs(ctx, net, "ff"); err != nil {
		t.Fatal(err)
	}
	if err := db.DropPendingOutputs(ctx, net, "bb"); err != nil {
		t.Fatal(err)
	}
	equal(spendable(), 5, 3, 1, 7)
	if err := db.RecordOutputs(ctx, net, 12, []*btcwallet.Output{out("ee", 1, 7)}, nil); err != nil {
		t.Fatal(err)
	}
	equal(spendable(), 7, 5, 3, 1)
	if got := balance("or-1"); got != 16 {
		t.Fatalf("balance once the change is mined %d, want 16", got)
	}
}
