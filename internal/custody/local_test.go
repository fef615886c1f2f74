package custody

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newLocal(t testing.TB) *Local {
	t.Helper()
	return NewLocal(NewKeyring(randomKEK(t)))
}

var rowAAD = []byte("org-1/key-1")

// newSigner generates (or imports, when priv is non-nil) a key and returns
// it with its signer.
func newSigner(t testing.TB, l *Local, scheme, curve string, priv []byte) (chain.Key, chain.Signer) {
	t.Helper()
	ctx := context.Background()
	var (
		key chain.Key
		m   Material
		err error
	)
	if priv == nil {
		key, m, err = l.Generate(ctx, scheme, curve, rowAAD)
	} else {
		key, m, err = l.Import(ctx, scheme, curve, priv, rowAAD)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Signer(ctx, key, m, rowAAD)
	if err != nil {
		t.Fatal(err)
	}
	return key, s
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Status != status {
		t.Errorf("err = %v, want an apierr with status %d", err, status)
	}
}

func TestLocalECDSA(t *testing.T) {
	t.Parallel()
	key, s := newSigner(t, newLocal(t), chain.SchemeECDSA, chain.CurveSecp256k1, nil)
	if len(key.PublicKey) != 33 {
		t.Fatalf("public key is %d bytes, want 33 (compressed)", len(key.PublicKey))
	}
	pub, err := secp256k1.ParsePubKey(key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[byte]bool{}
	for range 64 {
		digest := randomBytes(t, 32)
		sig, recid, err := s.SignECDSA(context.Background(), digest)
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 64 {
			t.Fatalf("signature is %d bytes", len(sig))
		}
		var r, sv secp256k1.ModNScalar
		r.SetByteSlice(sig[:32])
		sv.SetByteSlice(sig[32:])
		if !ecdsa.NewSignature(&r, &sv).Verify(digest, pub) {
			t.Fatal("signature does not verify")
		}
		if sv.IsOverHalfOrder() {
			t.Fatal("high S")
		}
		compact := append([]byte{27 + 4 + recid}, sig...)
		got, compressed, err := ecdsa.RecoverCompact(compact, digest)
		if err != nil || !compressed || !got.IsEqual(pub) {
			t.Fatalf("recid %d does not recover the key (err %v)", recid, err)
		}
		seen[recid] = true
	}
	if !seen[0] || !seen[1] {
		t.Errorf("recids seen %v over 64 signatures, want both 0 and 1", seen)
	}
}

// TestECDSAKnownVector checks RFC 6979 signing against the widely published
// secp256k1 vector (private key 1, SHA-256 of "Satoshi Nakamoto"; e.g.
// python-ecdsa and bitcoinjs test suites).
func TestECDSAKnownVector(t *testing.T) {
	t.Parallel()
	priv := make([]byte, 32)
	priv[31] = 1
	_, s := newSigner(t, newLocal(t), chain.SchemeECDSA, chain.CurveSecp256k1, priv)
	digest := sha256.Sum256([]byte("Satoshi Nakamoto"))
	sig, _, err := s.SignECDSA(context.Background(), digest[:])
	if err != nil {
		t.Fatal(err)
	}
	want := "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8" +
		"2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"
	if got := hex.EncodeToString(sig); got != want {
		t.Errorf("signature\n got %s\nwant %s", got, want)
	}
}

// TestLocalEdDSA checks RFC 8032 §7.1 TEST 1 and TEST 2 and random keys.
func TestLocalEdDSA(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	for _, v := range []struct{ seed, pub, msg, sig string }{
		{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
			"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
			"3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
			"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	} {
		key, s := newSigner(t, l, chain.SchemeEdDSA, chain.CurveEd25519, unhex(t, v.seed))
		if got := hex.EncodeToString(key.PublicKey); got != v.pub {
			t.Errorf("public key %s, want %s", got, v.pub)
		}
		sig, err := s.SignEdDSA(context.Background(), unhex(t, v.msg))
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(sig); got != v.sig {
			t.Errorf("signature %s, want %s", got, v.sig)
		}
	}
	key, s := newSigner(t, l, chain.SchemeEdDSA, chain.CurveEd25519, nil)
	msg := randomBytes(t, 200)
	sig, err := s.SignEdDSA(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(key.PublicKey, msg, sig) {
		t.Error("signature does not verify")
	}
}

func TestImportExport(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	ctx := context.Background()
	for _, sc := range [][2]string{
		{chain.SchemeECDSA, chain.CurveSecp256k1},
		{chain.SchemeSchnorr, chain.CurveSecp256k1},
		{chain.SchemeEdDSA, chain.CurveEd25519},
	} {
		priv := randomBytes(t, 32)
		priv[0] &= 0x7f // below the secp256k1 order
		key, m, err := l.Import(ctx, sc[0], sc[1], priv, rowAAD)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(m.Ciphertext, priv) {
			t.Error("material holds the plaintext key")
		}
		got, err := l.Export(ctx, key, m, rowAAD)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, priv) {
			t.Errorf("%s: exported key differs from imported", sc[0])
		}
		if _, err := l.Export(ctx, key, m, []byte("org-1/key-2")); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: export with another row's aad: %v", sc[0], err)
		}
	}
}

func TestBadSchemesAndKeys(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	ctx := context.Background()
	for _, sc := range [][2]string{
		{"ECDSA", "ed25519"}, {"EdDSA", "secp256k1"}, {"EdDSA", "stark"}, {"DH", "ed25519"},
		{"Schnorr", "ed25519"}, {"", ""}, {"ecdsa", "secp256k1"},
	} {
		_, _, err := l.Generate(ctx, sc[0], sc[1], rowAAD)
		wantStatus(t, err, http.StatusBadRequest)
		_, _, err = l.Import(ctx, sc[0], sc[1], make([]byte, 32), rowAAD)
		wantStatus(t, err, http.StatusBadRequest)
	}
	order := unhex(t, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
	for name, priv := range map[string][]byte{
		"short": make([]byte, 31), "long": make([]byte, 33), "zero": make([]byte, 32), "order": order,
	} {
		_, _, err := l.Import(ctx, chain.SchemeECDSA, chain.CurveSecp256k1, priv, rowAAD)
		wantStatus(t, err, http.StatusBadRequest)
		if err != nil && len(priv) > 0 && strings.Contains(err.Error(), hex.EncodeToString(priv)) {
			t.Errorf("%s: error repeats the key", name)
		}
	}
}

func TestSignerRefusesWrongMaterial(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	ctx := context.Background()
	key, m, err := l.Generate(ctx, chain.SchemeECDSA, chain.CurveSecp256k1, rowAAD)
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := l.Generate(ctx, chain.SchemeECDSA, chain.CurveSecp256k1, rowAAD)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := l.Signer(ctx, key, m, []byte("org-1/key-2")); !errors.Is(err, ErrOpen) {
		t.Errorf("another row's aad: %v, want ErrOpen", err)
	}
	if _, err := l.Signer(ctx, other, m, rowAAD); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("other public key: %v, want ErrKeyMismatch", err)
	}
	asSchnorr := key
	asSchnorr.Scheme = chain.SchemeSchnorr
	if _, err := l.Signer(ctx, asSchnorr, m, rowAAD); !errors.Is(err, ErrOpen) {
		t.Errorf("ECDSA material as a Schnorr key: %v, want ErrOpen", err)
	}
	hsm := m
	hsm.Backend = "hsm"
	if _, err := l.Signer(ctx, key, hsm, rowAAD); err == nil {
		t.Error("material of another backend accepted")
	}
	if _, err := NewLocal(NewKeyring(randomKEK(t))).Signer(ctx, key, m, rowAAD); !errors.Is(err, ErrUnknownKEK) {
		t.Errorf("keyring without the KEK: %v, want ErrUnknownKEK", err)
	}
}

func TestSignerRefusesWrongCalls(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	ctx := context.Background()
	_, ec := newSigner(t, l, chain.SchemeECDSA, chain.CurveSecp256k1, nil)
	_, sc := newSigner(t, l, chain.SchemeSchnorr, chain.CurveSecp256k1, nil)
	_, ed := newSigner(t, l, chain.SchemeEdDSA, chain.CurveEd25519, nil)
	d := make([]byte, 32)

	if _, err := ec.SignEdDSA(ctx, d); !errors.Is(err, errWrongScheme) {
		t.Errorf("ECDSA key, SignEdDSA: %v", err)
	}
	if _, err := ec.SignSchnorr(ctx, d, nil); !errors.Is(err, errWrongScheme) {
		t.Errorf("ECDSA key, SignSchnorr: %v", err)
	}
	if _, _, err := sc.SignECDSA(ctx, d); !errors.Is(err, errWrongScheme) {
		t.Errorf("Schnorr key, SignECDSA: %v", err)
	}
	if _, _, err := ed.SignECDSA(ctx, d); !errors.Is(err, errWrongScheme) {
		t.Errorf("EdDSA key, SignECDSA: %v", err)
	}
	for _, n := range []int{0, 31, 33, 64} {
		if _, _, err := ec.SignECDSA(ctx, make([]byte, n)); err == nil {
			t.Errorf("ECDSA digest of %d bytes accepted", n)
		}
		if _, err := sc.SignSchnorr(ctx, make([]byte, n), nil); err == nil {
			t.Errorf("Schnorr digest of %d bytes accepted", n)
		}
	}
	if _, err := sc.SignSchnorr(ctx, d, make([]byte, 31)); err == nil {
		t.Error("31-byte tweak accepted")
	}
}
