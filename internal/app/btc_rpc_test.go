package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// btcNode is a btcd-style JSON-RPC endpoint whose block 0 has hash genesis.
func btcNode(t *testing.T, genesis string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jsonrpc":"1.0","id":1,"result":"` + genesis + `","error":null}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// --rpc and --confirmations take Bitcoin-family networks beside EVM ones;
// a node whose genesis block is not its network's makes the server refuse
// to start (docs/protocol/btc-transfers.md §1).
func TestBTCRPCConfig(t *testing.T) {
	const regtest = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
	for _, tc := range []struct {
		rpc, confs []string
		want       string
	}{
		{[]string{"BitcoinRegtest=" + btcNode(t, strings.Repeat("0", 64))}, nil, "genesis block"},
		{[]string{"Bitcoin=" + btcNode(t, regtest)}, nil, "genesis block"},
		{[]string{"BitcoinRegtest=ws://x"}, nil, "http(s)"},
		{nil, []string{"BitcoinRegtest=3"}, "no --rpc"},
	} {
		cfg := testConfig(t.TempDir())
		cfg.RPC, cfg.Confirmations = tc.rpc, tc.confs
		err := open(t, cfg, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--rpc %v --confirmations %v: %v, want a refusal naming %q", tc.rpc, tc.confs, err, tc.want)
		}
	}
	cfg := testConfig(t.TempDir())
	cfg.RPC = []string{"BitcoinRegtest=" + btcNode(t, regtest) + ",EthereumSepolia=" + chainNode(t, "0xaa36a7")}
	cfg.Confirmations = []string{"BitcoinRegtest=2", "EthereumSepolia=4"}
	if err := open(t, cfg, false); err != nil {
		t.Fatalf("nodes of the right chains: %v", err)
	}
}
