package custody

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/stark"
)

// TestStarkKeys: a generated ECDSA/stark key signs field-element hashes
// that verify under its public key; it refuses the other signing calls,
// and an imported scalar out of range is a 400.
func TestStarkKeys(t *testing.T) {
	l := newLocal(t)
	ctx := context.Background()
	key, m, err := l.Generate(ctx, chain.SchemeECDSA, chain.CurveStark, []byte("row"))
	if err != nil {
		t.Fatal(err)
	}
	if len(key.PublicKey) != 33 {
		t.Fatalf("public key %x", key.PublicKey)
	}
	s, err := l.Signer(ctx, key, m, []byte("row"))
	if err != nil {
		t.Fatal(err)
	}
	h := make([]byte, 32)
	h[0], h[31] = 0x07, 0x42
	r, sv, err := s.(chain.StarkSigner).SignStark(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if !stark.Verify(key.PublicKey, h, r, sv) {
		t.Fatal("signature does not verify")
	}
	if _, _, err := s.SignECDSA(ctx, h); !errors.Is(err, errWrongScheme) {
		t.Fatalf("SignECDSA on a stark key: %v", err)
	}
	ed, edm, _ := l.Generate(ctx, chain.SchemeEdDSA, chain.CurveEd25519, []byte("row"))
	es, _ := l.Signer(ctx, ed, edm, []byte("row"))
	if _, _, err := es.(chain.StarkSigner).SignStark(ctx, h); !errors.Is(err, errWrongScheme) {
		t.Fatalf("SignStark on an ed25519 key: %v", err)
	}
	big := make([]byte, 32)
	for i := range big {
		big[i] = 0xff
	}
	_, _, err = l.Import(ctx, chain.SchemeECDSA, chain.CurveStark, big, []byte("row"))
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		t.Fatalf("import out of range: %v", err)
	}
}
