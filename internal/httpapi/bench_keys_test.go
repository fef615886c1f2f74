package httpapi_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
)

// benchSignatureFlow measures the whole protocol of one signature through
// real HTTP: POST /auth/action/init, the credential signature, POST
// /auth/action, then POST /keys/{keyId}/signatures.
func benchSignatureFlow(b *testing.B, key, body map[string]any) {
	env := apitest.New(b)
	sa := env.SA(b)
	var k struct {
		ID string `json:"id"`
	}
	if err := sa.Do(bg, "POST", "/keys", key, &k); err != nil {
		b.Fatal(err)
	}
	path := "/keys/" + k.ID + "/signatures"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var r struct {
			Status string `json:"status"`
		}
		if err := sa.Do(bg, "POST", path, body, &r); err != nil || r.Status != "Signed" {
			b.Fatalf("status %q: %v", r.Status, err)
		}
	}
}

func BenchmarkSignatureFlowEd25519(b *testing.B) {
	benchSignatureFlow(b, map[string]any{"scheme": "EdDSA", "curve": "ed25519"},
		map[string]any{"kind": "Message", "message": "0x" + hex.EncodeToString([]byte("benchmark message"))})
}

func BenchmarkSignatureFlowSecp256k1(b *testing.B) {
	benchSignatureFlow(b, map[string]any{"scheme": "ECDSA", "curve": "secp256k1"},
		map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("ab", 32)})
}
