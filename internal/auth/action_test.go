package auth

import (
	"errors"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
)

// samePayload reports whether body matches a payload signed as signed.
func samePayload(signed string, body []byte) bool {
	raw, canon, err := payloadDigests([]byte(signed))
	if err != nil {
		return false
	}
	return matchesPayload(raw, canon, body)
}

func TestPayloadDigestsRefuseLooseJSON(t *testing.T) {
	for _, p := range []string{`{"a":1,"a":2}`, "{\"a\":\"\xff\"}", `{"a":1} x`, `not json`, `"\ud800"`} {
		_, _, err := payloadDigests([]byte(p))
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 {
			t.Errorf("payloadDigests(%q) = %v, want a 400", p, err)
		}
	}
}

func TestSamePayload(t *testing.T) {
	for _, tc := range []struct {
		signed, body string
		want         bool
	}{
		{`{"a":1}`, `{"a":1}`, true},
		{`{"a":1,"b":[1,2]}`, `{ "b": [1,2], "a": 1 }`, true},
		{"", "{}", true},
		{"{}", "", true},
		{"", "", true},
		{`{"a":1}`, `{"a":2}`, false},
		{`{"a":1}`, `{"a":1,"b":null}`, false},
		{`{"a":1}`, `{"a":1.0}`, false},
		{`{"a":[1,2]}`, `{"a":[2,1]}`, false},
		{`{"a":1}`, `{"a":1}{"a":1}`, false},
		{`{"a":1}`, `{"a":1} x`, false},
		{`not json`, `not json `, false},
		{`{"a":"x"}`, `{"a":"X"}`, false},
		{" ", "", true},
		{`null`, ` null `, true},
		{`{"a":"\u00e9"}`, `{"a":"é"}`, true},
		{`{"b":{"y":1,"x":[true,null]},"a":"s"}`, `{"a":"s","b":{"x":[true,null],"y":1}}`, true},
		{`{"n":12345678901234567890}`, `{"n":12345678901234567891}`, false},
		// Not strict JSON: no match by meaning (the payload is refused at init).
		{`{"kind":"Hash","hash":"0xaa"}`, `{"kind":"Hash","hash":"0xbb","hash":"0xaa"}`, false},
		{`{"a":"\ufffd"}`, "{\"a\":\"\xff\"}", false},
	} {
		if got := samePayload(tc.signed, []byte(tc.body)); got != tc.want {
			t.Errorf("samePayload(%q, %q) = %v, want %v", tc.signed, tc.body, got, tc.want)
		}
	}
}

func TestSamePath(t *testing.T) {
	for _, tc := range []struct {
		signed, actual string
		want           bool
	}{
		{"/wallets/wa-1", "/wallets/wa-1", true},
		{"/auth/service-accounts/us-1?force=true", "/auth/service-accounts/us-1", true},
		{"/wallets/wa%2D1", "/wallets/wa-1", true},
		{"/wallets/wa-1", "/wallets/wa-2", false},
		{"/wallets/wa-1", "/wallets/wa-1/", false},
		{"/wallets", "/Wallets", false},
	} {
		if got := samePath(tc.signed, tc.actual); got != tc.want {
			t.Errorf("samePath(%q, %q) = %v, want %v", tc.signed, tc.actual, got, tc.want)
		}
	}
}
