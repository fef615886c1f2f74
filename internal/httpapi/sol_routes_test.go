package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
)

// Solana wallets' transfer, transaction, assets, history, NFT and fee
// routes reach the Solana service (docs/protocol/sol-transfers.md): on a
// server without a Solana node each answers 400 naming the --rpc flag to
// add, after the body was checked (a bad amount is named first).
func TestSolanaRoutesWithoutNode(t *testing.T) {
	ctx := context.Background()
	e := apitest.New(t)
	root := e.Root(t)
	var w struct {
		ID      string `json:"id"`
		Address string `json:"address"`
	}
	expect(t, root.Do(ctx, "POST", "/wallets", map[string]any{"network": "SolanaDevnet"}, &w), 0)
	noNode := func(what string, err error) {
		t.Helper()
		expect(t, err, 400)
		if !strings.Contains(err.Error(), "--rpc SolanaDevnet=URL") {
			t.Fatalf("%s: %v, want a 400 naming --rpc SolanaDevnet=URL", what, err)
		}
	}
	to := "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
	noNode("transfer", root.Do(ctx, "POST", "/wallets/"+w.ID+"/transfers", map[string]any{"kind": "Native", "to": to, "amount": "1000"}, nil))
	err := root.Do(ctx, "POST", "/wallets/"+w.ID+"/transfers", map[string]any{"kind": "Native", "to": to, "amount": "1.5"}, nil)
	if expect(t, err, 400); !strings.Contains(err.Error(), "amount must be a decimal string") {
		t.Fatalf("bad amount: %v", err)
	}
	err = root.Do(ctx, "POST", "/wallets/"+w.ID+"/transfers", map[string]any{"kind": "Native", "to": "0x00000000000000000000000000000000000000b2", "amount": "1"}, nil)
	if expect(t, err, 400); !strings.Contains(err.Error(), "to is not a Solana address") {
		t.Fatalf("EVM recipient: %v", err)
	}
	// A legacy transaction another key pays: one signature slot, the message header, the payer, a blockhash, no instruction.
	tx := "01" + strings.Repeat("00", 64) + "010000" + "01" + strings.Repeat("00", 32) + strings.Repeat("11", 32) + "00"
	err = root.Do(ctx, "POST", "/wallets/"+w.ID+"/transactions", map[string]any{"kind": "Transaction", "transaction": tx}, nil)
	if expect(t, err, 400); !strings.Contains(err.Error(), "not a required signer") {
		t.Fatalf("a transaction another key pays: %v", err)
	}
	noNode("assets", root.Do(ctx, "GET", "/wallets/"+w.ID+"/assets", nil, nil))
	noNode("history", root.Do(ctx, "GET", "/wallets/"+w.ID+"/history", nil, nil))
	noNode("nfts", root.Do(ctx, "GET", "/wallets/"+w.ID+"/nfts", nil, nil))
	noNode("fees", root.Do(ctx, "GET", "/networks/fees?network=SolanaDevnet", nil, nil))
}
