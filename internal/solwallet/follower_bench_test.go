package solwallet_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	sol "github.com/gagliardetto/solana-go"

	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/solwallet"
	"github.com/custos-dev/custos/internal/sqlstore"
	"github.com/custos-dev/custos/internal/wallet"
)

// benchSol is an in-process Solana node serving finalized blocks built
// ahead.
type benchSol struct {
	blocks map[int64]map[string]any
	last   int64
}

func (c *benchSol) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     int64             `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	var result any
	switch req.Method {
	case "getGenesisHash":
		result = "EtWTRABZaYq6iMfeYKouRu166VNyUGN4SqtYEwzt1SPW"
	case "getSlot", "getBlockHeight":
		result = c.last
	case "getBlocks":
		var from, to int64
		_ = json.Unmarshal(req.Params[0], &from)
		_ = json.Unmarshal(req.Params[1], &to)
		out := []int64{}
		for s := from; s <= to && s <= c.last; s++ {
			out = append(out, s)
		}
		result = out
	case "getBlock":
		var s int64
		_ = json.Unmarshal(req.Params[0], &s)
		result = c.blocks[s]
	case "getSignatureStatuses":
		result = map[string]any{"value": []any{}}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": result})
}

// BenchmarkFollower reads 100 blocks of 50 transactions each (each a System
// transfer from an outside payer to one of 10,000 wallets in the database;
// one in ten also moves tokens of a mint to the wallet) in one follower
// step, from an in-process node, and reports the wall time per block and
// per transaction (JSON-RPC over loopback and base64/JSON decoding
// included).
//
//	go test -run XXX -bench Follower -benchtime 1x ./internal/solwallet/
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
	k := &keys.Key{ID: "key-b", OrgID: "or-1", Scheme: "EdDSA", Curve: "ed25519", Status: "Active", Custodial: true,
		PublicKey: make([]byte, 32), Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	addrs := make([]sol.PublicKey, wallets)
	for i := range wallets {
		seed := sha256.Sum256([]byte(fmt.Sprint(i)))
		addrs[i] = sol.PublicKeyFromBytes(ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey))
		w := &wallet.Wallet{ID: fmt.Sprintf("wa-b%05d", i), OrgID: "or-1", KeyID: "key-b", Network: "SolanaDevnet",
			Address: addrs[i].String(), Status: "Active", Created: time.Now()}
		var nk *keys.Key
		if i == 0 {
			nk = k
		}
		if err := db.CreateWallet(ctx, w, nk); err != nil {
			b.Fatal(err)
		}
	}
	payer := sol.MustPublicKeyFromBase58("EwhmSn6HQLGRPiTgST7S1MLCqZUtsop9m8tcL6KpWGKz")
	mint := sol.MustPublicKeyFromBase58("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU")
	node := &benchSol{blocks: map[int64]map[string]any{}, last: blocks}
	hash := func(s int64) string {
		h := sha256.Sum256([]byte{byte(s), byte(s >> 8)})
		return sol.HashFromBytes(h[:]).String()
	}
	n := 0
	for s := int64(1); s <= blocks; s++ {
		var list []any
		for range txs {
			to := addrs[n%wallets]
			data := make([]byte, 12)
			binary.LittleEndian.PutUint32(data, 2)
			binary.LittleEndian.PutUint64(data[4:], 1_000_000)
			tx, _ := sol.NewTransaction([]sol.Instruction{sol.NewInstruction(sol.SystemProgramID,
				sol.AccountMetaSlice{sol.Meta(payer).WRITE().SIGNER(), sol.Meta(to).WRITE()}, data)},
				sol.MustHashFromBase58(hash(s-1)), sol.TransactionPayer(payer))
			var sig sol.Signature
			binary.LittleEndian.PutUint64(sig[:], uint64(n+1))
			tx.Signatures = []sol.Signature{sig}
			raw, _ := tx.MarshalBinary()
			meta := map[string]any{"err": nil, "fee": 5000, "preBalances": []uint64{10_000_000_000, 0, 1},
				"postBalances": []uint64{10_000_000_000 - 1_000_000 - 5000, 1_000_000, 1}}
			if n%10 == 0 {
				tb := func(amount string) []any {
					return []any{map[string]any{"accountIndex": 1, "mint": mint.String(), "owner": to.String(),
						"programId": sol.TokenProgramID.String(), "uiTokenAmount": map[string]any{"amount": amount, "decimals": 6}}}
				}
				meta["preTokenBalances"], meta["postTokenBalances"] = tb("0"), tb("500")
			}
			list = append(list, map[string]any{"transaction": []string{base64.StdEncoding.EncodeToString(raw), "base64"}, "meta": meta})
			n++
		}
		node.blocks[s] = map[string]any{"blockhash": hash(s), "previousBlockhash": hash(s - 1), "parentSlot": s - 1,
			"blockTime": 1_800_000_000 + s, "transactions": list}
	}
	srv := httptest.NewServer(node)
	b.Cleanup(srv.Close)
	nodes, err := solwallet.Dial(ctx, []string{"SolanaDevnet=" + srv.URL}, nil)
	if err != nil {
		b.Fatal(err)
	}
	svc := solwallet.New(db, nil, db, nil, nil, nodes, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := db.AdvanceEVM(ctx, "SolanaDevnet", 0, hash(0), nil, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", &solwallet.Follower{}); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	b.StopTimer()
	next, _, _ := db.EVMCursor(ctx, "SolanaDevnet")
	if read := next - 1; read != blocks {
		b.Fatalf("read %d blocks, want %d", read, blocks)
	}
	es, _, err := db.EVMEvents(ctx, "or-1", "wa-b04990", evmwallet.HistoryFilter{}, identity.Page{Limit: 10})
	if err != nil || len(es) != 2 {
		b.Fatalf("the wallet paid last has %d events, want a NativeTransfer and an SplTransfer (%v)", len(es), err)
	}
	b.ReportMetric(float64(el.Microseconds())/blocks, "µs/block")
	b.ReportMetric(float64(el.Microseconds())/(blocks*txs), "µs/tx")
}
