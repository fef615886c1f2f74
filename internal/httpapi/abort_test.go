package httpapi_test

import (
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// The abort routes are signed and need Wallets:Transfers:Abort or
// Wallets:Transactions:Abort; an unknown request of the caller's wallet is
// a 404 (docs/protocol/evm-transfers.md §4b). The abort itself is tested
// in internal/evmwallet and internal/btcwallet.
func TestAbortRoutes(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia"})
	reader := env.User(t, pemkey.Ed25519, "Wallets:Read", "Wallets:Transfers:Read", "Wallets:Transactions:Read")
	for _, c := range []struct{ path, missing string }{
		{"/wallets/" + w.ID + "/transfers/xfr-00000-00000-0000000000000000/abort", "transfer"},
		{"/wallets/" + w.ID + "/transactions/tx-00000-00000-0000000000000000/abort", "transaction"},
	} {
		expect(t, sa.Do(bg, "PUT", c.path, map[string]any{}, nil), 404)
		expect(t, reader.Do(bg, "PUT", c.path, map[string]any{}, nil), 403)
	}
	expect(t, sa.Do(bg, "PUT", "/wallets/wa-00000-00000-0000000000000000/transfers/xfr-00000-00000-0000000000000000/abort", map[string]any{}, nil), 404)
}
