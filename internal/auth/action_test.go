package auth

import "testing"

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
