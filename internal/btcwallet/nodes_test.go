package btcwallet

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
)

// fakeNode answers getblockhash 0 with genesis and checks the password.
func fakeNode(t *testing.T, genesis string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var req struct {
			ID     int64  `json:"id"`
			Method string `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.Method != "getblockhash" {
			_ = json.NewEncoder(w).Encode(map[string]any{"id": req.ID, "result": nil, "error": map[string]any{"code": -32601, "message": "Method not found"}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": req.ID, "result": genesis, "error": nil})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// At start a node must serve its network's chain (its genesis block) and
// accept the credentials of the URL; anything else refuses to start, and
// the password never appears in the error.
func TestDialChecksTheChain(t *testing.T) {
	ctx := context.Background()
	regtest := fakeNode(t, chaincfg.RegressionNetParams.GenesisHash.String())
	withAuth := func(srv *httptest.Server, user string) string {
		return strings.Replace(srv.URL, "http://", "http://"+user+"@", 1)
	}
	nodes, err := Dial(ctx, []string{"BitcoinRegtest=" + withAuth(regtest, "user:secret")}, nil)
	if err != nil || nodes["BitcoinRegtest"] == nil || nodes["BitcoinRegtest"].Confirmations != 1 {
		t.Fatalf("a regtest node: %v", err)
	}
	if strings.Contains(nodes["BitcoinRegtest"].c.URL, "secret") {
		t.Fatal("the node URL keeps the password")
	}
	for name, rpc := range map[string]string{
		"another chain":  "Bitcoin=" + withAuth(regtest, "user:secret"),
		"wrong password": "BitcoinRegtest=" + withAuth(regtest, "user:wrong"),
		"no answer":      "BitcoinRegtest=http://user:secret@127.0.0.1:1",
	} {
		_, err := Dial(ctx, []string{rpc}, nil)
		if err == nil {
			t.Errorf("%s: started", name)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
	if _, err := Dial(ctx, []string{"Litecoin=" + withAuth(fakeNode(t, genesis["Litecoin"]), "user:secret")}, nil); err != nil {
		t.Errorf("a Litecoin node: %v", err)
	}
}

// A node that cannot be reached is a 503 the caller may retry; one that
// answers with an error a 502.
func TestNodeErrors(t *testing.T) {
	n := &Node{Network: "BitcoinRegtest", c: &jsonrpc.Client{URL: "http://127.0.0.1:1", HC: http.DefaultClient, Version: "1.0", MaxReply: maxReply}}
	var h int64
	if got := status(jsonrpc.NodeError(n.Network, n.call(context.Background(), &h, "getblockcount"))); got != http.StatusServiceUnavailable {
		t.Fatalf("unreachable node: %d", got)
	}
	srv := fakeNode(t, "00")
	n = &Node{Network: "BitcoinRegtest", c: &jsonrpc.Client{URL: srv.URL, User: "user", Pass: "secret", HC: http.DefaultClient, Version: "1.0", MaxReply: maxReply}}
	if got := status(jsonrpc.NodeError(n.Network, n.call(context.Background(), &h, "getblockcount"))); got != http.StatusBadGateway {
		t.Fatalf("node error: %d", got)
	}
}
