package chain

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
)

// A Hash request's hash is required, hex and 32 bytes; anything else is a
// 400 naming the field.
func TestDecodeHash(t *testing.T) {
	good := "0x" + strings.Repeat("ab", 32)
	if h, err := DecodeHash(json.RawMessage(`{"kind":"Hash","hash":"` + good + `"}`)); err != nil || len(h) != 32 {
		t.Fatalf("32-byte hash: %x %v", h, err)
	}
	for _, body := range []string{
		`{"kind":"Hash"}`,
		`{"kind":"Hash","hash":"0xzz"}`,
		`{"kind":"Hash","hash":"0x` + strings.Repeat("ab", 31) + `"}`,
		`{"kind":"Hash","hash":"0x` + strings.Repeat("ab", 33) + `"}`,
	} {
		_, err := DecodeHash(json.RawMessage(body))
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 || !strings.Contains(e.Message, "hash") {
			t.Errorf("%s: %v, want a 400 naming hash", body, err)
		}
	}
}
