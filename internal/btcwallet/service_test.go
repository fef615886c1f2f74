package btcwallet_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/sqlstore"
	"github.com/custos-dev/custos/internal/wallet"
)

// fakeBTC is a btcd-style node in memory: blocks, a pool, and a switch
// that loses the answer of every sendrawtransaction it takes.
type fakeBTC struct {
	mu     sync.Mutex
	blocks []*wire.MsgBlock
	pool   []*wire.MsgTx
	txs    map[string]*wire.MsgTx
	lose   bool
	sends  int
}

func (f *fakeBTC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     int64             `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	var result any
	var rpcErr any
	str := func(i int) string {
		var s string
		_ = json.Unmarshal(req.Params[i], &s)
		return s
	}
	raw := func(v interface{ Serialize(io.Writer) error }) string {
		var b bytes.Buffer
		_ = v.Serialize(&b)
		return hex.EncodeToString(b.Bytes())
	}
	switch req.Method {
	case "getblockcount":
		result = len(f.blocks) - 1
	case "getblockhash":
		var n int
		_ = json.Unmarshal(req.Params[0], &n)
		result = f.blocks[n].BlockHash().String()
	case "getblock":
		for _, b := range f.blocks {
			if b.BlockHash().String() == str(0) {
				result = raw(b)
			}
		}
	case "getrawtransaction":
		if tx, ok := f.txs[str(0)]; ok {
			result = raw(tx)
		} else {
			rpcErr = map[string]any{"code": -5, "message": "No information available about transaction"}
		}
	case "sendrawtransaction":
		f.sends++
		b, _ := hex.DecodeString(str(0))
		var tx wire.MsgTx
		_ = tx.Deserialize(bytes.NewReader(b))
		if _, dup := f.txs[tx.TxHash().String()]; dup {
			rpcErr = map[string]any{"code": -27, "message": "transaction already exists"}
			break
		}
		f.txs[tx.TxHash().String()] = &tx
		f.pool = append(f.pool, &tx)
		result = tx.TxHash().String()
		if f.lose {
			// The node took the transaction, but its answer is lost.
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
			return
		}
	case "getinfo":
		result = map[string]any{"relayfee": 0.00001}
	default:
		rpcErr = map[string]any{"code": -32601, "message": "Method not found"}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"id": req.ID, "result": result, "error": rpcErr})
}

// mine adds a block of the pool's transactions and extra.
func (f *fakeBTC) mine(extra ...*wire.MsgTx) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := f.blocks[len(f.blocks)-1]
	b := wire.NewMsgBlock(&wire.BlockHeader{Version: 4, PrevBlock: prev.BlockHash(), Timestamp: time.Now()})
	cb := wire.NewMsgTx(2)
	cb.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: wire.MaxPrevOutIndex}, []byte{byte(len(f.blocks)), 1}, nil))
	cb.AddTxOut(wire.NewTxOut(1, []byte{txscript.OP_TRUE}))
	_ = b.AddTransaction(cb)
	for _, tx := range append(f.pool, extra...) {
		_ = b.AddTransaction(tx)
		f.txs[tx.TxHash().String()] = tx
	}
	f.pool = nil
	f.blocks = append(f.blocks, b)
}

// times counts the blocks holding txid.
func (f *fakeBTC) times(txid string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, b := range f.blocks {
		for _, tx := range b.Transactions {
			if tx.TxHash().String() == txid {
				n++
			}
		}
	}
	return n
}

type recorder struct {
	mu    sync.Mutex
	kinds []string
}

// Emit records kind, and refuses data whose top-level values are not all
// JSON objects, as every webhook event's must be (docs/protocol/webhooks.md:
// e.g. {blockchainEvent}, {transferRequest}).
func (e *recorder) Emit(_ context.Context, _, kind string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || len(top) == 0 {
		return fmt.Errorf("%s: data %s is not an object of objects", kind, raw)
	}
	for k, v := range top {
		if len(v) == 0 || v[0] != '{' {
			return fmt.Errorf("%s: data.%s is not an object: %s", kind, k, v)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.kinds = append(e.kinds, kind)
	return nil
}

func (e *recorder) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := e.kinds
	e.kinds = nil
	return k
}

type walletsOf struct{ db *sqlstore.DB }

func (w walletsOf) Load(ctx context.Context, p *principal.Principal, id string) (*wallet.Wallet, error) {
	return w.db.Wallet(ctx, p.OrgID, id)
}

type signerOf struct{ priv *btcec.PrivateKey }

func (s signerOf) ChainSigner(context.Context, string, string) (chain.Key, chain.Signer, error) {
	return chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: s.priv.PubKey().SerializeCompressed()}, s, nil
}

func (s signerOf) SignECDSA(_ context.Context, digest []byte) ([]byte, byte, error) {
	c := ecdsa.SignCompact(s.priv, digest, true)
	return c[1:], c[0] - 31, nil
}

func (s signerOf) SignEdDSA(context.Context, []byte) ([]byte, error)           { return nil, io.EOF }
func (s signerOf) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) { return nil, io.EOF }

func equalKinds(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
}

// A transfer records its webhook events as it moves (requested,
// broadcasted, then confirmed with the wallet's blockchain event). When
// the node takes a broadcast but its answer is lost, the transfer stays
// stored and Executing; the worker sends it again, the node says it has
// it, and it is Broadcasted, then mined exactly once.
func TestTransferEventsAndNodeOutage(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	priv, _ := btcec.NewPrivateKey()
	pub := priv.PubKey().SerializeCompressed()
	addr, _ := btc.New().Address(btc.NetworkBitcoinRegtest, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: pub})
	k := &keys.Key{ID: "key-1", OrgID: "or-1", Scheme: "ECDSA", Curve: "secp256k1", Status: "Active", Custodial: true,
		PublicKey: pub, Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	if err := db.CreateWallet(ctx, &wallet.Wallet{ID: "wa-1", OrgID: "or-1", KeyID: "key-1", Network: btc.NetworkBitcoinRegtest,
		Address: addr, Status: "Active", Created: time.Now()}, k); err != nil {
		t.Fatal(err)
	}
	node := &fakeBTC{blocks: []*wire.MsgBlock{chaincfg.RegressionNetParams.GenesisBlock}, txs: map[string]*wire.MsgTx{}}
	srv := httptest.NewServer(node)
	t.Cleanup(srv.Close)
	nodes, err := btcwallet.Dial(ctx, []string{"BitcoinRegtest=" + srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := btcwallet.New(db, walletsOf{db}, db, signerOf{priv}, nil, nodes, slog.New(slog.NewTextHandler(io.Discard, nil)))
	events := &recorder{}
	svc.SetEvents(events)
	if err := db.AdvanceEVM(ctx, btc.NetworkBitcoinRegtest, 0, chaincfg.RegressionNetParams.GenesisHash.String(), nil, nil); err != nil {
		t.Fatal(err)
	}
	step := func() {
		t.Helper()
		if err := btcwallet.StepOnce(ctx, svc, btc.NetworkBitcoinRegtest); err != nil {
			t.Fatal(err)
		}
	}
	// Funding: two outputs of 0.5 BTC from an outside transaction.
	script, _ := hex.DecodeString(mustScript(t, addr))
	fund := wire.NewMsgTx(2)
	fund.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 7}, nil, nil))
	fund.AddTxOut(wire.NewTxOut(50_000_000, script))
	fund.AddTxOut(wire.NewTxOut(50_000_000, script))
	node.mine(fund)
	step()
	equalKinds(t, events.take(), "wallet.blockchainevent.detected")

	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	to := "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
	v, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+to+`","amount":"10000000"}`))
	if err != nil || v.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("transfer: %+v %v", v, err)
	}
	equalKinds(t, events.take(), "wallet.transfer.requested", "wallet.transfer.broadcasted")
	node.mine()
	step()
	equalKinds(t, events.take(), "wallet.blockchainevent.detected", "wallet.transfer.confirmed")

	// The node's answer to the broadcast is lost: the transfer is
	// stored, Executing.
	node.mu.Lock()
	node.lose, node.sends = true, 0
	node.mu.Unlock()
	v, err = svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+to+`","amount":"20000000"}`))
	if err != nil || v.Status != evmwallet.StatusExecuting || v.TxHash != "" {
		t.Fatalf("transfer whose broadcast answer is lost: %+v %v", v, err)
	}
	events.take()
	node.mu.Lock()
	node.lose = false
	node.mu.Unlock()
	btcwallet.SetResumeAfter(svc, 0)
	step() // resumes: sends the stored transaction again, which the node has
	node.mine()
	step()
	step() // nothing left to do: no second send
	got, err := db.EVMRequest(ctx, "or-1", v.ID)
	if err != nil || got.Status != evmwallet.StatusConfirmed {
		t.Fatalf("after the lost answer: %+v %v", got, err)
	}
	if n := node.times(got.TxHash); n != 1 || node.sends != 2 {
		t.Fatalf("mined %d times, sent %d times: want mined once, sent twice (once lost)", n, node.sends)
	}
	sum, _, _ := db.WalletBalance(ctx, "or-1", "wa-1")
	if sum <= 60_000_000 || sum >= 70_000_000 {
		t.Fatalf("balance %d: want 1 BTC less 0.3 BTC and two fees", sum)
	}
}

func mustScript(t *testing.T, addr string) string {
	t.Helper()
	a, err := btcwallet.ScriptOf(addr)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
