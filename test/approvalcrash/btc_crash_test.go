package approvalcrash

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/pgtest"
)

// btcNode is a btcd-style regtest node in memory: blocks mined on demand,
// a pool, and the raw transactions sent to it.
type btcNode struct {
	mu     sync.Mutex
	blocks []*wire.MsgBlock
	txs    map[string]*wire.MsgTx
	sent   []string // txids of sendrawtransaction calls
}

func (n *btcNode) sends() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.sent...)
}

// mine adds a block holding txs.
func (n *btcNode) mine(txs ...*wire.MsgTx) {
	n.mu.Lock()
	defer n.mu.Unlock()
	prev := n.blocks[len(n.blocks)-1]
	b := wire.NewMsgBlock(&wire.BlockHeader{Version: 4, PrevBlock: prev.BlockHash(), Timestamp: time.Now()})
	cb := wire.NewMsgTx(2)
	cb.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: wire.MaxPrevOutIndex}, []byte{byte(len(n.blocks)), 1}, nil))
	cb.AddTxOut(wire.NewTxOut(1, []byte{txscript.OP_TRUE}))
	_ = b.AddTransaction(cb)
	for _, tx := range txs {
		_ = b.AddTransaction(tx)
		n.txs[tx.TxHash().String()] = tx
	}
	n.blocks = append(n.blocks, b)
}

func (n *btcNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     json.RawMessage   `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	str := func(i int) string {
		var s string
		_ = json.Unmarshal(req.Params[i], &s)
		return s
	}
	ser := func(f func(*bytes.Buffer) error) string {
		var b bytes.Buffer
		_ = f(&b)
		return hex.EncodeToString(b.Bytes())
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var result, rpcErr any
	switch req.Method {
	case "getblockcount":
		result = len(n.blocks) - 1
	case "getblockhash":
		var h int
		_ = json.Unmarshal(req.Params[0], &h)
		result = n.blocks[h].BlockHash().String()
	case "getblock":
		for _, b := range n.blocks {
			if b.BlockHash().String() == str(0) {
				result = ser(func(w *bytes.Buffer) error { return b.Serialize(w) })
			}
		}
	case "getrawtransaction":
		if tx, ok := n.txs[str(0)]; ok {
			result = ser(func(w *bytes.Buffer) error { return tx.Serialize(w) })
		} else {
			rpcErr = map[string]any{"code": -5, "message": "No information available about transaction"}
		}
	case "sendrawtransaction":
		b, _ := hex.DecodeString(str(0))
		var tx wire.MsgTx
		_ = tx.Deserialize(bytes.NewReader(b))
		id := tx.TxHash().String()
		n.sent = append(n.sent, id)
		if _, dup := n.txs[id]; dup {
			rpcErr = map[string]any{"code": -27, "message": "transaction already exists"}
			break
		}
		n.txs[id] = &tx
		result = id
	case "getinfo":
		result = map[string]any{"relayfee": 0.00001}
	default:
		rpcErr = map[string]any{"code": -32601, "message": "Method not found"}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"id": req.ID, "result": result, "error": rpcErr})
}

// TestKillBetweenBitcoinApprovalAndBroadcast: the server dies (SIGKILL) the
// moment the decision approving a held Bitcoin transfer commits; restarted,
// it chooses the wallet's outputs, signs and sends the transfer, once
// (docs/protocol/btc-transfers.md §6).
func TestKillBetweenBitcoinApprovalAndBroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			db := ""
			if dialect == "postgres" {
				db = pgtest.NewDatabase(t)
			}
			runBitcoinTransfer(t, db)
		})
	}
}

func runBitcoinTransfer(t *testing.T, db string) {
	ctx := context.Background()
	n := &btcNode{blocks: []*wire.MsgBlock{chaincfg.RegressionNetParams.GenesisBlock}, txs: map[string]*wire.MsgTx{}}
	srv := httptest.NewServer(n)
	defer srv.Close()
	t.Setenv("CHILD_RPC", "BitcoinRegtest="+srv.URL)
	dir := t.TempDir()
	child, url := start(t, dir, db, true)
	admin, err := app.ReadAdmin(filepath.Join(dir, "admin.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := &apitest.Env{URL: url, Admin: admin, HTTP: &http.Client{Timeout: 30 * time.Second}}
	sa := env.SA(t)
	approver := env.User(t, pemkey.Ed25519, "Policies:Approvals:Read", "Policies:Approvals:Approve")
	var w struct{ ID, Address string }
	if err := sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "BitcoinRegtest"}, &w); err != nil {
		t.Fatal(err)
	}
	// Fund the wallet: one output of 0.5 BTC in block 1.
	addr, err := btcutil.DecodeAddress(w.Address, &chaincfg.RegressionNetParams)
	if err != nil {
		t.Fatal(err)
	}
	script, _ := txscript.PayToAddrScript(addr)
	fund := wire.NewMsgTx(2)
	fund.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: 3}, nil, nil))
	fund.AddTxOut(wire.NewTxOut(50_000_000, script))
	n.mine(fund)
	var assets struct{ Assets []struct{ Balance string } }
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := sa.Do(ctx, "GET", "/wallets/"+w.ID+"/assets", nil, &assets); err != nil {
			t.Fatal(err)
		}
		if assets.Assets[0].Balance == "50000000" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the wallet was not funded: %+v", assets)
		}
	}
	if err := sa.Do(ctx, "POST", "/v2/policies", map[string]any{"name": "crash", "activityKind": "Wallets:Sign",
		"rule": map[string]any{"kind": "AlwaysTrigger"},
		"action": map[string]any{"kind": "RequestApproval", "approvalGroups": []any{map[string]any{"quorum": 1,
			"approvers": map[string]any{"userId": map[string]any{"in": []string{approver.UserID}}}}}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	const to = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
	var x xfrJSON
	if err := sa.Do(ctx, "POST", "/wallets/"+w.ID+"/transfers", map[string]any{"kind": "Native", "to": to, "amount": "1234567"}, &x); err != nil ||
		x.Status != "Pending" {
		t.Fatalf("transfer %+v (%v)", x, err)
	}

	// The approving decision commits, then the server dies before sending.
	err = approver.Do(ctx, "POST", "/v2/policy-approvals/"+x.ApprovalID+"/decisions", map[string]any{"value": "Approved"}, nil)
	if err == nil {
		t.Fatal("the decision was answered: the kill hook did not run")
	}
	werr := child.Wait()
	var exit *exec.ExitError
	if !errors.As(werr, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want SIGKILL", werr)
	}
	if len(n.sends()) != 0 {
		t.Fatal("a transaction was sent before the crash")
	}

	// Restarted (no hook): the follower carries the approved transfer out
	// once 10 s have passed since the approval.
	_, url = start(t, dir, db, false)
	sa.BaseURL = url
	var got xfrJSON
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got = xfrJSON{}
		if err := sa.Do(ctx, "GET", "/wallets/"+w.ID+"/transfers/"+x.ID, nil, &got); err != nil {
			t.Fatal(err)
		}
		if got.Status != "Executing" || time.Now().After(deadline) {
			break
		}
	}
	sent := n.sends()
	if got.Status != "Broadcasted" || len(sent) != 1 || sent[0] != got.TxHash {
		t.Fatalf("after restart: %+v, sends %v", got, sent)
	}
	n.mu.Lock()
	tx := n.txs[sent[0]]
	n.mu.Unlock()
	toAddr, _ := btcutil.DecodeAddress(to, &chaincfg.RegressionNetParams)
	toScript, _ := txscript.PayToAddrScript(toAddr)
	if len(tx.TxIn) != 1 || tx.TxIn[0].PreviousOutPoint.Hash != fund.TxHash() || len(tx.TxIn[0].Witness) != 2 ||
		!bytes.Equal(tx.TxOut[0].PkScript, toScript) || tx.TxOut[0].Value != 1234567 {
		t.Fatalf("sent %s: want the wallet's funding output paying 1234567 to %s", sent[0], to)
	}
	// Mined: Confirmed, and nothing more is sent.
	n.mine(tx)
	for deadline := time.Now().Add(30 * time.Second); got.Status != "Confirmed" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := sa.Do(ctx, "GET", "/wallets/"+w.ID+"/transfers/"+x.ID, nil, &got); err != nil {
			t.Fatal(err)
		}
	}
	if got.Status != "Confirmed" || len(n.sends()) != 1 {
		t.Fatalf("after mining: %+v, %d sends", got, len(n.sends()))
	}
}
