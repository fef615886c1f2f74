package evmwallet_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// fakeNode answers the JSON-RPC calls transfers make, as a node of chain
// chainID holding balance wei for every address; it records the raw
// transactions sent to it. refuse makes eth_sendRawTransaction answer an
// error (and the transaction stay unknown); broken makes every call
// answer an error.
type fakeNode struct {
	srv     *httptest.Server
	chainID uint64
	mu      sync.Mutex
	sent    []string
	refuse  bool
	broken  bool
	// drop cuts the connection of eth_sendRawTransaction calls, as an
	// outage would.
	drop bool
}

func newFakeNode(t *testing.T, chainID uint64) *fakeNode {
	f := &fakeNode{chainID: chainID}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeNode) sends() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

func (f *fakeNode) serve(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     json.RawMessage   `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.drop && req.Method == "eth_sendRawTransaction" {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	var result any
	var rpcErr string
	switch {
	case f.broken:
		rpcErr = "internal node error"
	case req.Method == "eth_chainId":
		result = hexutil.Uint64(f.chainID)
	case req.Method == "eth_getBalance":
		result = (*hexutil.Big)(crypto.S256().Params().N) // plenty
	case req.Method == "eth_blockNumber":
		result = hexutil.Uint64(0)
	case req.Method == "eth_getTransactionCount":
		result = hexutil.Uint64(0)
	case req.Method == "eth_feeHistory":
		result = map[string]any{"oldestBlock": "0x1", "baseFeePerGas": []string{"0x3b9aca00", "0x3b9aca00"},
			"gasUsedRatio": []float64{0.5}, "reward": [][]string{{"0x1", "0x2", "0x3"}}}
	case req.Method == "eth_estimateGas":
		result = hexutil.Uint64(21000)
	case req.Method == "eth_sendRawTransaction":
		var raw string
		_ = json.Unmarshal(req.Params[0], &raw)
		if f.refuse {
			rpcErr = "transaction underpriced"
			break
		}
		f.sent = append(f.sent, raw)
		result = crypto.Keccak256Hash(hexutil.MustDecode(raw))
	case req.Method == "eth_getTransactionByHash", req.Method == "eth_getTransactionReceipt":
		result = nil
	default:
		rpcErr = "method not found: " + req.Method
	}
	w.Header().Set("Content-Type", "application/json")
	resp := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	if rpcErr != "" {
		resp["error"] = map[string]any{"code": -32000, "message": rpcErr}
	} else {
		resp["result"] = result
	}
	_ = json.NewEncoder(w).Encode(resp)
}

var _ = common.Hash{}
