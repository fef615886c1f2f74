package custody

import (
	"context"
	"testing"

	"github.com/custos-dev/custos/internal/chain"
)

// The local signer opens (AES-GCM decrypts) its key on every call, so these
// benchmarks include the Open step. The signer+sign variants add building
// the signer from stored material, which opens once more to check the key.

func BenchmarkLocalSignECDSA(b *testing.B) {
	benchSign(b, chain.SchemeECDSA, chain.CurveSecp256k1, func(s chain.Signer, d []byte) error {
		_, _, err := s.SignECDSA(context.Background(), d)
		return err
	})
}

func BenchmarkLocalSignEdDSA(b *testing.B) {
	benchSign(b, chain.SchemeEdDSA, chain.CurveEd25519, func(s chain.Signer, d []byte) error {
		_, err := s.SignEdDSA(context.Background(), d)
		return err
	})
}

func benchSign(b *testing.B, scheme, curve string, sign func(chain.Signer, []byte) error) {
	l := newLocal(b)
	ctx := context.Background()
	key, m, err := l.Generate(ctx, scheme, curve, rowAAD)
	if err != nil {
		b.Fatal(err)
	}
	digest := randomBytes(b, 32)
	b.Run("sign", func(b *testing.B) {
		s, err := l.Signer(ctx, key, m, rowAAD)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := sign(s, digest); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("signer+sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := l.Signer(ctx, key, m, rowAAD)
			if err != nil {
				b.Fatal(err)
			}
			if err := sign(s, digest); err != nil {
				b.Fatal(err)
			}
		}
	})
}
