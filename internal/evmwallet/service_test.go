package evmwallet_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/sqlstore"
	"github.com/custos-dev/custos/internal/wallet"
)

const sepolia = 11155111

// env is a service on a fresh SQLite database with one EthereumSepolia
// wallet (wa-1 of or-1) whose key signs in the test.
type env struct {
	db     *sqlstore.DB
	node   *fakeNode
	nodes  map[string]*evmwallet.Node
	key    *ecdsa.PrivateKey
	addr   common.Address
	policy *recorder
	svc    *evmwallet.Service
	p      *principal.Principal
}

// recorder is a policy evaluator that records what it is asked and
// answers decision.
type recorder struct {
	seen     []policy.Activity
	decision policy.Decision
}

func (r *recorder) Evaluate(_ context.Context, a policy.Activity) (policy.Decision, error) {
	r.seen = append(r.seen, a)
	return r.decision, nil
}

// emitted records the kinds of the events a service emits.
type emitted struct {
	mu    sync.Mutex
	kinds []string
	data  []any
}

func (e *emitted) Emit(_ context.Context, _, kind string, data any) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.kinds = append(e.kinds, kind)
	e.data = append(e.data, data)
	return nil
}

type walletsOf struct{ db *sqlstore.DB }

func (w walletsOf) Load(ctx context.Context, p *principal.Principal, id string) (*wallet.Wallet, error) {
	return w.db.Wallet(ctx, p.OrgID, id)
}

type testSigner struct{ key *ecdsa.PrivateKey }

func (s testSigner) ChainSigner(context.Context, string, string) (chain.Key, chain.Signer, error) {
	return chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: crypto.CompressPubkey(&s.key.PublicKey)}, s, nil
}

func (s testSigner) SignECDSA(_ context.Context, digest []byte) ([]byte, byte, error) {
	sig, err := crypto.Sign(digest, s.key)
	if err != nil {
		return nil, 0, err
	}
	return sig[:64], sig[64], nil
}
func (testSigner) SignEdDSA(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") }
func (testSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("no")
}

func newEnv(t *testing.T) *env { return newEnvTB(t) }

func newEnvTB(t testing.TB) *env {
	t.Helper()
	db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	return newEnvOn(t, db)
}

// newEnvOn is newEnv on db (closed when t ends).
func newEnvOn(t testing.TB, db *sqlstore.DB) *env {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { db.Close() })
	var err error
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	key, _ := crypto.GenerateKey()
	e := &env{db: db, node: newFakeNode(t, sepolia), key: key, addr: crypto.PubkeyToAddress(key.PublicKey),
		policy: &recorder{}, p: &principal.Principal{OrgID: "or-1", UserID: "us-1"}}
	k := &keys.Key{ID: "key-1", OrgID: "or-1", Scheme: "ECDSA", Curve: "secp256k1", Status: "Active", Custodial: true,
		PublicKey: crypto.CompressPubkey(&key.PublicKey),
		Material:  custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	w := &wallet.Wallet{ID: "wa-1", OrgID: "or-1", KeyID: "key-1", Network: "EthereumSepolia", Address: e.addr.Hex(),
		Status: "Active", Created: time.Now()}
	if err := db.CreateWallet(ctx, w, k); err != nil {
		t.Fatal(err)
	}
	e.nodes, err = evmwallet.Dial(ctx, evmwallet.NodeConfig{RPC: []string{"EthereumSepolia=" + e.node.srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = e.newService()
	return e
}

// newService is a fresh service on e's database and node: a restarted
// server.
func (e *env) newService() *evmwallet.Service {
	return evmwallet.New(e.db, walletsOf{e.db}, e.db, testSigner{e.key}, e.policy, e.nodes, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func (e *env) transfer(t *testing.T, body string) (evmwallet.View, error) {
	t.Helper()
	return e.svc.Transfer(context.Background(), e.p, nil, "wa-1", []byte(body))
}

// decodeSent decodes a raw transaction the node received and checks that
// it was signed by the wallet's key.
func (e *env) decodeSent(t *testing.T, raw string) *types.Transaction {
	t.Helper()
	var tx types.Transaction
	if err := tx.UnmarshalBinary(hexutil.MustDecode(raw)); err != nil {
		t.Fatal(err)
	}
	from, err := types.Sender(types.LatestSignerForChainID(big.NewInt(sepolia)), &tx)
	if err != nil || from != e.addr {
		t.Fatalf("sent transaction signed by %s (%v), want the wallet %s", from, err, e.addr)
	}
	return &tx
}

func status(err error) int {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// A node of another chain is refused at start.
func TestDialRefusesAnotherChain(t *testing.T) {
	f := newFakeNode(t, 1)
	_, err := evmwallet.Dial(context.Background(), evmwallet.NodeConfig{RPC: []string{"EthereumSepolia=" + f.srv.URL}})
	if err == nil || !strings.Contains(err.Error(), "chain id 1") {
		t.Fatalf("Dial of a chain-1 node for EthereumSepolia: %v, want a refusal naming chain id 1", err)
	}
	for _, bad := range []string{"Nope=http://x", "Bitcoin=http://x", "EthereumSepolia=ftp://x", "EthereumSepolia"} {
		if _, _, err := evmwallet.ParseNodes(evmwallet.NodeConfig{RPC: []string{bad}}); err == nil {
			t.Errorf("--rpc %s accepted", bad)
		}
	}
}

// Every transfer passes the policy seam with its kind and body: a denial
// is stored Rejected and nothing is sent; an allowed one is signed by the
// wallet's key for the network's chain id and sent once.
func TestTransferPassesPolicy(t *testing.T) {
	e := newEnv(t)
	events := &emitted{}
	e.svc.SetEvents(events)
	to := "0x00000000000000000000000000000000000000b2"
	body := `{"kind":"Native","to":"` + to + `","amount":"12345"}`
	e.policy.decision = policy.Decision{Outcome: policy.Deny, Reason: "blocked by test policy"}
	v, err := e.transfer(t, body)
	if err != nil || v.Status != evmwallet.StatusRejected || v.Reason != "blocked by test policy" {
		t.Fatalf("denied transfer: %+v, %v", v, err)
	}
	if len(e.node.sends()) != 0 {
		t.Fatal("a denied transfer was sent")
	}
	a := e.policy.seen[0]
	if a.Kind != policy.KindWalletsSign || a.RequestKind != "Native" || a.WalletID != "wa-1" || !json.Valid(a.Body) ||
		!strings.Contains(string(a.Body), "12345") {
		t.Fatalf("policy saw %+v", a)
	}

	e.policy.decision = policy.Decision{Outcome: policy.Allow}
	v, err = e.transfer(t, body)
	if err != nil || v.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("allowed transfer: %+v, %v", v, err)
	}
	sent := e.node.sends()
	if len(sent) != 1 {
		t.Fatalf("%d transactions sent, want 1", len(sent))
	}
	tx := e.decodeSent(t, sent[0])
	if tx.Nonce() != 0 || tx.To().Hex() != common.HexToAddress(to).Hex() || tx.Value().Int64() != 12345 ||
		tx.ChainId().Int64() != sepolia || tx.Type() != types.DynamicFeeTxType || tx.Gas() != 21000 {
		t.Fatalf("sent %+v", tx)
	}
	if tx.Hash().Hex() != v.TxHash {
		t.Fatalf("txHash %s, sent %s", v.TxHash, tx.Hash().Hex())
	}
	want := []string{"wallet.transfer.rejected", "wallet.transfer.requested", "wallet.transfer.broadcasted"}
	if strings.Join(events.kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", events.kinds, want)
	}
}

// A node that cannot be reached is a 503, one that answers with an error
// a 502; nothing is stored.
func TestNodeFailures(t *testing.T) {
	e := newEnv(t)
	body := `{"kind":"Native","to":"0x00000000000000000000000000000000000000b2","amount":"1"}`
	e.node.mu.Lock()
	e.node.broken = true
	e.node.mu.Unlock()
	if _, err := e.transfer(t, body); status(err) != http.StatusBadGateway {
		t.Fatalf("node answering errors: %v, want 502", err)
	}
	e.node.srv.Close()
	_, err := e.transfer(t, body)
	var ae *apierr.Error
	if status(err) != http.StatusServiceUnavailable || !errors.As(err, &ae) || ae.RetryAfter == 0 {
		t.Fatalf("node down: %v, want 503 with Retry-After", err)
	}
	l, err := e.svc.List(context.Background(), e.p, "wa-1", true, identity.Page{})
	if err != nil || len(l.Items) != 0 {
		t.Fatalf("%d transfers stored (%v), want none", len(l.Items), err)
	}
}

// A transaction the node refuses fails its request with the node's reason
// and gives its nonce back, so the next transfer leaves no gap.
func TestRefusedTransactionFailsAndGivesItsNonceBack(t *testing.T) {
	e := newEnv(t)
	body := `{"kind":"Native","to":"0x00000000000000000000000000000000000000b2","amount":"1"}`
	e.node.refuse = true
	v, err := e.transfer(t, body)
	if err != nil || v.Status != evmwallet.StatusFailed || !strings.Contains(v.Reason, "underpriced") {
		t.Fatalf("refused transfer: %+v, %v", v, err)
	}
	e.node.mu.Lock()
	e.node.refuse = false
	e.node.mu.Unlock()
	if v, err = e.transfer(t, body); err != nil || v.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("next transfer: %+v, %v", v, err)
	}
	if tx := e.decodeSent(t, e.node.sends()[0]); tx.Nonce() != 0 {
		t.Fatalf("next transfer has nonce %d, want 0 (the refused one's)", tx.Nonce())
	}
}

// A transfer stored and signed but not sent (the node dropped the call)
// answers Executing; a restarted server's worker sends the very
// transaction that was stored, once.
func TestWorkerSendsTheStoredTransactionAfterARestart(t *testing.T) {
	e := newEnv(t)
	e.node.drop = true
	v, err := e.transfer(t, `{"kind":"Native","to":"0x00000000000000000000000000000000000000b2","amount":"7"}`)
	if err != nil || v.Status != evmwallet.StatusExecuting {
		t.Fatalf("transfer during an outage: %+v, %v", v, err)
	}
	r, err := e.db.EVMRequest(context.Background(), "or-1", v.ID)
	if err != nil || r.Signed == "" || r.TxHash == "" {
		t.Fatalf("the signed transaction was not stored before sending: %+v, %v", r, err)
	}
	e.node.mu.Lock()
	e.node.drop = false
	e.node.mu.Unlock()

	restarted := e.newService()
	evmwallet.SetResumeAfter(restarted, 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- restarted.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(e.node.sends()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sent := e.node.sends()
	if len(sent) != 1 || sent[0] != r.Signed {
		t.Fatalf("the worker sent %d transactions; want the stored one once", len(sent))
	}
	got, _ := e.svc.Get(context.Background(), e.p, "wa-1", v.ID, true)
	if got.Status != evmwallet.StatusBroadcasted || got.TxHash != r.TxHash {
		t.Fatalf("after the worker: %+v", got)
	}
}
