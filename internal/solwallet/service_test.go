package solwallet_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	bin "github.com/gagliardetto/binary"
	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/solwallet"
	"github.com/custos-dev/custos/internal/sqlstore"
	"github.com/custos-dev/custos/internal/wallet"
)

type walletsOf struct{ db *sqlstore.DB }

func (w walletsOf) Load(ctx context.Context, p *principal.Principal, id string) (*wallet.Wallet, error) {
	return w.db.Wallet(ctx, p.OrgID, id)
}

type signerOf struct{ priv ed25519.PrivateKey }

func (s signerOf) ChainSigner(context.Context, string, string) (chain.Key, chain.Signer, error) {
	return chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: s.priv.Public().(ed25519.PublicKey)}, s, nil
}

func (s signerOf) SignEdDSA(_ context.Context, msg []byte) ([]byte, error) {
	return ed25519.Sign(s.priv, msg), nil
}
func (s signerOf) SignECDSA(context.Context, []byte) ([]byte, byte, error) { return nil, 0, io.EOF }
func (s signerOf) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, io.EOF
}

// setup makes an org with a SolanaDevnet wallet wa-1, a fake node and the
// service on them.
func setup(t *testing.T) (*solwallet.Service, *sqlstore.DB, *fakeSol) {
	t.Helper()
	return setupOn(t, dialects["sqlite"](t))
}

// setupOn is setup on the database db.
func setupOn(t *testing.T, db *sqlstore.DB) (*solwallet.Service, *sqlstore.DB, *fakeSol) {
	t.Helper()
	ctx := context.Background()
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	k := &keys.Key{ID: "key-1", OrgID: "or-1", Scheme: "EdDSA", Curve: "ed25519", Status: "Active", Custodial: true,
		PublicKey: pub, Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	if err := db.CreateWallet(ctx, &wallet.Wallet{ID: "wa-1", OrgID: "or-1", KeyID: "key-1", Network: "SolanaDevnet",
		Address: sol.PublicKeyFromBytes(pub).String(), Status: "Active", Created: time.Now()}, k); err != nil {
		t.Fatal(err)
	}
	node := newFakeSol()
	srv := httptest.NewServer(node)
	t.Cleanup(srv.Close)
	nodes, err := solwallet.Dial(ctx, []string{"SolanaDevnet=" + srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := solwallet.New(db, walletsOf{db}, db, signerOf{priv}, nil, nodes, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return svc, db, node
}

const recipient = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"

// blockhashOf is the recent blockhash of a stored signed transaction.
func blockhashOf(t *testing.T, signed string) string {
	t.Helper()
	raw, _ := hex.DecodeString(signed)
	tx, err := sol.TransactionFromDecoder(bin.NewBinDecoder(raw))
	if err != nil {
		t.Fatal(err)
	}
	return tx.Message.RecentBlockhash.String()
}

// A transfer the node never took (every send lost) is not failed while
// its blockhash is valid, is failed with the expiry reason once the
// blockhash expired and the node does not know its signature, and never
// lands; a transfer the node took is confirmed even though its blockhash
// expired before its block was read.
func TestBlockhashExpiry(t *testing.T) {
	ctx := context.Background()
	svc, db, node := setup(t)
	solwallet.SetResumeAfter(svc, 0)
	fol := &solwallet.Follower{}
	step := func() {
		t.Helper()
		if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
			t.Fatal(err)
		}
	}
	step() // the cursor starts at the head
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}

	node.mu.Lock()
	node.lose = true
	node.mu.Unlock()
	lost, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"1000000"}`))
	if err != nil || lost.Status != evmwallet.StatusExecuting {
		t.Fatalf("transfer whose sends are lost: %+v %v", lost, err)
	}
	step()
	fol.ForgetSends()
	step() // sent again (lost again) while the blockhash is valid
	if r, _ := db.EVMRequest(ctx, "or-1", lost.ID); r.Status != evmwallet.StatusExecuting {
		t.Fatalf("a transfer whose blockhash is valid is %s: %s", r.Status, r.Reason)
	}

	node.mu.Lock()
	node.lose = false
	node.mu.Unlock()
	took, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"2000000"}`))
	if err != nil || took.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("transfer: %+v %v", took, err)
	}
	node.mu.Lock()
	node.lose = true // the lost transfer must not get out by a resend now
	node.mu.Unlock()
	node.expire()
	fol.ForgetSends()
	step()
	r, _ := db.EVMRequest(ctx, "or-1", lost.ID)
	if r.Status != evmwallet.StatusFailed || !strings.Contains(r.Reason, "blockhash expired before it landed") {
		t.Fatalf("lost transfer after expiry: %s %q", r.Status, r.Reason)
	}
	if r2, _ := db.EVMRequest(ctx, "or-1", took.ID); r2.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("a transfer the node took is %s after its blockhash expired: %s", r2.Status, r2.Reason)
	}
	node.seal()
	step()
	r2, _ := db.EVMRequest(ctx, "or-1", took.ID)
	if r2.Status != evmwallet.StatusConfirmed || r2.Fee != "5000" {
		t.Fatalf("the transfer the node took: %s fee %q", r2.Status, r2.Fee)
	}
	if n := node.landed(r.TxHash); n != 0 {
		t.Fatalf("the failed transfer landed %d times", n)
	}
	if n := node.landed(r2.TxHash); n != 1 {
		t.Fatalf("the confirmed transfer landed %d times", n)
	}
}

// A transfer stored but not yet signed (the node failed before) whose
// blockhash expired meanwhile is signed with a fresh blockhash by the
// worker (nothing was signed, so nothing can land), and lands once.
func TestUnsignedTransferGetsFreshBlockhash(t *testing.T) {
	ctx := context.Background()
	svc, db, node := setup(t)
	solwallet.SetResumeAfter(svc, 0)
	fol := &solwallet.Follower{}
	step := func() {
		t.Helper()
		if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
			t.Fatal(err)
		}
	}
	step()
	node.mu.Lock()
	node.failValid = true
	node.mu.Unlock()
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	v, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"1000000"}`))
	if err != nil || v.Status != evmwallet.StatusExecuting {
		t.Fatalf("transfer: %+v %v", v, err)
	}
	if r, _ := db.EVMRequest(ctx, "or-1", v.ID); r.Signed != "" {
		t.Fatal("signed although the node could not say whether its blockhash is valid")
	}
	node.expire()
	node.mu.Lock()
	node.failValid = false
	fresh := node.hashes[len(node.hashes)-1]
	node.mu.Unlock()
	step()
	r, _ := db.EVMRequest(ctx, "or-1", v.ID)
	if r.Status != evmwallet.StatusBroadcasted || blockhashOf(t, r.Signed) != fresh {
		t.Fatalf("after the worker: %s, blockhash %s (fresh %s)", r.Status, blockhashOf(t, r.Signed), fresh)
	}
	node.seal()
	step()
	if r, _ = db.EVMRequest(ctx, "or-1", v.ID); r.Status != evmwallet.StatusConfirmed || node.landed(r.TxHash) != 1 {
		t.Fatalf("after the block: %s, landed %d", r.Status, node.landed(r.TxHash))
	}
}

// A node that refuses the first send of a transaction (its preflight
// failed: nothing went out) fails the transfer with the node's reason; a
// transaction sent before (stored signed) that the node refuses is not
// failed on that account: it may still land.
func TestRefusedTransferFails(t *testing.T) {
	ctx := context.Background()
	svc, db, node := setup(t)
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	node.mu.Lock()
	node.refuse = true
	node.mu.Unlock()
	v, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"1000000"}`))
	if err != nil || v.Status != evmwallet.StatusFailed || !strings.Contains(v.Reason, "the node refused the transaction") {
		t.Fatalf("refused transfer: %+v %v", v, err)
	}
	if r, _ := db.EVMRequest(ctx, "or-1", v.ID); r.Status != evmwallet.StatusFailed {
		t.Fatalf("stored as %s", r.Status)
	}

	// Sent once (the node took it), then refused on a resend: still
	// Broadcasted, and confirmed by its block.
	node.mu.Lock()
	node.refuse = false
	node.mu.Unlock()
	solwallet.SetResumeAfter(svc, 0)
	fol := &solwallet.Follower{}
	if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
		t.Fatal(err)
	}
	v, err = svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"2000000"}`))
	if err != nil || v.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("transfer: %+v %v", v, err)
	}
	node.mu.Lock()
	node.refuse, node.forget = true, true // the node forgets the signature and refuses the resend
	node.mu.Unlock()
	fol.ForgetSends()
	if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.EVMRequest(ctx, "or-1", v.ID); r.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("a transfer sent before and refused on a resend is %s: %s", r.Status, r.Reason)
	}
	node.mu.Lock()
	node.refuse, node.forget = false, false
	node.mu.Unlock()
	node.seal()
	if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.EVMRequest(ctx, "or-1", v.ID); r.Status != evmwallet.StatusConfirmed {
		t.Fatalf("after its block: %s", r.Status)
	}
}

// Two transfers alike in everything (recipient, amount, blockhash) are two
// transactions: both land, with their own signatures.
func TestAlikeTransfersAreTwoTransactions(t *testing.T) {
	ctx := context.Background()
	svc, db, node := setup(t)
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	body := []byte(`{"kind":"Native","to":"` + recipient + `","amount":"1000000"}`)
	a, err := svc.Transfer(ctx, p, nil, "wa-1", body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Transfer(ctx, p, nil, "wa-1", body)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != evmwallet.StatusBroadcasted || b.Status != evmwallet.StatusBroadcasted || a.TxHash == b.TxHash {
		t.Fatalf("two alike transfers: %s %s, %s %s", a.Status, a.TxHash, b.Status, b.TxHash)
	}
	node.seal()
	ra, _ := db.EVMRequest(ctx, "or-1", a.ID)
	rb, _ := db.EVMRequest(ctx, "or-1", b.ID)
	if blockhashOf(t, ra.Signed) != blockhashOf(t, rb.Signed) {
		t.Fatal("the test wants both at one blockhash")
	}
	if node.landed(a.TxHash) != 1 || node.landed(b.TxHash) != 1 {
		t.Fatalf("landed %d and %d times", node.landed(a.TxHash), node.landed(b.TxHash))
	}
}

// Dial refuses a node of another cluster (its genesis hash is not the
// network's), and ParseNodes malformed entries.
func TestDialChecksGenesis(t *testing.T) {
	srv := httptest.NewServer(newFakeSol()) // a SolanaDevnet node
	t.Cleanup(srv.Close)
	if _, err := solwallet.Dial(context.Background(), []string{"Solana=" + srv.URL}, nil); err == nil ||
		!strings.Contains(err.Error(), "genesis hash") {
		t.Fatalf("a devnet node for Solana: %v", err)
	}
	if _, err := solwallet.Dial(context.Background(), []string{"SolanaDevnet=" + srv.URL}, []string{"SolanaDevnet=3"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2][]string{
		{{"SolanaDevnet=ftp://x"}, nil},
		{{"SolanaDevnet=" + srv.URL, "SolanaDevnet=" + srv.URL}, nil},
		{{"SolanaDevnet=" + srv.URL}, {"SolanaDevnet=0"}},
		{{"SolanaDevnet=" + srv.URL}, {"Solana=2"}},
	} {
		if _, _, err := solwallet.ParseNodes(bad[0], bad[1]); err == nil {
			t.Errorf("ParseNodes(%v, %v) accepted", bad[0], bad[1])
		}
	}
	mine, others := solwallet.SplitEntries([]string{"SolanaDevnet=http://a,EthereumSepolia=http://b", "BitcoinRegtest=http://c"})
	if len(mine) != 1 || len(others) != 2 {
		t.Fatalf("split %v %v", mine, others)
	}
}

// A transaction the follower cannot decode is skipped: the blocks after it
// are still read and the requests in them confirmed.
func TestUndecodableTransactionSkipped(t *testing.T) {
	ctx := context.Background()
	svc, db, node := setup(t)
	fol := &solwallet.Follower{}
	if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
		t.Fatal(err)
	}
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	v, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"1000000"}`))
	if err != nil {
		t.Fatal(err)
	}
	node.mu.Lock()
	node.pending = append([]string{"/////w=="}, node.pending...) // four bytes that are no transaction
	node.mu.Unlock()
	node.seal()
	if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.EVMRequest(ctx, "or-1", v.ID); r.Status != evmwallet.StatusConfirmed {
		t.Fatalf("a transfer in a block with an undecodable transaction is %s", r.Status)
	}
}

// A block whose parent is not the block read at its parent slot (the node
// moved to another fork) makes the follower forget that slot and the ones
// after it and read them again: the transfer it had confirmed there is
// confirmed again, once, from the new block.
func TestForkRereadsBlocks(t *testing.T) {
	ctx := context.Background()
	svc, db, node := setup(t)
	fol := &solwallet.Follower{}
	step := func() {
		t.Helper()
		if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
			t.Fatal(err)
		}
	}
	step()
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	v, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"1000000"}`))
	if err != nil {
		t.Fatal(err)
	}
	node.seal() // slot 1 holds the transfer
	step()
	first, _ := db.EVMRequest(ctx, "or-1", v.ID)
	if first.Status != evmwallet.StatusConfirmed || first.Block != 1 {
		t.Fatalf("before the fork: %s in slot %d", first.Status, first.Block)
	}
	// Slot 1 is replaced by another block holding the same transaction.
	node.mu.Lock()
	node.blockHash[1] = "11111111111111111111111111111112"
	node.mu.Unlock()
	node.seal() // slot 2, whose parent is the new slot 1
	step()      // notices the fork and forgets slot 1 on
	if h, ok, _ := db.EVMBlockHash(ctx, "SolanaDevnet", 1); ok {
		t.Fatalf("slot 1 still recorded as %s", h)
	}
	step() // reads slots 1 and 2 again
	if h, _, _ := db.EVMBlockHash(ctx, "SolanaDevnet", 1); h != "11111111111111111111111111111112" {
		t.Fatalf("slot 1 recorded as %q after the fork", h)
	}
	again, _ := db.EVMRequest(ctx, "or-1", v.ID)
	if again.Status != evmwallet.StatusConfirmed || again.Block != 1 {
		t.Fatalf("after the fork: %s in slot %d", again.Status, again.Block)
	}
	if next, _, _ := db.EVMCursor(ctx, "SolanaDevnet"); next != 3 {
		t.Fatalf("cursor at %d, want 3", next)
	}
}

type recorder struct {
	mu    sync.Mutex
	kinds []string
}

func (e *recorder) Emit(_ context.Context, _, kind string, _ any) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.kinds = append(e.kinds, kind)
	return nil
}

func (e *recorder) take() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := strings.Join(e.kinds, " ")
	e.kinds = nil
	return k
}

// A transfer records its webhook events as it moves: requested and
// broadcasted when it is sent, confirmed when its block is read; one that
// fails records failed.
func TestTransferEvents(t *testing.T) {
	ctx := context.Background()
	svc, _, node := setup(t)
	events := &recorder{}
	svc.SetEvents(events)
	fol := &solwallet.Follower{}
	if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
		t.Fatal(err)
	}
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	if _, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"1000000"}`)); err != nil {
		t.Fatal(err)
	}
	if got := events.take(); got != "wallet.transfer.requested wallet.transfer.broadcasted" {
		t.Fatalf("events %q", got)
	}
	node.seal()
	if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
		t.Fatal(err)
	}
	if got := events.take(); got != "wallet.transfer.confirmed" {
		t.Fatalf("events %q", got)
	}
	node.mu.Lock()
	node.refuse = true
	node.mu.Unlock()
	if _, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"2000000"}`)); err != nil {
		t.Fatal(err)
	}
	if got := events.take(); got != "wallet.transfer.requested wallet.transfer.failed" {
		t.Fatalf("events %q", got)
	}
}
