package httpapi_test

import (
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// The abort routes are signed and need Wallets:Transfers:Abort or
// Wallets:Transactions:Abort, speed-up and cancel Wallets:Transactions:Create;
// an unknown request of the caller's wallet is a 404
// (docs/protocol/evm-transfers.md §4b, §4c). The operations themselves are
// tested in internal/evmwallet, internal/btcwallet and test/chain.
func TestAbortRoutes(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	reader := env.User(t, pemkey.Ed25519, "Wallets:Read", "Wallets:Transfers:Read", "Wallets:Transactions:Read")
	for _, c := range []struct{ method, path string }{
		{"PUT", "/wallets/" + w.ID + "/transfers/xfr-00000-00000-0000000000000000/abort"},
		{"PUT", "/wallets/" + w.ID + "/transactions/tx-00000-00000-0000000000000000/abort"},
		{"POST", "/wallets/" + w.ID + "/transfers/xfr-00000-00000-0000000000000000/speed-up"},
		{"POST", "/wallets/" + w.ID + "/transfers/xfr-00000-00000-0000000000000000/cancel"},
		{"POST", "/wallets/" + w.ID + "/transactions/tx-00000-00000-0000000000000000/speed-up"},
		{"POST", "/wallets/" + w.ID + "/transactions/tx-00000-00000-0000000000000000/cancel"},
	} {
		expect(t, sa.Do(bg, c.method, c.path, map[string]any{}, nil), 404)
		expect(t, reader.Do(bg, c.method, c.path, map[string]any{}, nil), 403)
	}
	expect(t, sa.Do(bg, "PUT", "/wallets/wa-00000-00000-0000000000000000/transfers/xfr-00000-00000-0000000000000000/abort", map[string]any{}, nil), 404)
}
