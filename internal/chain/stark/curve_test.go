package stark

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestGeneratorOnCurve(t *testing.T) {
	if !onCurve(Gx, Gy) {
		t.Fatal("G is not on the curve")
	}
	if mul(N, g) != nil {
		t.Fatal("N·G is not the identity")
	}
}

func TestSignVerify(t *testing.T) {
	d, err := GenerateKey(func(b []byte) error { _, err := rand.Read(b); return err })
	if err != nil {
		t.Fatal(err)
	}
	pub, err := PublicKey(d)
	if err != nil {
		t.Fatal(err)
	}
	h := mustHex("0397e76d1667c4454bfb83514e120583af836f8e32a516765497823eabe16a3f")
	r, s, err := Sign(d, h)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(pub, h, r, s) {
		t.Fatal("does not verify")
	}
	h[31] ^= 1
	if Verify(pub, h, r, s) {
		t.Fatal("verifies another hash")
	}
}

// TestPublishedVector: the signing vector of Starkware's reference
// implementation (private key, message hash, public key, r, s), which
// @scure/starknet 2.4.0 reproduces with the same RFC 6979 nonces.
func TestPublishedVector(t *testing.T) {
	d := mustHex("03c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc")
	h := mustHex("0397e76d1667c4454bfb83514e120583af836f8e32a516765497823eabe16a3f")
	pub, err := PublicKey(d)
	if err != nil || hex.EncodeToString(pub) != "02077a3b314db07c45076d11f62b6f9e748a39790441823307743cf00d6597ea43" {
		t.Fatalf("public key %x %v", pub, err)
	}
	r, s, err := Sign(d, h)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(r) != "0173fd03d8b008ee7432977ac27d1e9d1a1f6c98b1a2f05fa84a21c84c44e882" ||
		hex.EncodeToString(s) != "04b6d75385aed025aa222f28a0adc6d58db78ff17e51c3f59e259b131cd5a1cc" {
		t.Fatalf("r %x s %x", r, s)
	}
}
