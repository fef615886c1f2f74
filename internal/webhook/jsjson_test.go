package webhook

import (
	"encoding/json"
	"os"
	"testing"
)

// TestJSStringifyMatchesNode compares JSStringify with what Node's
// JSON.stringify(JSON.parse(s)) printed for the same inputs
// (testdata/gen_vectors.js): member order, string escapes, numbers.
func TestJSStringifyMatchesNode(t *testing.T) {
	raw, err := os.ReadFile("testdata/jsstringify.json")
	if err != nil {
		t.Fatal(err)
	}
	var vecs [][2]string
	if err := json.Unmarshal(raw, &vecs); err != nil {
		t.Fatal(err)
	}
	if len(vecs) < 5 {
		t.Fatalf("%d vectors", len(vecs))
	}
	for _, v := range vecs {
		got, err := JSStringify([]byte(v[0]))
		if err != nil {
			t.Fatalf("%s: %v", v[0], err)
		}
		if string(got) != v[1] {
			t.Errorf("JSStringify(%s)\n got %s\nwant %s", v[0], got, v[1])
		}
		// Idempotent: the output is its own JSON.stringify form.
		again, err := JSStringify(got)
		if err != nil || string(again) != string(got) {
			t.Errorf("not idempotent on %s: %s", got, again)
		}
	}
}

func TestJSStringifyRefuses(t *testing.T) {
	for _, in := range []string{`{"a":1,"a":2}`, `{"a":1} x`, `{"a":`, ``} {
		if _, err := JSStringify([]byte(in)); err == nil {
			t.Errorf("JSStringify(%q) accepted", in)
		}
	}
}

// TestBodySigned: the body is the event in JSON.stringify form and the
// header is the HMAC-SHA256 of exactly those bytes.
func TestBodySigned(t *testing.T) {
	data, _ := JSStringify([]byte(`{"wallet":{"name":"<x>"}}`))
	e := &Event{ID: "whe-1", Kind: "wallet.created", Data: data, Attempt: 2, RetryOf: "whe-0"}
	b := Body(e, nowMS())
	again, err := JSStringify(b)
	if err != nil || string(again) != string(b) {
		t.Fatalf("body %s is not in JSON.stringify form (%s)", b, again)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["retryOf"] != "whe-0" || m["deliveryAttempt"] != float64(2) {
		t.Fatalf("body %s", b)
	}
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231-style known value.
	if got := Sign([]byte("key"), []byte("The quick brown fox jumps over the lazy dog")); got != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Fatalf("Sign = %s", got)
	}
}
