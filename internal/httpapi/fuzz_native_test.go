package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
)

// FuzzRouteBodies is the coverage-guided counterpart of TestFuzzRoutes for
// the two heaviest parsers behind a route: signature requests (every kind,
// on a key and on an EVM wallet) and wallet creation. Each input is sent
// with a user action signed over it, so it reaches the handler; the answer
// must not be a 5xx and nothing may be logged at ERROR. Without -fuzz it
// runs its seeds. A bounded local run:
//
//	go test ./internal/httpapi -run '^$' -fuzz FuzzRouteBodies -fuzztime 2m
func FuzzRouteBodies(f *testing.F) {
	logs := &errorLines{}
	env := apitest.New(f, apitest.LogTo(logs))
	sa := env.SA(f)
	create := func(path string, body any) string {
		var out struct {
			ID string `json:"id"`
		}
		if err := sa.Do(ctx, "POST", path, body, &out); err != nil {
			f.Fatalf("setup %s: %v", path, err)
		}
		return out.ID
	}
	paths := []string{
		"/keys/" + create("/keys", map[string]any{"scheme": "ECDSA", "curve": "secp256k1"}) + "/signatures",
		"/keys/" + create("/keys", map[string]any{"scheme": "EdDSA", "curve": "ed25519"}) + "/signatures",
		"/wallets/" + create("/wallets", map[string]any{"network": "EthereumSepolia"}) + "/signatures",
		"/wallets",
	}
	hash := "0x" + strings.Repeat("ab", 32)
	for _, s := range []string{
		`{"kind":"Hash","hash":"` + hash + `"}`, `{"kind":"Message","message":"0x48656c6c6f"}`,
		`{"kind":"Eip712","types":{"P":[{"name":"n","type":"string"}]},"domain":{"name":"x","chainId":11155111},"message":{"n":"a"}}`,
		`{"kind":"Transaction","transaction":{"type":2,"chainId":11155111,"nonce":7,"to":"0x000000000000000000000000000000000000dEaD",` +
			`"value":"1","gasLimit":21000,"maxFeePerGas":"3","maxPriorityFeePerGas":"1"}}`,
		`{"kind":"Transaction","transaction":"0x02c0ffee"}`, `{"kind":"Psbt","psbt":"0x70736274ff","network":"Bitcoin"}`,
		`{"network":"Bitcoin","signingKey":{"scheme":"Schnorr"}}`, `{"network":"EthereumSepolia","tags":["a"],"externalId":"x"}`,
	} {
		for i := range paths {
			f.Add(uint8(i), []byte(s))
		}
	}
	hc := *env.HTTP
	run := &fuzzRun{w: &fuzzWorld{env: env}, hc: &hc}
	h := http.Header{"Authorization": {"Bearer " + sa.AuthToken}}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		if !json.Valid(body) || len(body) > maxFuzzBody {
			t.Skip("only JSON bodies can be signed")
		}
		path := paths[int(which)%len(paths)]
		tok, err := actionToken(ctx, sa, "POST", path, body)
		if err != nil {
			if s := apitest.Status(err); s >= 400 && s < 500 {
				t.Skip("payload refused by action init") // e.g. a duplicate key
			}
			t.Fatalf("sign: %v", err)
		}
		status, resp, err := run.send("POST", path, body, h, tok)
		if err != nil {
			t.Fatal(err)
		}
		if status >= 500 || logs.count() > 0 {
			t.Fatalf("POST %s %s: %d %s; ERROR lines: %v", path, body, status, resp, logs.first())
		}
	})
}
