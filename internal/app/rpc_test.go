package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// chainNode is a JSON-RPC endpoint that answers eth_chainId with id (hex).
func chainNode(t *testing.T, id string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":"` + id + `"}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// --rpc and --confirmations are checked before anything starts, and a node
// whose chain id is not its network's makes the server refuse to start.
func TestRPCConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		rpc, confs []string
		want       string
	}{
		{[]string{"Nope=http://127.0.0.1:1"}, nil, "not an EVM network"},
		{[]string{"EthereumSepolia=file:///x"}, nil, "http(s)"},
		{[]string{"EthereumSepolia=http://a", "EthereumSepolia=http://b"}, nil, "twice"},
		{[]string{"EthereumSepolia=http://a"}, []string{"EthereumSepolia=0"}, "--confirmations"},
		{nil, []string{"EthereumSepolia=3"}, "no --rpc"},
		{[]string{"EthereumSepolia=" + chainNode(t, "0x1")}, nil, "chain id 1"},
	} {
		cfg := testConfig(t.TempDir())
		cfg.RPC, cfg.Confirmations = tc.rpc, tc.confs
		err := open(t, cfg, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--rpc %v --confirmations %v: %v, want a refusal naming %q", tc.rpc, tc.confs, err, tc.want)
		}
	}
	cfg := testConfig(t.TempDir())
	cfg.RPC = []string{"EthereumSepolia=" + chainNode(t, "0xaa36a7")}
	if err := open(t, cfg, false); err != nil {
		t.Fatalf("a node of the right chain: %v", err)
	}
}
