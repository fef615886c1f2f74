package evm

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/custos-dev/custos/internal/chain"
)

// benchSign measures one Sign call, the in-memory signer included.
func benchSign(b *testing.B, network, kind, body string) {
	k := mustKey(b, web3Key)
	key, s := chainKey(k), testSigner{key: k}
	req := chain.Request{Kind: kind, Body: json.RawMessage(body)}
	a := New()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Sign(ctx, network, key, s, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignHash(b *testing.B) {
	v := mustVectors(b)
	benchSign(b, "Ethereum", "Hash", fmt.Sprintf(`{"kind":"Hash","hash":%q}`, v.Hash))
}

func BenchmarkSignTx1559(b *testing.B) {
	v := mustVectors(b)
	benchSign(b, "EthereumSepolia", "Transaction", fmt.Sprintf(`{"kind":"Transaction","transaction":%q}`, v.Txs["eip1559"].Unsigned))
}
