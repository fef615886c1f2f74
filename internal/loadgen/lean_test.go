package loadgen

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// configOf maps the bootstrap admin of env to a run, as cmd/custos bench
// maps admin.json.
func configOf(env *apitest.Env, curve string) Config {
	sa := env.Admin.ServiceAccount
	return Config{
		BaseURL: env.URL, Token: sa.AuthToken, CredID: sa.CredID, KeyPEM: sa.PrivateKeyPEM, Curve: curve,
		Concurrency: 4, Duration: 20 * time.Second, MaxFlows: 200,
	}
}

// signatureItem is what the test reads of a listed signature request.
type signatureItem struct {
	Status      string `json:"status"`
	RequestBody struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
		Hash    string `json:"hash"`
	} `json:"requestBody"`
	Signature *struct {
		R string `json:"r"`
		S string `json:"s"`
	} `json:"signature"`
}

// unhex decodes 0x-prefixed hex.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

// listSignatures returns every signature request of key keyID.
func listSignatures(t *testing.T, api *client.Client, keyID string) []signatureItem {
	t.Helper()
	var all []signatureItem
	token := ""
	for range 100 {
		var page struct {
			Items         []signatureItem `json:"items"`
			NextPageToken string          `json:"nextPageToken"`
		}
		path := "/keys/" + keyID + "/signatures?limit=100"
		if token != "" {
			path += "&paginationToken=" + url.QueryEscape(token)
		}
		if err := api.Do(context.Background(), "GET", path, nil, &page); err != nil {
			t.Fatalf("list signatures: %v", err)
		}
		all = append(all, page.Items...)
		if token = page.NextPageToken; token == "" {
			return all
		}
	}
	t.Fatal("too many signature pages")
	return nil
}

func TestLeanRun(t *testing.T) {
	for _, curve := range []string{"ed25519", "secp256k1"} {
		t.Run(curve, func(t *testing.T) {
			env := apitest.New(t)
			c := configOf(env, curve)
			r, err := Run(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			// A worker checks the count before it starts a flow, so up to
			// Concurrency-1 flows may start after the count is reached.
			if r.Errors != 0 || r.Flows < c.MaxFlows || r.Flows > c.MaxFlows+int64(c.Concurrency)-1 {
				t.Fatalf("flows %d errors %d (first: %s)", r.Flows, r.Errors, r.FirstError)
			}
			if r.P50 <= 0 || r.Max < r.P50 || r.Elapsed >= c.Duration || r.KeyID == "" {
				t.Fatalf("p50 %s max %s elapsed %s key %q", r.P50, r.Max, r.Elapsed, r.KeyID)
			}
			// A request is a third of a flow: its median is below the flow's.
			if r.ReqP50 <= 0 || r.ReqP50 >= r.P50 || r.ReqP99 < r.ReqP50 {
				t.Fatalf("request p50 %s p99 %s, flow p50 %s", r.ReqP50, r.ReqP99, r.P50)
			}

			api := env.SA(t).Client
			items := listSignatures(t, api, r.KeyID)
			if int64(len(items)) != r.Flows {
				t.Fatalf("server holds %d signature requests, the run made %d", len(items), r.Flows)
			}
			var key struct {
				PublicKey string `json:"publicKey"`
			}
			if err := api.Do(context.Background(), "GET", "/keys/"+r.KeyID, nil, &key); err != nil {
				t.Fatal(err)
			}
			pub := unhex(t, key.PublicKey)
			seen := map[string]bool{}
			for i, it := range items {
				data := it.RequestBody.Message + it.RequestBody.Hash
				if it.Status != "Signed" || it.Signature == nil || len(unhex(t, data)) != 32 || seen[data] {
					t.Fatalf("item %d: %+v", i, it)
				}
				seen[data] = true
			}
			// Check one signature with the curve's own library.
			it := items[len(items)/2]
			sig := append(unhex(t, it.Signature.R), unhex(t, it.Signature.S)...)
			if curve == "ed25519" {
				if it.RequestBody.Kind != "Message" || !ed25519.Verify(pub, unhex(t, it.RequestBody.Message), sig) {
					t.Fatalf("ed25519 signature does not verify: %+v", it)
				}
				return
			}
			pk, err := secp256k1.ParsePubKey(pub)
			if err != nil {
				t.Fatal(err)
			}
			var rs, ss secp256k1.ModNScalar
			if len(sig) != 64 || rs.SetByteSlice(sig[:32]) || ss.SetByteSlice(sig[32:]) {
				t.Fatalf("bad signature %x", sig)
			}
			if it.RequestBody.Kind != "Hash" || !ecdsa.NewSignature(&rs, &ss).Verify(unhex(t, it.RequestBody.Hash), pk) {
				t.Fatalf("secp256k1 signature does not verify: %+v", it)
			}
		})
	}
}

func TestLeanWrongToken(t *testing.T) {
	env := apitest.New(t)
	c := configOf(env, "ed25519")
	signer, err := client.NewKeySigner(c.CredID, c.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	keyID, kind, err := prepare(context.Background(), env.SA(t).Client, c.Curve)
	if err != nil {
		t.Fatal(err)
	}
	c.Token = "not-a-token"
	for _, tc := range []struct {
		name     string
		maxFlows int64
		duration time.Duration
	}{{"count", 50, 20 * time.Second}, {"duration", 0, time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			c.MaxFlows, c.Duration = tc.maxFlows, tc.duration
			start := time.Now()
			r, err := load(context.Background(), c, signer, http.DefaultClient, keyID, kind)
			if err != nil {
				t.Fatal(err)
			}
			if r.Flows != 0 || r.Errors < max(tc.maxFlows, 1) || !strings.Contains(r.FirstError, "401") {
				t.Fatalf("flows %d errors %d first error %q", r.Flows, r.Errors, r.FirstError)
			}
			if took := time.Since(start); took > tc.duration+5*time.Second {
				t.Fatalf("run took %s", took)
			}
		})
	}
}

func TestClientPath(t *testing.T) {
	env := apitest.New(t)
	c := configOf(env, "ed25519")
	c.MaxFlows, c.Concurrency, c.HTTP = 10, 2, env.HTTP
	r, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Flows < 10 || r.Flows > 11 {
		t.Fatalf("flows %d errors %d (first: %s)", r.Flows, r.Errors, r.FirstError)
	}
	if n := len(listSignatures(t, env.SA(t).Client, r.KeyID)); int64(n) != r.Flows {
		t.Fatalf("server holds %d signature requests, the run made %d", n, r.Flows)
	}
}

func TestNewTarget(t *testing.T) {
	tg, err := newTarget("http://127.0.0.1:8080/api/", "tok")
	if err != nil {
		t.Fatal(err)
	}
	want := "Host: 127.0.0.1:8080\r\nAuthorization: Bearer tok\r\nContent-Type: application/json\r\n"
	if tg.addr != "127.0.0.1:8080" || tg.prefix != "/api" || string(tg.headers) != want {
		t.Fatalf("%+v", tg)
	}
	if tg, err := newTarget("http://[::1]", ""); err != nil || tg.addr != "[::1]:80" {
		t.Fatalf("%+v %v", tg, err)
	}
	for _, bad := range []struct{ base, token string }{
		{"https://127.0.0.1:1", "tok"}, {"http://127.0.0.1:1", "a\r\nX-Evil: 1"}, {"http://127.0.0.1:1", "é"},
	} {
		if _, err := newTarget(bad.base, bad.token); err == nil {
			t.Errorf("%q %q accepted", bad.base, bad.token)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	// Vectors: what encoding/json writes for strings without <, > or &.
	for _, s := range []string{
		"", `{"kind":"Message","message":"0x00ff"}`, "back\\slash", "tab\tnew\nline\rcr", "\x00\x01\x1f\x7f",
		"héllo ✓", strings.Repeat(`"`, 5),
	} {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("%q: got %s, want %s", s, got[1:], want)
		}
		if got := appendJSONString(nil, []byte(s)); string(got) != string(want) {
			t.Errorf("%q as bytes: got %s, want %s", s, got, want)
		}
	}
}
