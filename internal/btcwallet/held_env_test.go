package btcwallet_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/heldreq"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/pgtest"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/sqlstore"
	"github.com/custos-dev/custos/internal/wallet"
)

var bg = context.Background()

// dialects opens a fresh database per dialect this run can test: SQLite
// always, PostgreSQL when CUSTOS_TEST_POSTGRES names a server.
var dialects = map[string]func(t *testing.T) *sqlstore.DB{
	"sqlite": func(t *testing.T) *sqlstore.DB {
		db, err := sqlstore.OpenSQLite(bg, filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
	"postgres": func(t *testing.T) *sqlstore.DB {
		db, err := sqlstore.OpenPostgres(bg, pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
}

var (
	requester = &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	approver1 = &principal.Principal{OrgID: "or-1", UserID: "us-2"}
	approver2 = &principal.Principal{OrgID: "or-1", UserID: "us-3"}
)

const recipient = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"

// held is a BitcoinRegtest wallet wa-1 on a fake node, funded with
// outputs of 0.1 BTC, whose transfers and transactions a real policy
// engine holds for the approval of us-2 or us-3 (quorum 1).
type held struct {
	db     *sqlstore.DB
	node   *fakeBTC
	nodes  map[string]*btcwallet.Node
	priv   *btcec.PrivateKey
	addr   string
	pol    *policy.Service
	svc    *btcwallet.Service
	events *recorder
}

// newHeld funds wa-1 with outputs outputs; wrap, when not nil, wraps the
// runner the engine is given.
func newHeld(t *testing.T, db *sqlstore.DB, outputs int, wrap func(policy.Runner) policy.Runner) *held {
	t.Helper()
	if err := db.CreateOrg(bg, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	priv, _ := btcec.NewPrivateKey()
	pub := priv.PubKey().SerializeCompressed()
	addr, _ := btc.New().Address(btc.NetworkBitcoinRegtest, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: pub})
	k := &keys.Key{ID: "key-1", OrgID: "or-1", Scheme: "ECDSA", Curve: "secp256k1", Status: "Active", Custodial: true,
		PublicKey: pub, Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	if err := db.CreateWallet(bg, &wallet.Wallet{ID: "wa-1", OrgID: "or-1", KeyID: "key-1", Network: btc.NetworkBitcoinRegtest,
		Address: addr, Status: "Active", Created: time.Now()}, k); err != nil {
		t.Fatal(err)
	}
	node := &fakeBTC{blocks: []*wire.MsgBlock{chaincfg.RegressionNetParams.GenesisBlock}, txs: map[string]*wire.MsgTx{}}
	srv := httptest.NewServer(node)
	t.Cleanup(srv.Close)
	nodes, err := btcwallet.Dial(bg, []string{"BitcoinRegtest=" + srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AdvanceEVM(bg, btc.NetworkBitcoinRegtest, 0, chaincfg.RegressionNetParams.GenesisHash.String(), nil, nil); err != nil {
		t.Fatal(err)
	}
	h := &held{db: db, node: node, nodes: nodes, priv: priv, addr: addr, pol: policy.NewService(db, nil, nil, nil), events: &recorder{}}
	h.svc = h.restart()
	r := heldreq.Runner(db, h.events, h.svc)
	if wrap != nil {
		r = wrap(r)
	}
	h.pol.Register(policy.KindWalletsSign, policy.ByPrefix(policy.Route{Prefixes: []string{"xfr", "tx"}, Runner: r}))
	var b policy.Body
	if err := json.Unmarshal([]byte(`{"name":"hold","activityKind":"Wallets:Sign","rule":{"kind":"AlwaysTrigger"},
		"action":{"kind":"RequestApproval","autoRejectTimeout":5,
			"approvalGroups":[{"quorum":1,"approvers":{"userId":{"in":["us-2","us-3"]}}}]},
		"filters":{"walletId":{"in":["wa-1"]}}}`), &b); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pol.CreatePolicy(bg, requester, nil, &b); err != nil {
		t.Fatal(err)
	}
	script, _ := hex.DecodeString(mustScript(t, addr))
	fund := wire.NewMsgTx(2)
	fund.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 7}, nil, nil))
	for range outputs {
		fund.AddTxOut(wire.NewTxOut(10_000_000, script))
	}
	node.mine(fund)
	h.step(t, h.svc)
	h.events.take()
	return h
}

// restart is a fresh service on h's database, node and engine (a
// restarted server), whose worker takes Executing requests over at once.
func (h *held) restart() *btcwallet.Service {
	s := btcwallet.New(h.db, walletsOf{h.db}, h.db, signerOf{h.priv}, h.pol, h.nodes, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.SetEvents(h.events)
	s.SetHolder("srv-test") // the replica's id: a restarted server takes its lease back at once
	btcwallet.SetResumeAfter(s, 0)
	return s
}

func (h *held) step(t *testing.T, s *btcwallet.Service) {
	t.Helper()
	if err := btcwallet.StepOnce(bg, s, btc.NetworkBitcoinRegtest); err != nil {
		t.Fatal(err)
	}
}

func (h *held) spendable(t *testing.T) int {
	t.Helper()
	outs, err := h.db.SpendableOutputs(bg, btc.NetworkBitcoinRegtest, "wa-1", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(outs)
}

// pending asks for a transfer of amount satoshis and checks that it waits
// for its approval with nothing built, held or sent.
func (h *held) pending(t *testing.T, amount int) evmwallet.View {
	t.Helper()
	free, sends := h.spendable(t), h.sends()
	v, err := h.svc.Transfer(bg, requester, nil, "wa-1", []byte(fmt.Sprintf(`{"kind":"Native","to":"%s","amount":"%d"}`, recipient, amount)))
	if err != nil || v.Status != evmwallet.StatusPending || !strings.HasPrefix(v.ApprovalID, "ap-") || v.DatePolicyResolved != "" {
		t.Fatalf("held transfer: %+v, %v", v, err)
	}
	r, err := h.db.EVMRequest(bg, "or-1", v.ID)
	if err != nil || r.Unsigned != "" || r.Signed != "" {
		t.Fatalf("a Pending request has a transaction: %+v, %v", r, err)
	}
	if h.spendable(t) != free || h.sends() != sends {
		t.Fatal("a Pending transfer holds outputs or was sent")
	}
	return v
}

func (h *held) sends() int {
	h.node.mu.Lock()
	defer h.node.mu.Unlock()
	return h.node.sends
}

func (h *held) decide(t *testing.T, p *principal.Principal, approvalID, value string) {
	t.Helper()
	if _, err := h.pol.Decide(bg, p, nil, approvalID, &policy.DecisionInput{Value: value}); err != nil {
		t.Fatalf("decide %s: %v", value, err)
	}
}

func (h *held) get(t *testing.T, id string) *evmwallet.Request {
	t.Helper()
	r, err := h.db.EVMRequest(bg, "or-1", id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pays is what tx pays the recipient.
func (h *held) pays(t *testing.T, txHash string) int64 {
	t.Helper()
	h.node.mu.Lock()
	tx := h.node.txs[txHash]
	h.node.mu.Unlock()
	if tx == nil {
		t.Fatalf("transaction %s is not on the node", txHash)
	}
	to, _ := btcwallet.ScriptOf(recipient)
	var sum int64
	for _, o := range tx.TxOut {
		if hex.EncodeToString(o.PkScript) == to {
			sum += o.Value
		}
	}
	return sum
}
