package evmwallet_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/evmwallet"
)

// echoNode is a node of EthereumSepolia whose eth_call answers the call's
// arguments (its data less the selector), so that a function whose
// outputs are its inputs decodes what it was given; a call without
// arguments reverts.
func echoNode(t *testing.T) map[string]*evmwallet.Node {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage   `json:"id"`
			Method string            `json:"method"`
			Params []json.RawMessage `json:"params"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		resp := map[string]any{"jsonrpc": "2.0", "id": req.ID}
		switch req.Method {
		case "eth_chainId":
			resp["result"] = hexutil.Uint64(sepolia)
		case "eth_call":
			var msg struct {
				Input hexutil.Bytes `json:"input"`
				Data  hexutil.Bytes `json:"data"`
			}
			_ = json.Unmarshal(req.Params[0], &msg)
			in := msg.Input
			if len(in) == 0 {
				in = msg.Data
			}
			if len(in) == 4 {
				resp["error"] = map[string]any{"code": 3, "message": "execution reverted: no"}
				break
			}
			resp["result"] = hexutil.Bytes(in[4:])
		default:
			resp["error"] = map[string]any{"code": -32601, "message": "method not found"}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	nodes, err := evmwallet.Dial(context.Background(), evmwallet.NodeConfig{RPC: []string{"EthereumSepolia=" + srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	return nodes
}

const echoABI = `{"type":"function","name":"echo","stateMutability":"view",
	"inputs":[{"name":"xs","type":"tuple[]","components":[{"name":"a","type":"uint8"},{"name":"b","type":"address"}]},
		{"name":"h","type":"bytes32"},{"name":"n","type":"int64"},{"name":"big","type":"uint256"},{"name":"s","type":"string"},
		{"name":"ok","type":"bool"},{"name":"raw","type":"bytes"}],
	"outputs":[{"name":"xs","type":"tuple[]","components":[{"name":"a","type":"uint8"},{"name":"b","type":"address"}]},
		{"name":"h","type":"bytes32"},{"name":"n","type":"int64"},{"name":"big","type":"uint256"},{"name":"s","type":"string"},
		{"name":"ok","type":"bool"},{"name":"raw","type":"bytes"}]}`

const echoArgs = `{"xs":[{"a":7,"b":"0x00000000000000000000000000000000000000b2"},{"a":"255","b":"0x00000000000000000000000000000000000000B3"}],
	"h":"0x0101010101010101010101010101010101010101010101010101010101010101","n":-42,
	"big":"115792089237316195423570985008687907853269984665640564039457584007913129639935","s":"héllo","ok":true,"raw":"0xc0ffee"}`

func callBody(t *testing.T, contract, abi, calldata string) *evmwallet.CallFunctionBody {
	t.Helper()
	var b evmwallet.CallFunctionBody
	body := `{"contract":"` + contract + `","abi":` + abi
	if calldata != "" {
		body += `,"calldata":` + calldata
	}
	if err := json.Unmarshal([]byte(body+"}"), &b); err != nil {
		t.Fatal(err)
	}
	return &b
}

// Arguments of every kind are encoded as the ABI says and the answer is
// decoded into wire values: integers as decimal strings, addresses in
// EIP-55 form, bytes as 0x hex, tuples as objects, several outputs as a
// list; one output is answered alone. The network is named as Dfns names
// it or in kebab case.
func TestCallFunctionEncodesAndDecodes(t *testing.T) {
	svc := evmwallet.New(nil, nil, nil, nil, nil, echoNode(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	const contract = "0x00000000000000000000000000000000000000c1"
	got, err := svc.CallFunction(bg, "ethereum-sepolia", callBody(t, contract, echoABI, echoArgs))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `[[{"a":"7","b":"0x00000000000000000000000000000000000000b2"},{"a":"255","b":"0x00000000000000000000000000000000000000b3"}],` +
		`"0x0101010101010101010101010101010101010101010101010101010101010101","-42",` +
		`"115792089237316195423570985008687907853269984665640564039457584007913129639935","héllo",true,"0xc0ffee"]`
	if string(b) != want {
		t.Fatalf("answer\n%s\nwant\n%s", b, want)
	}
	one := `{"type":"function","name":"balanceOf","stateMutability":"view","inputs":[{"name":"owner","type":"address"}],
		"outputs":[{"name":"","type":"uint256"}]}`
	got, err = svc.CallFunction(bg, "EthereumSepolia", callBody(t, contract, one, `{"owner":"0x0000000000000000000000000000000000000123"}`))
	if err != nil || got != "291" {
		t.Fatalf("balanceOf: %#v, %v", got, err)
	}
}

// Bad input is a 400 naming what is wrong, and nothing reaches a node that
// the call cannot be for.
func TestCallFunctionBadInput(t *testing.T) {
	svc := evmwallet.New(nil, nil, nil, nil, nil, echoNode(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	const c = "0x00000000000000000000000000000000000000c1"
	fn := func(mut, inputs string) string {
		return `{"type":"function","name":"f","stateMutability":"` + mut + `","inputs":` + inputs + `,"outputs":[{"name":"","type":"uint256"}]}`
	}
	u8 := `[{"name":"x","type":"uint8"}]`
	for _, tc := range []struct {
		name, network, contract, abi, calldata, want string
	}{
		{"not an EVM network", "Bitcoin", c, fn("view", u8), `{"x":1}`, "not an EVM network"},
		{"unknown network", "Nope", c, fn("view", u8), `{"x":1}`, "not an EVM network"},
		{"network without a node", "EthereumHolesky", c, fn("view", u8), `{"x":1}`, "--rpc EthereumHolesky"},
		{"no contract", "EthereumSepolia", "", fn("view", u8), `{"x":1}`, "contract is required"},
		{"bad contract", "EthereumSepolia", "0x12", fn("view", u8), `{"x":1}`, "contract"},
		{"writes state", "EthereumSepolia", c, fn("nonpayable", u8), `{"x":1}`, "abi.stateMutability"},
		{"not a function", "EthereumSepolia", c, `{"type":"event","name":"f","stateMutability":"view","inputs":[],"outputs":[]}`, ``, "abi.type"},
		{"abi not an object", "EthereumSepolia", c, `"balanceOf(address)"`, ``, "abi must be"},
		{"unknown type", "EthereumSepolia", c, fn("view", `[{"name":"x","type":"money"}]`), `{"x":1}`, "abi is not a valid"},
		{"missing argument", "EthereumSepolia", c, fn("view", u8), `{}`, "calldata.x is required"},
		{"extra argument", "EthereumSepolia", c, fn("view", u8), `{"x":1,"y":2}`, "calldata.y is not an input"},
		{"too large", "EthereumSepolia", c, fn("view", u8), `{"x":256}`, "calldata.x must be an integer from 0 to 2^8-1"},
		{"not an integer", "EthereumSepolia", c, fn("view", u8), `{"x":"1.5"}`, "calldata.x must be an integer"},
		{"bad address", "EthereumSepolia", c, fn("view", `[{"name":"x","type":"address"}]`), `{"x":"0xzz"}`, "x"},
		{"wrong array length", "EthereumSepolia", c, fn("view", `[{"name":"x","type":"uint8[2]"}]`), `{"x":[1]}`, "calldata.x must be an array of 2"},
		{"bad tuple member", "EthereumSepolia", c, fn("view", `[{"name":"x","type":"tuple","components":[{"name":"a","type":"bool"}]}]`),
			`{"x":{"a":"yes"}}`, "calldata.x.a must be true or false"},
		{"reverts", "EthereumSepolia", c, `{"type":"function","name":"f","stateMutability":"view","inputs":[],"outputs":[{"name":"","type":"uint256"}]}`,
			``, "execution reverted: no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CallFunction(bg, tc.network, callBody(t, tc.contract, tc.abi, tc.calldata))
			if ae := apierr.From(err); ae.Status != 400 || !strings.Contains(ae.Message, tc.want) {
				t.Fatalf("got %v, want a 400 containing %q", err, tc.want)
			}
		})
	}
}
