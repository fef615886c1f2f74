package validate

import (
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
)

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string // "" for valid, else a part of the message
	}{
		{"name ok", Name("name", "Trésorerie 🏦"), ""},
		{"name blank", Name("name", "  "), "name: must be a non-empty"},
		{"name long", Name("name", strings.Repeat("é", MaxName+1)), "name: must be at most 200 characters"},
		{"name 200 runes", Name("name", strings.Repeat("é", MaxName)), ""},
		{"name NUL", Name("name", "a\x00b"), "name: must not contain control characters"},
		{"name tab", Name("name", "a\tb"), "control characters"},
		{"name DEL", Name("name", "a\x7fb"), "control characters"},
		{"name C1", Name("name", "a\u0085b"), "control characters"},
		{"name RLO", Name("name", "a\u202eb"), "name: must not contain bidirectional"},
		{"name isolate", Name("name", "a\u2067b"), "bidirectional"},
		{"name RLM", Name("name", "a\u200fb"), "bidirectional"},
		{"name ALM", Name("name", "a\u061cb"), "bidirectional"},
		{"name bad utf8", Name("name", "a\xffb"), "valid UTF-8"},
		{"externalId bytes", ExternalID("externalId", strings.Repeat("é", 101)), "externalId: must be at most 200 bytes"},
		{"externalId ok", ExternalID("externalId", "order-1"), ""},
		{"tags many", Tags("tags", make([]string, MaxTags+1)), "tags: at most"},
		{"tags blank", Tags("tags", []string{""}), "tags:"},
		{"tags RLO", Tags("tags", []string{"a\u202e"}), "tags: must not"},
		{"id ok", ID("identityId", "us-0mgx5-q2c1a-8v1860pcj1bh5irf"), ""},
		{"id empty", ID("identityId", ""), "identityId: is required"},
		{"id space", ID("identityId", "us 1"), "printable ASCII"},
		{"id long", ID("identityId", strings.Repeat("a", MaxID+1)), "at most 128 bytes"},
		{"pem ok", PEM("publicKey", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), ""},
		{"pem NUL", PEM("publicKey", "-----BEGIN\x00"), "publicKey: must be a PEM"},
		{"dns ok", DNSName("relyingPartyId", "app.example.com"), ""},
		{"dns localhost", DNSName("relyingPartyId", "localhost"), ""},
		{"dns label", DNSName("relyingPartyId", "-a.example.com"), "valid DNS name"},
		{"dns empty label", DNSName("relyingPartyId", "a..b"), "valid DNS name"},
		{"dns long", DNSName("relyingPartyId", strings.Repeat("a.", 127)+"ab"), "at most 253"},
		{"dns underscore", DNSName("relyingPartyId", "a_b.com"), "valid DNS name"},
		{"origin ok", Origin("origin", "https://app.example.com"), ""},
		{"origin port", Origin("origin", "http://localhost:3000"), ""},
		{"origin ip", Origin("origin", "http://127.0.0.1:8080"), ""},
		{"origin ipv6", Origin("origin", "https://[::1]:8443"), ""},
		{"origin slash", Origin("origin", "https://example.com/"), ""},
		{"origin path", Origin("origin", "https://example.com/a"), "origin: must be an origin"},
		{"origin query", Origin("origin", "https://example.com?a"), "must be an origin"},
		{"origin empty query", Origin("origin", "https://example.com?"), "must be an origin"},
		{"origin fragment", Origin("origin", "https://example.com#a"), "must be an origin"},
		{"origin user", Origin("origin", "https://u@example.com"), "must be an origin"},
		{"origin scheme", Origin("origin", "javascript:alert(1)"), "must be an origin"},
		{"origin ftp", Origin("origin", "ftp://example.com"), "must be an origin"},
		{"origin port range", Origin("origin", "https://example.com:70000"), "must be an origin"},
		{"origin empty port", Origin("origin", "https://example.com:"), "must be an origin"},
		{"origin host", Origin("origin", "https://exa mple.com"), "origin:"},
		{"origin long", Origin("origin", "https://"+strings.Repeat("a", MaxOrigin)), "at most 2048"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == "" {
				if tc.err != nil {
					t.Fatalf("unexpected error %v", tc.err)
				}
				return
			}
			e, ok := tc.err.(*apierr.Error)
			if !ok || e.Status != 400 || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("got %v, want a 400 containing %q", tc.err, tc.want)
			}
		})
	}
}
