package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/pgtest"
)

// BenchmarkEVMHistory stores 100,000 events of one wallet (and as many of
// another), then reads pages of GET /wallets/{walletId}/history at random
// places, with and without a kind filter, and reports p50 and p99.
//
//	go test -run XXX -bench EVMHistory -benchtime 1x ./internal/sqlstore/
func BenchmarkEVMHistory(b *testing.B) {
	ctx := context.Background()
	var db *DB
	var err error
	if pgtest.Selected(b) {
		db, err = OpenPostgres(ctx, pgtest.NewDatabase(b))
	} else {
		db, err = OpenSQLite(ctx, filepath.Join(b.TempDir(), "t.db"))
	}
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		b.Fatal(err)
	}
	evmWallet(b, db)
	if _, err := db.w.DB.ExecContext(ctx, db.q(`INSERT INTO wallets (id, org_id, key_id, network, address, status, created_at)
		VALUES ('wa-2', 'or-1', 'key-1', 'EthereumSepolia', '0xB2', 'Active', 0)`)); err != nil {
		b.Fatal(err)
	}
	const perBlock, blocks = 2000, 100 // 200,000 events, 100,000 per wallet
	var ids []string
	for blk := range blocks {
		evs := make([]*evmwallet.Event, 0, perBlock)
		for i := range perBlock {
			kind := "NativeTransfer"
			if i%4 == 0 {
				kind = "Erc20Transfer"
			}
			w := "wa-1"
			if i%2 == 1 {
				w = "wa-2"
			}
			e := &evmwallet.Event{ID: id.New("ev"), OrgID: "or-1", WalletID: w, Network: "EthereumSepolia", Kind: kind,
				Direction: "In", Block: int64(blk), TxHash: fmt.Sprintf("0x%064x", blk*perBlock+i), LogIndex: -1,
				From: "0xA1", To: "0xB2", Value: "1", Time: time.Now()}
			if w == "wa-1" {
				ids = append(ids, e.ID)
			}
			evs = append(evs, e)
		}
		if err := db.AdvanceEVM(ctx, "EthereumSepolia", int64(blk), fmt.Sprint(blk), evs, nil); err != nil {
			b.Fatal(err)
		}
	}
	sort.Strings(ids)
	b.ResetTimer()
	for range b.N {
		for _, f := range []evmwallet.HistoryFilter{{}, {Kind: "Erc20Transfer"}} {
			var d []time.Duration
			for q := range 1000 {
				tok := ""
				if q%10 != 0 {
					tok = ids[rand.IntN(len(ids))]
				}
				start := time.Now()
				es, _, err := db.EVMEvents(ctx, "or-1", "wa-1", f, identity.Page{Token: tok, Limit: 100})
				d = append(d, time.Since(start))
				if err != nil || (tok == "" && len(es) != 100) {
					b.Fatalf("page: %d events, %v", len(es), err)
				}
			}
			sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
			name := "all"
			if f.Kind != "" {
				name = "kind"
			}
			b.ReportMetric(float64(d[500].Microseconds()), name+"-p50-µs")
			b.ReportMetric(float64(d[990].Microseconds()), name+"-p99-µs")
		}
	}
}
