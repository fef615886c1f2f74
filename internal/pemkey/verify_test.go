package pemkey

import (
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// vector is one signature made by Node (testdata/gen_node.js).
type vector struct {
	Name, Key, Msg, Digest, Sig string
}

func nodeVectors(t testing.TB) []vector {
	t.Helper()
	var vs []vector
	if err := json.Unmarshal([]byte(readFixture(t, "node_vectors.json")), &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 15 {
		t.Fatalf("only %d vectors", len(vs))
	}
	return vs
}

func mustPublic(t testing.TB, name string) *PublicKey {
	t.Helper()
	k, err := ParsePublic(readFixture(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNodeVectors(t *testing.T) {
	t.Parallel()
	others := []string{"node_ed25519_spki.pem", "node_p256_spki.pem", "node_secp256k1_spki.pem", "node_rsa2048_spki.pem"}
	for _, v := range nodeVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			key := mustPublic(t, v.Key)
			sig := mustHex(t, v.Sig)
			msg := []byte(v.Msg)
			if err := key.Verify(msg, sig, v.Digest); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			for _, i := range []int{0, len(sig) / 2, len(sig) - 1} {
				bad := append([]byte(nil), sig...)
				bad[i] ^= 0x01
				if err := key.Verify(msg, bad, v.Digest); !errors.Is(err, ErrVerify) {
					t.Errorf("signature byte %d flipped: %v", i, err)
				}
			}
			if err := key.Verify(append([]byte(nil), msg[:len(msg)-1]...), sig, v.Digest); !errors.Is(err, ErrVerify) {
				t.Errorf("shortened message: %v", err)
			}
			if err := key.Verify(msg, append(append([]byte(nil), sig...), 0), v.Digest); !errors.Is(err, ErrVerify) {
				t.Errorf("trailing signature byte: %v", err)
			}
			for _, o := range others {
				if strings.HasPrefix(v.Key, strings.TrimSuffix(o, "_spki.pem")) {
					continue
				}
				if err := mustPublic(t, o).Verify(msg, sig, v.Digest); err == nil {
					t.Errorf("verified with the wrong key %s", o)
				}
			}
		})
	}
}

func TestNodeVectorsStatedDigestDisablesFallback(t *testing.T) {
	t.Parallel()
	for _, v := range nodeVectors(t) {
		if v.Digest != "SHA512" && v.Digest != "SHA384" {
			continue
		}
		key := mustPublic(t, v.Key)
		for _, d := range []string{"SHA256", "RSA-SHA256"} {
			if err := key.Verify([]byte(v.Msg), mustHex(t, v.Sig), d); !errors.Is(err, ErrVerify) {
				t.Errorf("%s with digest %s: %v", v.Name, d, err)
			}
		}
		for _, d := range []string{strings.ToLower(v.Digest), "RSA-" + v.Digest, "SHA-" + v.Digest[3:]} {
			if err := key.Verify([]byte(v.Msg), mustHex(t, v.Sig), d); err != nil {
				t.Errorf("%s with digest %s: %v", v.Name, d, err)
			}
		}
	}
}

func TestOpenSSLSignatures(t *testing.T) {
	t.Parallel()
	msg := []byte(readFixture(t, "openssl_msg.txt"))
	for _, c := range []struct{ key, sig, digest string }{
		{"openssl_ed25519_spki.pem", "openssl_ed25519.sig", ""},
		{"openssl_p256_spki.pem", "openssl_p256.sig", ""},
		{"openssl_p256_spki.pem", "openssl_p256_sha512.sig", "SHA512"},
		{"openssl_p256_spki.pem", "openssl_p256_sha512.sig", ""},
		{"openssl_secp256k1_spki.pem", "openssl_secp256k1.sig", "SHA256"},
		{"openssl_secp256k1_compressed_spki.pem", "openssl_secp256k1.sig", ""},
		{"openssl_rsa3072_spki.pem", "openssl_rsa3072.sig", "RSA-SHA256"},
		{"openssl_rsa3072_pkcs1_pub.pem", "openssl_rsa3072.sig", ""},
	} {
		key := mustPublic(t, c.key)
		sig := []byte(readFixture(t, c.sig))
		if err := key.Verify(msg, sig, c.digest); err != nil {
			t.Errorf("%s / %s: %v", c.key, c.sig, err)
		}
		bad := append([]byte(nil), msg...)
		bad[0] ^= 0x20
		if err := key.Verify(bad, sig, c.digest); !errors.Is(err, ErrVerify) {
			t.Errorf("%s / %s: tampered message: %v", c.key, c.sig, err)
		}
	}
}

func TestUnsupportedDigest(t *testing.T) {
	t.Parallel()
	for _, v := range nodeVectors(t) {
		if v.Digest != "" {
			continue
		}
		err := mustPublic(t, v.Key).Verify([]byte(v.Msg), mustHex(t, v.Sig), "MD5")
		if strings.Contains(v.Key, "ed25519") {
			if err != nil {
				t.Errorf("%s: Ed25519 must ignore the digest: %v", v.Name, err)
			}
		} else if !errors.Is(err, ErrUnsupportedDigest) {
			t.Errorf("%s: digest MD5: %v", v.Name, err)
		}
	}
}

type ecdsaSig struct{ R, S *big.Int }

func derSig(t *testing.T, r, s *big.Int) []byte {
	t.Helper()
	b, err := asn1.Marshal(ecdsaSig{r, s})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func raw32(x *big.Int) []byte { return x.FillBytes(make([]byte, 32)) }

// TestECDSAEncodings checks strict DER, the raw r‖s leniency and high-S
// acceptance on both curves, starting from Node's signatures.
func TestECDSAEncodings(t *testing.T) {
	t.Parallel()
	orders := map[string]*big.Int{
		"node_p256_default":      elliptic.P256().Params().N,
		"node_secp256k1_default": secp256k1.S256().Params().N,
	}
	for _, v := range nodeVectors(t) {
		n, ok := orders[v.Name]
		if !ok {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			key := mustPublic(t, v.Key)
			msg := []byte(v.Msg)
			der := mustHex(t, v.Sig)
			var sig ecdsaSig
			if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 {
				t.Fatalf("node signature is not DER: %v", err)
			}
			r, s := sig.R, sig.S
			highS := new(big.Int).Sub(n, s)
			accept := map[string][]byte{
				"der":         der,
				"raw":         append(raw32(r), raw32(s)...),
				"der high-S":  derSig(t, r, highS),
				"raw high-S":  append(raw32(r), raw32(highS)...),
				"der re-made": derSig(t, r, s),
			}
			for name, b := range accept {
				if err := key.Verify(msg, b, ""); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
			longForm := append([]byte{0x30, 0x81}, der[1:]...)
			indefinite := append(append([]byte{0x30, 0x80}, der[2:]...), 0, 0)
			rBytes := r.Bytes()
			padded := []byte{0x02, byte(len(rBytes) + 2), 0, 0}
			padded = append(padded, rBytes...)
			sDER := der[len(der)-int(der[3+int(der[3])+2])-2:]
			padded = append(padded, sDER...)
			padded = append([]byte{0x30, byte(len(padded))}, padded...)
			negR := append([]byte{0x02, byte(len(rBytes))}, rBytes...) // high bit set → negative when unpadded
			negR = append(negR, sDER...)
			negR = append([]byte{0x30, byte(len(negR))}, negR...)
			reject := map[string][]byte{
				"trailing byte":   append(append([]byte(nil), der...), 0),
				"long-form len":   longForm,
				"indefinite len":  indefinite,
				"r padded":        padded,
				"r zero":          derSig(t, big.NewInt(0), s),
				"s zero":          derSig(t, r, big.NewInt(0)),
				"r plus n":        derSig(t, new(big.Int).Add(r, n), s),
				"s plus n":        derSig(t, r, new(big.Int).Add(s, n)),
				"r negative":      derSig(t, new(big.Int).Neg(r), s),
				"raw r = n":       append(raw32(n), raw32(s)...),
				"raw zero":        make([]byte, 64),
				"raw 63 bytes":    append(raw32(r), raw32(s)[1:]...),
				"raw 65 bytes":    append(append(raw32(r), raw32(s)...), 0),
				"empty":           nil,
				"swapped r and s": derSig(t, s, r),
			}
			if r.Bit(255) == 0 {
				delete(reject, "r negative") // only meaningful when r's top bit is set
				negR = nil
			} else {
				reject["r unpadded"] = negR
			}
			for name, b := range reject {
				if err := key.Verify(msg, b, ""); !errors.Is(err, ErrVerify) {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}

// TestGenerateSignVerify checks our own sign → export → parse → verify loop
// for every algorithm (Node checks the same keys in TestNodeVerifiesOurKeys).
func TestGenerateSignVerify(t *testing.T) {
	t.Parallel()
	msg := []byte("message")
	for _, a := range []Algo{Ed25519, P256, Secp256k1, RSA} {
		k, err := Generate(a)
		if err != nil {
			t.Fatal(err)
		}
		if k.Algo() != a {
			t.Fatalf("Generate(%s).Algo() = %s", a, k.Algo())
		}
		sig, err := k.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		privPEM, err := k.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		k2, err := ParsePrivate(privPEM)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		pub, err := ParsePublic(k2.Public().MarshalPEM())
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if err := pub.Verify(msg, sig, ""); err != nil {
			t.Errorf("%s: %v", a, err)
		}
		if err := pub.Verify([]byte("other"), sig, ""); !errors.Is(err, ErrVerify) {
			t.Errorf("%s: other message: %v", a, err)
		}
	}
	if _, err := Generate("DSA"); err == nil {
		t.Error("Generate(DSA) succeeded")
	}
}
