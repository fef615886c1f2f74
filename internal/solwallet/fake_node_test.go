package solwallet_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"

	bin "github.com/gagliardetto/binary"
	sol "github.com/gagliardetto/solana-go"
)

// fakeSol is a Solana JSON-RPC node in memory, enough for the follower's
// and the transfers' calls: blocks sealed by seal, blockhashes that stay
// valid until expire, and switches that lose every sent transaction (the
// node answers an error and the transaction never lands) or fail
// isBlockhashValid.
type fakeSol struct {
	mu        sync.Mutex
	slot      int64 // the newest sealed slot
	hashes    []string
	valid     map[string]bool
	pending   []string // base64 transactions of the block being built
	blocks    map[int64][]string
	blockHash map[int64]string
	status    map[string]int64 // signature → slot (-1: not sealed yet)
	lose      bool
	failValid bool
	refuse    bool // sendTransaction fails its preflight
	forget    bool // getSignatureStatuses knows no signature
	sends     int
	balance   uint64
	bump      int64 // added to the block height: expire moves it past every bound handed out
}

func newFakeSol() *fakeSol {
	f := &fakeSol{valid: map[string]bool{}, blocks: map[int64][]string{}, blockHash: map[int64]string{},
		status: map[string]int64{}, balance: 50_000_000_000}
	f.newHash()
	f.blockHash[0] = f.hashes[0]
	return f
}

func (f *fakeSol) newHash() string {
	sum := sha256.Sum256([]byte{byte(len(f.hashes)), byte(len(f.hashes) >> 8), 7})
	h := sol.HashFromBytes(sum[:]).String()
	f.hashes = append(f.hashes, h)
	f.valid[h] = true
	return h
}

// seal closes the block of the next slot with the pending transactions.
func (f *fakeSol) seal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.slot++
	f.blocks[f.slot] = f.pending
	for _, raw := range f.pending {
		if decodeB64(raw) != nil {
			f.status[sigOf(raw)] = f.slot
		}
	}
	f.pending = nil
	f.blockHash[f.slot] = f.newHash()
}

// expire makes every blockhash handed out so far invalid.
func (f *fakeSol) expire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.valid)
	f.bump += 1000
	f.newHash()
}

// landed counts the sealed blocks that hold signature sig.
func (f *fakeSol) landed(sig string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, txs := range f.blocks {
		for _, raw := range txs {
			if decodeB64(raw) != nil && sigOf(raw) == sig {
				n++
			}
		}
	}
	return n
}

func decodeB64(raw string) *sol.Transaction {
	b, _ := base64.StdEncoding.DecodeString(raw)
	tx, err := sol.TransactionFromDecoder(bin.NewBinDecoder(b))
	if err != nil || len(tx.Signatures) == 0 {
		return nil
	}
	return tx
}

func sigOf(raw string) string { return decodeB64(raw).Signatures[0].String() }

func (f *fakeSol) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     int64             `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	ctx := map[string]any{"slot": f.slot}
	var result, rpcErr any
	str := func(i int) string {
		var s string
		_ = json.Unmarshal(req.Params[i], &s)
		return s
	}
	switch req.Method {
	case "getGenesisHash":
		result = "EtWTRABZaYq6iMfeYKouRu166VNyUGN4SqtYEwzt1SPW"
	case "getSlot":
		result = f.slot
	case "getBlockHeight":
		result = f.slot + f.bump
	case "getBalance":
		result = map[string]any{"context": ctx, "value": f.balance}
	case "getMinimumBalanceForRentExemption":
		result = 890880
	case "getRecentPrioritizationFees":
		result = []any{}
	case "getLatestBlockhash":
		result = map[string]any{"context": ctx, "value": map[string]any{"blockhash": f.hashes[len(f.hashes)-1], "lastValidBlockHeight": f.slot + f.bump + 150}}
	case "isBlockhashValid":
		if f.failValid {
			rpcErr = map[string]any{"code": -32005, "message": "node is behind"}
		}
		result = map[string]any{"context": ctx, "value": f.valid[str(0)]}
	case "sendTransaction":
		f.sends++
		raw := str(0)
		tx := decodeB64(raw)
		_, known := f.status[tx.Signatures[0].String()]
		switch {
		case f.lose:
			rpcErr = map[string]any{"code": -32005, "message": "node is unhealthy"}
		case f.refuse:
			rpcErr = map[string]any{"code": -32002, "message": "Transaction simulation failed: Attempt to debit an account but found no record of a prior credit."}
		case known:
			rpcErr = map[string]any{"code": -32002, "message": "Transaction simulation failed: This transaction has already been processed"}
		case !f.valid[tx.Message.RecentBlockhash.String()]:
			rpcErr = map[string]any{"code": -32002, "message": "Transaction simulation failed: Blockhash not found"}
		default:
			f.pending = append(f.pending, raw)
			f.status[tx.Signatures[0].String()] = -1
			result = tx.Signatures[0].String()
		}
	case "getSignatureStatuses":
		var sigs []string
		_ = json.Unmarshal(req.Params[0], &sigs)
		out := make([]any, len(sigs))
		for i, s := range sigs {
			if slot, ok := f.status[s]; ok && !f.forget {
				out[i] = map[string]any{"slot": slot, "err": nil, "confirmationStatus": "processed"}
			}
		}
		result = map[string]any{"context": ctx, "value": out}
	case "getBlocks":
		var from, to int64
		_ = json.Unmarshal(req.Params[0], &from)
		_ = json.Unmarshal(req.Params[1], &to)
		out := []int64{}
		for s := from; s <= to && s <= f.slot; s++ {
			out = append(out, s)
		}
		result = out
	case "getBlock":
		var s int64
		_ = json.Unmarshal(req.Params[0], &s)
		var txs []any
		for _, raw := range f.blocks[s] {
			n := 1
			if tx := decodeB64(raw); tx != nil {
				n = len(tx.Message.AccountKeys)
			}
			pre, post := make([]uint64, n), make([]uint64, n)
			pre[0], post[0] = 1_000_000, 1_000_000-5000
			txs = append(txs, map[string]any{"transaction": []string{raw, "base64"},
				"meta": map[string]any{"err": nil, "fee": 5000, "preBalances": pre, "postBalances": post}})
		}
		prev := f.blockHash[max(s-1, 0)]
		result = map[string]any{"blockhash": f.blockHash[s], "previousBlockhash": prev, "parentSlot": max(s-1, 0),
			"blockTime": 1_800_000_000 + s, "transactions": txs}
	default:
		rpcErr = map[string]any{"code": -32601, "message": "method not found"}
	}
	reply := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	if rpcErr != nil {
		reply["error"] = rpcErr
	} else {
		reply["result"] = result
	}
	_ = json.NewEncoder(w).Encode(reply)
}
