package evmwallet_test

import (
	"encoding/json"
	"fmt"
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
	// chain, when set, makes the node serve blocks 0..head.
	chain *fakeChain
}

// fakeChain is a chain of blocks of txs transactions each: to a wallet
// from a stranger, and every outEvery-th one from a wallet.
type fakeChain struct {
	head     uint64
	txs      int
	outEvery int
	wallets  []common.Address
}

func blockHash(n uint64) common.Hash { return crypto.Keccak256Hash([]byte(fmt.Sprint("block", n))) }

func (c *fakeChain) block(n uint64) map[string]any {
	txs := make([]map[string]any, 0, c.txs)
	stranger := common.HexToAddress("0x00000000000000000000000000000000000000ee")
	for i := range c.txs {
		w := c.wallets[(int(n)*c.txs+i)%len(c.wallets)]
		from, to := stranger, w
		if c.outEvery > 0 && i%c.outEvery == 0 {
			from, to = w, stranger
		}
		txs = append(txs, map[string]any{"hash": crypto.Keccak256Hash([]byte(fmt.Sprint("tx", n, i))), "from": from, "to": to, "value": "0x1"})
	}
	parent := common.Hash{}
	if n > 0 {
		parent = blockHash(n - 1)
	}
	return map[string]any{"number": hexutil.Uint64(n), "hash": blockHash(n), "parentHash": parent,
		"timestamp": hexutil.Uint64(1700000000 + n), "transactions": txs}
}

func newFakeNode(t testing.TB, chainID uint64) *fakeNode {
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
	case req.Method == "eth_blockNumber" && f.chain != nil:
		result = hexutil.Uint64(f.chain.head)
	case req.Method == "eth_blockNumber":
		result = hexutil.Uint64(0)
	case req.Method == "eth_getBlockByNumber" && f.chain != nil:
		var n hexutil.Uint64
		_ = json.Unmarshal(req.Params[0], &n)
		result = f.chain.block(uint64(n))
	case req.Method == "eth_getLogs":
		result = []any{}
	case req.Method == "eth_getTransactionReceipt" && f.chain != nil:
		var h common.Hash
		_ = json.Unmarshal(req.Params[0], &h)
		result = map[string]any{"transactionHash": h, "status": "0x1", "gasUsed": "0x5208", "cumulativeGasUsed": "0x5208",
			"effectiveGasPrice": "0x1", "logsBloom": hexutil.Bytes(make([]byte, 256)), "logs": []any{}, "type": "0x2",
			"blockHash": common.Hash{}, "blockNumber": "0x1", "transactionIndex": "0x0"}
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
