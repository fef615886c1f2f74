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
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/sqlstore"
	"github.com/custos-dev/custos/internal/wallet"
)

// benchChain is an in-process btcd-style node serving blocks built ahead.
type benchChain struct {
	hashes []string          // block number → hash
	blocks map[string]string // hash → raw hex
	txs    map[string]string // txid → raw hex (for the senders of incoming payments)
}

func (c *benchChain) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     int64             `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	var result any
	switch req.Method {
	case "getblockcount":
		result = len(c.hashes) - 1
	case "getblockhash":
		var n int
		_ = json.Unmarshal(req.Params[0], &n)
		result = c.hashes[n]
	case "getblock":
		var h string
		_ = json.Unmarshal(req.Params[0], &h)
		result = c.blocks[h]
	case "getrawtransaction":
		var h string
		_ = json.Unmarshal(req.Params[0], &h)
		result = c.txs[h]
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"id": req.ID, "result": result, "error": nil})
}

func rawHex(t interface{ Serialize(io.Writer) error }) string {
	var b bytes.Buffer
	_ = t.Serialize(&b)
	return hex.EncodeToString(b.Bytes())
}

// BenchmarkFollower reads 100 blocks of 50 transactions each (every
// transaction pays one of 10,000 wallets in the database; one in ten
// spends a wallet's earlier output, the others an outside output whose
// transaction is looked up for the sender) in one follower step, from an
// in-process node, and reports the wall time per block and per
// transaction (JSON-RPC over loopback included).
//
//	go test -run XXX -bench Follower -benchtime 1x ./internal/btcwallet/
func BenchmarkFollower(b *testing.B) {
	const wallets, blocks, txs = 10_000, 100, 50
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		b.Fatal(err)
	}
	p := &chaincfg.RegressionNetParams
	scripts := make([][]byte, wallets)
	k := &keys.Key{ID: "key-b", OrgID: "or-1", Scheme: "ECDSA", Curve: "secp256k1", Status: "Active", Custodial: true,
		PublicKey: []byte{2}, Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	for i := range wallets {
		h := btcutil.Hash160([]byte(fmt.Sprint(i)))
		a, _ := btcutil.NewAddressWitnessPubKeyHash(h, p)
		scripts[i], _ = txscript.PayToAddrScript(a)
		w := &wallet.Wallet{ID: fmt.Sprintf("wa-b%05d", i), OrgID: "or-1", KeyID: "key-b", Network: "BitcoinRegtest",
			Address: a.EncodeAddress(), Status: "Active", Created: time.Now()}
		var nk *keys.Key
		if i == 0 {
			nk = k
		}
		if err := db.CreateWallet(ctx, w, nk); err != nil {
			b.Fatal(err)
		}
	}
	outside, _ := txscript.PayToAddrScript(func() btcutil.Address {
		a, _ := btcutil.NewAddressWitnessPubKeyHash(make([]byte, 20), p)
		return a
	}())
	chain := &benchChain{hashes: []string{p.GenesisHash.String()}, blocks: map[string]string{}, txs: map[string]string{}}
	prev := *p.GenesisHash
	var walletOuts []wire.OutPoint
	n := 0
	for range blocks {
		blk := wire.NewMsgBlock(&wire.BlockHeader{Version: 4, PrevBlock: prev, Timestamp: time.Unix(1_700_000_000, 0)})
		cb := wire.NewMsgTx(2)
		cb.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: wire.MaxPrevOutIndex}, []byte{1, 2}, nil))
		cb.AddTxOut(wire.NewTxOut(5_000_000_000, outside))
		_ = blk.AddTransaction(cb)
		var made []wire.OutPoint
		for i := range txs {
			tx := wire.NewMsgTx(2)
			if i%10 == 0 && len(walletOuts) > 0 {
				tx.AddTxIn(wire.NewTxIn(&walletOuts[0], nil, nil))
				walletOuts = walletOuts[1:]
			} else {
				// An outside transaction pays the input.
				ext := wire.NewMsgTx(2)
				ext.AddTxIn(wire.NewTxIn(&wire.OutPoint{Index: uint32(n)}, nil, nil))
				ext.AddTxOut(wire.NewTxOut(100_000, outside))
				extHash := ext.TxHash()
				chain.txs[extHash.String()] = rawHex(ext)
				tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&extHash, 0), nil, nil))
			}
			tx.AddTxOut(wire.NewTxOut(60_000, scripts[n%wallets]))
			tx.AddTxOut(wire.NewTxOut(30_000, outside))
			n++
			_ = blk.AddTransaction(tx)
			chain.txs[tx.TxHash().String()] = rawHex(tx)
			made = append(made, wire.OutPoint{Hash: tx.TxHash(), Index: 0})
		}
		walletOuts = append(walletOuts, made...)
		h := blk.BlockHash()
		chain.hashes = append(chain.hashes, h.String())
		chain.blocks[h.String()] = rawHex(blk)
		prev = h
	}
	srv := httptest.NewServer(chain)
	b.Cleanup(srv.Close)
	nodes, err := btcwallet.Dial(ctx, []string{"BitcoinRegtest=" + srv.URL}, nil)
	if err != nil {
		b.Fatal(err)
	}
	svc := btcwallet.New(db, nil, db, nil, nil, nodes, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := db.AdvanceEVM(ctx, "BitcoinRegtest", 0, p.GenesisHash.String(), nil, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if err := btcwallet.StepOnce(ctx, svc, "BitcoinRegtest"); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	b.StopTimer()
	next, _, _ := db.EVMCursor(ctx, "BitcoinRegtest")
	if read := next - 1; read != blocks {
		b.Fatalf("read %d blocks, want %d", read, blocks)
	}
	sum, count, _ := db.WalletBalance(ctx, "or-1", "wa-b04999")
	if count == 0 || sum == 0 {
		b.Fatal("the last wallet paid has no outputs")
	}
	b.ReportMetric(float64(el.Microseconds())/blocks, "µs/block")
	b.ReportMetric(float64(el.Microseconds())/(blocks*txs), "µs/tx")
}
