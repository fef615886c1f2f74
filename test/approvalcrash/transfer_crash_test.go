package approvalcrash

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/pgtest"
)

// node is a JSON-RPC node of EthereumSepolia (chain 11155111) at block 0
// that accepts every transaction and records the raw transactions sent.
type node struct {
	mu   sync.Mutex
	sent []string
}

func (n *node) sends() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.sent...)
}

func (n *node) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     json.RawMessage   `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	resp := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	switch req.Method {
	case "eth_chainId":
		resp["result"] = hexutil.Uint64(11155111)
	case "eth_getBalance":
		resp["result"] = (*hexutil.Big)(new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil))
	case "eth_blockNumber", "eth_getTransactionCount":
		resp["result"] = hexutil.Uint64(0)
	case "eth_feeHistory":
		resp["result"] = map[string]any{"oldestBlock": "0x1", "baseFeePerGas": []string{"0x3b9aca00", "0x3b9aca00"},
			"gasUsedRatio": []float64{0.5}, "reward": [][]string{{"0x1", "0x2", "0x3"}}}
	case "eth_estimateGas":
		resp["result"] = hexutil.Uint64(21000)
	case "eth_sendRawTransaction":
		var raw string
		_ = json.Unmarshal(req.Params[0], &raw)
		n.mu.Lock()
		n.sent = append(n.sent, raw)
		n.mu.Unlock()
		resp["result"] = crypto.Keccak256Hash(hexutil.MustDecode(raw))
	case "eth_getTransactionByHash", "eth_getTransactionReceipt":
		resp["result"] = nil
	default:
		resp["error"] = map[string]any{"code": -32601, "message": "method not found: " + req.Method}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// TestKillBetweenApprovalAndBroadcast: the server dies (SIGKILL) the moment
// the decision approving a held transfer commits; restarted, it builds,
// signs and sends the transfer, once (docs/protocol/evm-transfers.md §4a).
func TestKillBetweenApprovalAndBroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			db := ""
			if dialect == "postgres" {
				db = pgtest.NewDatabase(t)
			}
			runTransfer(t, db)
		})
	}
}

type xfrJSON struct {
	ID, Status, ApprovalID, TxHash string
}

func runTransfer(t *testing.T, db string) {
	ctx := context.Background()
	n := &node{}
	srv := httptest.NewServer(n)
	defer srv.Close()
	t.Setenv("CHILD_RPC", "EthereumSepolia="+srv.URL)
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
	if err := sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"}, &w); err != nil {
		t.Fatal(err)
	}
	if err := sa.Do(ctx, "POST", "/v2/policies", map[string]any{"name": "crash", "activityKind": "Wallets:Sign",
		"rule": map[string]any{"kind": "AlwaysTrigger"},
		"action": map[string]any{"kind": "RequestApproval", "approvalGroups": []any{map[string]any{"quorum": 1,
			"approvers": map[string]any{"userId": map[string]any{"in": []string{approver.UserID}}}}}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	to := common.HexToAddress("0x00000000000000000000000000000000000000b2")
	var x xfrJSON
	if err := sa.Do(ctx, "POST", "/wallets/"+w.ID+"/transfers", map[string]any{"kind": "Native", "to": to.Hex(),
		"amount": "123456"}, &x); err != nil || x.Status != "Pending" {
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
	if got.Status != "Broadcasted" || len(sent) != 1 {
		t.Fatalf("after restart: %+v, %d transactions sent", got, len(sent))
	}
	var tx types.Transaction
	if err := tx.UnmarshalBinary(hexutil.MustDecode(sent[0])); err != nil {
		t.Fatal(err)
	}
	from, err := types.Sender(types.LatestSignerForChainID(big.NewInt(11155111)), &tx)
	if err != nil || from != common.HexToAddress(w.Address) || *tx.To() != to || tx.Value().Int64() != 123456 ||
		tx.Hash().Hex() != got.TxHash {
		t.Fatalf("sent %s from %s (%v), want the transfer from the wallet %s", tx.Hash().Hex(), from.Hex(), err, w.Address)
	}
	var l struct{ Items []xfrJSON }
	if err := sa.Do(ctx, "GET", "/wallets/"+w.ID+"/transfers", nil, &l); err != nil || len(l.Items) != 1 {
		t.Fatalf("wallet transfers %+v (%v)", l.Items, err)
	}
}
