package evmwallet_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/wallet"
)

// BenchmarkFollower reads 200 blocks of 50 transactions each (every
// transaction to or from one of 10,000 wallets in the database, one in ten
// outgoing, which costs a receipt) in one follower step, from an
// in-process fake node, and reports the wall time per block and per
// transaction (JSON-RPC over loopback included).
//
//	go test -run XXX -bench Follower -benchtime 1x ./internal/evmwallet/
func BenchmarkFollower(b *testing.B) {
	const wallets, blocks, txs = 10_000, 200, 50
	e := newEnvTB(b)
	ctx := context.Background()
	addrs := make([]common.Address, 0, wallets)
	k := &keys.Key{ID: "key-b", OrgID: "or-1", Scheme: "ECDSA", Curve: "secp256k1", Status: "Active", Custodial: true,
		PublicKey: []byte{2}, Material: custody.Material{Backend: "local", KEKID: "k", Ciphertext: []byte{1}}, Created: time.Now()}
	for i := range wallets {
		a := common.HexToAddress(fmt.Sprintf("0x%040x", 0x1000000+i))
		addrs = append(addrs, a)
		w := &wallet.Wallet{ID: fmt.Sprintf("wa-b%05d", i), OrgID: "or-1", KeyID: "key-b", Network: "EthereumSepolia",
			Address: a.Hex(), Status: "Active", Created: time.Now()}
		var nk *keys.Key
		if i == 0 {
			nk = k
		}
		if err := e.db.CreateWallet(ctx, w, nk); err != nil {
			b.Fatal(err)
		}
	}
	e.node.mu.Lock()
	e.node.chain = &fakeChain{head: blocks, txs: txs, outEvery: 10, wallets: addrs}
	e.node.mu.Unlock()
	if err := e.db.AdvanceEVM(ctx, "EthereumSepolia", 0, blockHashHex(0), nil, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if err := evmwallet.StepOnce(ctx, e.svc, "EthereumSepolia"); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	b.StopTimer()
	next, _, _ := e.db.EVMCursor(ctx, "EthereumSepolia")
	read := next - 1
	if read < blocks-3 {
		b.Fatalf("read %d blocks, want about %d", read, blocks)
	}
	b.ReportMetric(float64(el.Microseconds())/float64(read), "µs/block")
	b.ReportMetric(float64(el.Microseconds())/float64(read*txs), "µs/tx")
}

func blockHashHex(n uint64) string { return blockHash(n).Hex() }
