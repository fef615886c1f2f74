package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/httpapi"
)

// rawDo sends body as it is (no re-encoding) and returns the status and the
// error message of the answer.
func rawDo(t *testing.T, env *apitest.Env, method, path string, body []byte, bearer, userAction string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, env.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if userAction != "" {
		req.Header.Set("X-DFNS-USERACTION", userAction)
	}
	res, err := env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return res.StatusCode, e.Error.Message
}

const cleanBody = `{"kind":"Hash","hash":"0xaa"}`

// looseBodies are bodies that are not strict JSON, each with the words its
// 400 must use.
var looseBodies = []struct{ name, body, says string }{
	{"duplicate key", `{"kind":"Hash","hash":"0xbb","hash":"0xaa"}`, "duplicate"},
	{"raw 0xFF in a string", "{\"kind\":\"Hash\",\"hash\":\"0xaa\xff\"}", "UTF-8"},
	{"trailing data", cleanBody + ` {"hash":"0xbb"}`, "after the JSON value"},
}

var wildcard = regexp.MustCompile(`\{[^}]+\}`)

// Issue 7, finding 5: every route that can carry a body (the route table
// enumerated, so a new route is covered automatically) answers 400 to a
// body with a duplicate key, invalid UTF-8 or trailing data, whatever the
// ids in its path: the body is checked before the handler, and before the
// user action's payload comparison (signed routes get a valid user action
// signed over the clean body).
func TestStrictJSONEveryRoute(t *testing.T) {
	env := apitest.New(t)
	srv := env.App.Handler.(*httpapi.Server)
	sa := env.SA(t)
	bearer := env.Admin.ServiceAccount.AuthToken
	tested := 0
	for _, rt := range srv.Routes() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok {
			method, path = http.MethodPost, rt.Pattern // any method: try POST
		}
		switch method {
		case http.MethodPost, http.MethodPut, http.MethodDelete:
		default:
			continue
		}
		path = wildcard.ReplaceAllString(path, "xx-00000-00000-0000000000000000")
		tested++
		t.Run(rt.Pattern, func(t *testing.T) {
			b, tok := bearer, ""
			if rt.Public {
				b = ""
			}
			if rt.Signed {
				tok = signedAction(t, sa, method, path, cleanBody)
			}
			for _, lb := range looseBodies {
				status, msg := rawDo(t, env, method, path, []byte(lb.body), b, tok)
				if status != http.StatusBadRequest || !strings.Contains(msg, "strict JSON") || !strings.Contains(msg, lb.says) {
					t.Errorf("%s: %d %q, want 400 naming the problem", lb.name, status, msg)
				}
			}
		})
	}
	if tested < 50 {
		t.Fatalf("only %d routes tested", tested)
	}
}

// The case: a Hash signature request signed over one hash, sent
// with a duplicate "hash" key carrying another first, is refused and
// nothing is stored; a raw 0xFF where U+FFFD was signed is refused too.
// The clean body still works with the same user action afterwards.
func TestDuplicateKeyDoesNotSign(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	k := createKey(t, sa, map[string]any{"scheme": "ECDSA", "curve": "secp256k1"})
	path := "/keys/" + k.ID + "/signatures"
	aa, bb := "0x"+strings.Repeat("aa", 32), "0x"+strings.Repeat("bb", 32)
	signed := `{"kind":"Hash","hash":"` + aa + `"}`
	tok := signedAction(t, sa, "POST", path, signed)
	bearer := env.Admin.ServiceAccount.AuthToken
	for _, body := range []string{
		`{"kind":"Hash","hash":"` + bb + `","hash":"` + aa + `"}`,
		`{"kind":"Hash","hash":"` + aa + `","kind":"Hash"}`,
	} {
		if status, msg := rawDo(t, env, "POST", path, []byte(body), bearer, tok); status != http.StatusBadRequest ||
			!strings.Contains(msg, "duplicate") {
			t.Fatalf("%s: %d %q, want 400", body, status, msg)
		}
	}
	var list listJSON[sigReqJSON]
	expect(t, sa.Do(ctx, "GET", path, nil, &list), 0)
	if len(list.Items) != 0 {
		t.Fatalf("%d signature requests stored", len(list.Items))
	}
	// The token was not spent by the refused requests.
	if status, msg := rawDo(t, env, "POST", path, []byte(signed), bearer, tok); status != http.StatusOK {
		t.Fatalf("clean body: %d %q", status, msg)
	}

	// A raw 0xFF byte where "\uFFFD" was signed.
	ext := `{"kind":"Hash","hash":"` + aa + `","externalId":"\ufffd"}`
	tok = signedAction(t, sa, "POST", path, ext)
	raw := []byte(`{"kind":"Hash","hash":"` + aa + "\",\"externalId\":\"\xff\"}")
	if status, msg := rawDo(t, env, "POST", path, raw, bearer, tok); status != http.StatusBadRequest || !strings.Contains(msg, "UTF-8") {
		t.Fatalf("raw 0xFF: %d %q, want 400", status, msg)
	}
	expect(t, sa.Do(ctx, "GET", path, nil, &list), 0)
	if len(list.Items) != 1 {
		t.Fatalf("%d signature requests stored, want the one clean request", len(list.Items))
	}
}

// POST /auth/action/init refuses to sign a payload that is not strict JSON.
func TestActionInitRefusesLoosePayload(t *testing.T) {
	env := apitest.New(t)
	sa := env.SA(t)
	for _, p := range []string{looseBodies[0].body, looseBodies[2].body, `hello`, `"\ud800"`} {
		_, err := sa.ActionInit(ctx, "POST", "/wallets", []byte(p))
		wantStatus(t, err, http.StatusBadRequest)
		if !strings.Contains(err.Error(), "userActionPayload is not strict JSON") {
			t.Errorf("%s: %v does not name userActionPayload", p, err)
		}
	}
	// Invalid UTF-8 cannot even be put in the init body's string.
	initBody := []byte("{\"userActionPayload\":\"{\\\"a\\\":\\\"\xff\\\"}\",\"userActionHttpMethod\":\"POST\",\"userActionHttpPath\":\"/wallets\"}")
	if status, msg := rawDo(t, env, "POST", "/auth/action/init", initBody, env.Admin.ServiceAccount.AuthToken, ""); status != http.StatusBadRequest ||
		!strings.Contains(msg, "UTF-8") {
		t.Errorf("raw 0xFF in the payload: %d %q", status, msg)
	}
	for _, ok := range []string{"", " ", "{}", cleanBody, `[1,"é",{"a":null}]`} {
		if _, err := sa.ActionInit(ctx, "POST", "/wallets", []byte(ok)); err != nil {
			t.Errorf("payload %q: %v", ok, err)
		}
	}
}
