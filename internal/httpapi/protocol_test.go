package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/pemkey"
)

// raw sends a request with the admin token and returns status and body.
func raw(t *testing.T, env *apitest.Env, method, path, body string, hdr map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, env.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+env.Admin.ServiceAccount.AuthToken)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: body is not JSON: %q", method, path, b)
		}
	}
	return res.StatusCode, m, res.Header
}

func errMessage(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func TestBadInput(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	big := `{"name":"` + strings.Repeat("a", 2<<20) + `"}`
	cases := []struct {
		name, method, path, body string
		want                     int
		mention                  string
	}{
		{"malformed JSON", "POST", "/auth/action/init", `{"userActionPayload":`, 400, "not valid JSON"},
		{"wrong type", "POST", "/auth/action/init", `{"userActionPayload":1,"userActionHttpMethod":"POST","userActionHttpPath":"/x"}`, 400, "userActionPayload"},
		{"missing field", "POST", "/auth/action/init", `{"userActionHttpMethod":"POST","userActionHttpPath":"/x"}`, 400, "userActionPayload"},
		{"unknown method", "POST", "/auth/action/init", `{"userActionPayload":"","userActionHttpMethod":"PATCH","userActionHttpPath":"/x"}`, 400, "userActionHttpMethod"},
		{"array body", "POST", "/auth/action", `[]`, 400, "JSON object"},
		{"bad challenge id", "POST", "/auth/action", `{"challengeIdentifier":"nope","firstFactor":{"kind":"Key","credentialAssertion":{"credId":"x","clientData":"e30","signature":"AA"}}}`, 400, "Challenge"},
		{"unknown credential kind", "POST", "/auth/credentials/init", `{"kind":"Magic"}`, 400, "kind"},
		{"oversized body", "POST", "/auth/action/init", big, 400, "larger"},
		{"unknown route", "GET", "/nope", ``, 404, "no route"},
		{"dfns-only area", "GET", "/exchanges", ``, 501, "not offered"},
		{"dfns-only nested", "POST", "/staking/stakes", `{}`, 501, "not offered"},
		{"bad limit", "GET", "/auth/users?limit=x", ``, 400, "limit"},
		{"unknown user", "GET", "/auth/users/us-nope", ``, 404, "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, m, h := raw(t, env, tc.method, tc.path, tc.body, nil)
			if st != tc.want {
				t.Fatalf("status %d, want %d: %v", st, tc.want, m)
			}
			if !strings.Contains(errMessage(m), tc.mention) {
				t.Fatalf("message %q does not mention %q", errMessage(m), tc.mention)
			}
			e := m["error"].(map[string]any)
			if e["id"] != h.Get("X-Request-Id") || int(e["status"].(float64)) != tc.want {
				t.Fatalf("error body %v does not carry the request id %s", e, h.Get("X-Request-Id"))
			}
		})
	}
	// Signed endpoints validate their bodies too (after the user action).
	signedCases := []struct {
		name, path, body, mention string
	}{
		{"bad PEM", "/auth/service-accounts", `{"name":"x","publicKey":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}`, "publicKey"},
		{"wrong key type", "/auth/service-accounts", `{"name":"x","publicKey":"` + strings.ReplaceAll(x25519PEM, "\n", `\n`) + `"}`, "publicKey"},
		{"unknown operation", "/permissions", `{"name":"x","operations":["Nope:Nope"]}`, "operation"},
		{"bad email", "/auth/users", `{"email":"not-an-email","kind":"CustomerEmployee"}`, "email"},
		{"unknown kind", "/auth/users", `{"email":"a@b.co","kind":"Alien"}`, "kind"},
		{"wrong type in signed call", "/permissions", `{"name":"x","operations":"Wallets:Read"}`, "operations"},
	}
	for _, tc := range signedCases {
		t.Run(tc.name, func(t *testing.T) {
			err := sa.Do(ctx, "POST", tc.path, tc.body, nil)
			wantStatus(t, err, http.StatusBadRequest)
			if !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("%v does not mention %q", err, tc.mention)
			}
		})
	}
	t.Run("bad base64url in registration", func(t *testing.T) {
		var ch client.RegistrationChallenge
		if err := sa.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Key"}, &ch); err != nil {
			t.Fatal(err)
		}
		err := sa.Do(ctx, "POST", "/auth/credentials", map[string]any{"credentialKind": "Key", "challengeIdentifier": ch.ChallengeIdentifier,
			"credentialInfo": map[string]string{"credId": "c", "clientData": "***", "attestationData": "***"}}, nil)
		wantStatus(t, err, http.StatusBadRequest)
	})
}

// x25519PEM is a valid SPKI key of a type credentials do not accept.
const x25519PEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VuAyEAHYbPIqwPJQHVDF5Y62EhGzWQWXPPJUVNPMFnUoZmt1o=\n-----END PUBLIC KEY-----\n"

func TestAuditLogReverifies(t *testing.T) {
	env := apitest.New(t)
	u := env.User(t, pemkey.Secp256k1, "Permissions:Create", "Auth:Logs:Read")
	body := `{"name":"audited","operations":["Wallets:Read"]}`
	if err := u.Do(ctx, "POST", "/permissions", body, nil); err != nil {
		t.Fatal(err)
	}
	var logs struct {
		Items []struct {
			ID                    string `json:"id"`
			Action                string `json:"action"`
			UserID                string `json:"userId"`
			PayloadHash           string `json:"payloadSha256"`
			FirstFactorCredential struct {
				ID        string `json:"id"`
				Kind      string `json:"kind"`
				PublicKey string `json:"publicKey"`
				Assertion struct {
					ClientData string `json:"clientData"`
					Signature  string `json:"signature"`
				} `json:"assertion"`
			} `json:"firstFactorCredential"`
		} `json:"items"`
	}
	start := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if err := u.Do(ctx, "GET", "/auth/action/logs?startTime="+start+"&userId="+u.UserID, nil, &logs); err != nil {
		t.Fatal(err)
	}
	if len(logs.Items) != 1 {
		t.Fatalf("%d audit entries, want 1", len(logs.Items))
	}
	e := logs.Items[0]
	sum := sha256.Sum256([]byte(body))
	if e.Action != "POST /permissions" || e.UserID != u.UserID || e.PayloadHash != hex.EncodeToString(sum[:]) {
		t.Fatalf("entry: %+v", e)
	}
	// Re-verify offline: the signature over clientData with the listed key.
	pub, err := pemkey.ParsePublic(e.FirstFactorCredential.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	cd, _ := credential.DecodeB64URL(e.FirstFactorCredential.Assertion.ClientData)
	sig, _ := credential.DecodeB64URL(e.FirstFactorCredential.Assertion.Signature)
	if err := pub.Verify(cd, sig, ""); err != nil {
		t.Fatalf("audit signature does not verify: %v", err)
	}
	cd[len(cd)-2] ^= 1
	if pub.Verify(cd, sig, "") == nil {
		t.Fatal("tampered clientData verified")
	}
	var one map[string]any
	if err := u.Do(ctx, "GET", "/auth/action/logs/"+e.ID, nil, &one); err != nil {
		t.Fatal(err)
	}
	other := env.OtherOrg(t)
	wantStatus(t, other.Do(ctx, "GET", "/auth/action/logs/"+e.ID, nil, nil), http.StatusNotFound)
	// Reading the log needs Auth:Logs:Read.
	plain := env.User(t, pemkey.Ed25519, "Permissions:Read")
	wantStatus(t, plain.Do(ctx, "GET", "/auth/action/logs", nil, nil), http.StatusForbidden)
}

func TestLegacyHeaders(t *testing.T) {
	env := apitest.New(t)
	nonce := func(uuid string, at time.Time) string {
		b, _ := json.Marshal(map[string]string{"uuid": uuid, "date": at.UTC().Format(time.RFC3339Nano)})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	n := nonce("0f9b6a3e-1c4d-4e55-9a11-5b7c2d8e9f00", time.Now())
	if st, m, _ := raw(t, env, "GET", "/auth/users", "", map[string]string{"X-DFNS-NONCE": n}); st != 200 {
		t.Fatalf("fresh nonce: %d %v", st, m)
	}
	if st, m, _ := raw(t, env, "GET", "/auth/users", "", map[string]string{"X-DFNS-NONCE": n}); st != 400 || !strings.Contains(errMessage(m), "already been used") {
		t.Fatalf("replayed nonce: %d %v", st, m)
	}
	old := nonce("1f9b6a3e-1c4d-4e55-9a11-5b7c2d8e9f00", time.Now().Add(-time.Hour))
	if st, _, _ := raw(t, env, "GET", "/auth/users", "", map[string]string{"X-DFNS-NONCE": old}); st != 400 {
		t.Fatalf("stale nonce: %d", st)
	}
	if st, _, _ := raw(t, env, "GET", "/auth/users", "", map[string]string{"X-DFNS-APPID": env.Admin.AppID}); st != 200 {
		t.Fatalf("valid app id: %d", st)
	}
	if st, _, _ := raw(t, env, "GET", "/auth/users", "", map[string]string{"X-DFNS-APPID": "ap-unknown"}); st != 401 {
		t.Fatalf("unknown app id: %d", st)
	}
	other := env.OtherOrg(t)
	var apps struct {
		Items []struct {
			AppID string `json:"appId"`
		} `json:"items"`
	}
	if err := other.Do(ctx, "GET", "/auth/apps", nil, &apps); err != nil || len(apps.Items) == 0 {
		t.Fatalf("other org apps: %v", err)
	}
	if st, _, _ := raw(t, env, "GET", "/auth/users", "", map[string]string{"X-DFNS-APPID": apps.Items[0].AppID}); st != 401 {
		t.Fatalf("another org's app id: %d", st)
	}
	// Ignored legacy headers.
	if st, _, _ := raw(t, env, "GET", "/auth/users", "", map[string]string{"X-DFNS-APPSECRET": "x", "X-DFNS-APISIGNATURE": "y"}); st != 200 {
		t.Fatalf("ignored headers: %d", st)
	}
}

func TestCORSAndOperations(t *testing.T) {
	// No origin is allowed unless configured (TestCORSOnlyConfiguredOrigins).
	env := apitest.New(t, func(c *app.Config) { c.CORSOrigins = []string{"https://app.example"} })
	req, _ := http.NewRequest("OPTIONS", env.URL+"/auth/action/init", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, x-dfns-useraction")
	res, err := env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "x-dfns-useraction") {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
	for _, p := range []string{"/healthz", "/readyz", "/.well-known/jwks.json"} {
		st, m, _ := raw(t, env, "GET", p, "", nil)
		if st != 200 || m == nil {
			t.Fatalf("%s: %d", p, st)
		}
	}
	st, m, _ := raw(t, env, "GET", "/.well-known/jwks.json", "", nil)
	keys, _ := m["keys"].([]any)
	if st != 200 || len(keys) != 1 || keys[0].(map[string]any)["crv"] != "Ed25519" {
		t.Fatalf("jwks: %v", m)
	}
	if err := env.SA(t).Do(ctx, "POST", "/permissions", `{"name":"m","operations":["Wallets:Read"]}`, nil); err != nil {
		t.Fatal(err)
	}
	res, err = env.HTTP.Get(env.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`custos_http_requests_total{method="POST",route="POST /permissions",status="200"} 1`,
		`custos_user_actions_total{outcome="accepted"} 1`, "custos_http_request_duration_seconds_bucket"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("metrics lack %q", want)
		}
	}
}
