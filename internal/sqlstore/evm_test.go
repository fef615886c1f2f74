package sqlstore

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/wallet"
)

// evmWallet stores a wallet wa-1 of or-1 on EthereumSepolia.
func evmWallet(t testing.TB, db *DB) {
	t.Helper()
	ctx := context.Background()
	k := &keys.Key{ID: "key-1", OrgID: "or-1", Scheme: "ECDSA", Curve: "secp256k1", Status: "Active", Custodial: true,
		Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	w := &wallet.Wallet{ID: "wa-1", OrgID: "or-1", KeyID: "key-1", Network: "EthereumSepolia",
		Address: "0x00000000000000000000000000000000000000A1", Status: "Active", Created: time.Now()}
	if err := db.CreateWallet(ctx, w, k); err != nil {
		t.Fatal(err)
	}
}

// Concurrent allocations, each in a unit of work as transfers make them,
// get distinct, gap-free nonces; the chain's count is a floor; a refused
// transaction's nonce comes back only while it is the last one; a nonce a
// caller chose moves the counter on.
func TestEVMNonceAllocation(t *testing.T) {
	db := testDB(t)
	evmWallet(t, db)
	ctx := context.Background()
	const n = 40
	got := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Tx(ctx, func(ctx context.Context) error {
				v, err := db.AllocateEVMNonce(ctx, "wa-1", 0)
				got[i] = int(v)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sort.Ints(got)
	for i, v := range got {
		if v != i {
			t.Fatalf("nonces %v: want 0..%d, each once", got, n-1)
		}
	}
	alloc := func(floor uint64) uint64 {
		t.Helper()
		v, err := db.AllocateEVMNonce(ctx, "wa-1", floor)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := alloc(100); v != 100 {
		t.Fatalf("floor 100 gave %d", v)
	}
	if v := alloc(5); v != 101 {
		t.Fatalf("after 100 came %d", v)
	}
	if err := db.ReleaseEVMNonce(ctx, "wa-1", 50); err != nil {
		t.Fatal(err)
	}
	if v := alloc(0); v != 102 {
		t.Fatalf("releasing an older nonce moved the counter: got %d, want 102", v)
	}
	if err := db.ReleaseEVMNonce(ctx, "wa-1", 102); err != nil {
		t.Fatal(err)
	}
	if v := alloc(0); v != 102 {
		t.Fatalf("the last nonce released came back as %d, want 102", v)
	}
	if err := db.UseEVMNonce(ctx, "wa-1", 200); err != nil {
		t.Fatal(err)
	}
	if err := db.UseEVMNonce(ctx, "wa-1", 7); err != nil {
		t.Fatal(err)
	}
	if v := alloc(0); v != 201 {
		t.Fatalf("after a chosen nonce 200 came %d", v)
	}
}

// A block is recorded once: a second follower that read the same block
// loses the race and stores nothing; a rewind forgets the block's events
// and reopens the requests it settled.
func TestEVMAdvanceOnceAndRewind(t *testing.T) {
	db := testDB(t)
	evmWallet(t, db)
	ctx := context.Background()
	r := &evmwallet.Request{ID: "xfr-1", OrgID: "or-1", WalletID: "wa-1", Network: "EthereumSepolia", Transfer: true,
		Requester: evmwallet.Requester{UserID: "us-1"}, Body: []byte(`{}`), Status: evmwallet.StatusBroadcasted,
		Sender: "0xA1", Nonce: 0, TxHash: "0xabc", Requested: time.Now()}
	if err := db.CreateEVMRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	ev := func() []*evmwallet.Event {
		return []*evmwallet.Event{{ID: "ev-" + time.Now().Format("150405.000000000"), OrgID: "or-1", WalletID: "wa-1",
			Network: "EthereumSepolia", Kind: "NativeTransfer", Direction: "Out", Block: 7, TxHash: "0xabc", LogIndex: -1,
			From: "0xA1", To: "0xB2", Value: "1", Time: time.Now()}}
	}
	fin := []evmwallet.Final{{ID: "xfr-1", Status: evmwallet.StatusConfirmed, Fee: "21", Block: 7, At: time.Now()}}
	if err := db.AdvanceEVM(ctx, "EthereumSepolia", 7, "0xh7", ev(), fin); err != nil {
		t.Fatal(err)
	}
	if err := db.AdvanceEVM(ctx, "EthereumSepolia", 7, "0xh7", ev(), fin); !errors.Is(err, evmwallet.ErrLostRace) {
		t.Fatalf("second read of block 7: %v, want ErrLostRace", err)
	}
	es, _, err := db.EVMEvents(ctx, "or-1", "wa-1", evmwallet.HistoryFilter{}, identity.Page{})
	if err != nil || len(es) != 1 {
		t.Fatalf("events %d (%v), want 1", len(es), err)
	}
	got, err := db.EVMRequest(ctx, "or-1", "xfr-1")
	if err != nil || got.Status != evmwallet.StatusConfirmed || got.Fee != "21" || got.Block != 7 {
		t.Fatalf("request after block 7: %+v (%v)", got, err)
	}
	if next, ok, err := db.EVMCursor(ctx, "EthereumSepolia"); err != nil || !ok || next != 8 {
		t.Fatalf("cursor %d %v %v, want 8", next, ok, err)
	}
	if err := db.RewindEVM(ctx, "EthereumSepolia", 7); err != nil {
		t.Fatal(err)
	}
	es, _, _ = db.EVMEvents(ctx, "or-1", "wa-1", evmwallet.HistoryFilter{}, identity.Page{})
	got, _ = db.EVMRequest(ctx, "or-1", "xfr-1")
	next, _, _ := db.EVMCursor(ctx, "EthereumSepolia")
	if len(es) != 0 || got.Status != evmwallet.StatusBroadcasted || next != 7 {
		t.Fatalf("after rewind: %d events, status %s, cursor %d", len(es), got.Status, next)
	}
}

// A lease is held by one holder until it expires.
func TestWorkerLease(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	now := time.Now()
	take := func(holder string, at time.Time) bool {
		t.Helper()
		ok, err := db.TakeLease(ctx, "job", holder, at, at.Add(30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take("a", now) || take("b", now.Add(time.Second)) || !take("a", now.Add(2*time.Second)) {
		t.Fatal("a lease went to a second holder before it expired")
	}
	if !take("b", now.Add(time.Minute)) || take("a", now.Add(time.Minute+time.Second)) {
		t.Fatal("an expired lease did not pass to the next holder")
	}
}
