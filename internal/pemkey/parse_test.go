package pemkey

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pemDER returns the DER inside a fixture's PEM block.
func pemDER(t testing.TB, name string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(readFixture(t, name)))
	if b == nil {
		t.Fatalf("%s: no PEM block", name)
	}
	return b.Bytes
}

func rePEM(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// keyFixtures pairs every private-key fixture made by Node or OpenSSL with the
// public key the same tool exported for it.
var keyFixtures = []struct {
	priv, pub string
	algo      Algo
}{
	{"node_ed25519_pkcs8.pem", "node_ed25519_spki.pem", Ed25519},
	{"node_p256_pkcs8.pem", "node_p256_spki.pem", P256},
	{"node_p256_sec1.pem", "node_p256_spki.pem", P256},
	{"node_secp256k1_pkcs8.pem", "node_secp256k1_spki.pem", Secp256k1},
	{"node_secp256k1_sec1.pem", "node_secp256k1_spki.pem", Secp256k1},
	{"node_rsa2048_pkcs8.pem", "node_rsa2048_spki.pem", RSA},
	{"node_rsa2048_pkcs1.pem", "node_rsa2048_pkcs1_pub.pem", RSA},
	{"openssl_ed25519_pkcs8.pem", "openssl_ed25519_spki.pem", Ed25519},
	{"openssl_p256_pkcs8.pem", "openssl_p256_spki.pem", P256},
	{"openssl_secp256k1_pkcs8.pem", "openssl_secp256k1_spki.pem", Secp256k1},
	{"openssl_secp256k1_sec1.pem", "openssl_secp256k1_compressed_spki.pem", Secp256k1},
	{"openssl_rsa3072_pkcs8.pem", "openssl_rsa3072_spki.pem", RSA},
	{"openssl_rsa3072_pkcs1.pem", "openssl_rsa3072_pkcs1_pub.pem", RSA},
}

func TestParseFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range keyFixtures {
		t.Run(f.priv, func(t *testing.T) {
			t.Parallel()
			priv, err := ParsePrivate(readFixture(t, f.priv))
			if err != nil {
				t.Fatalf("ParsePrivate: %v", err)
			}
			pub, err := ParsePublic(readFixture(t, f.pub))
			if err != nil {
				t.Fatalf("ParsePublic(%s): %v", f.pub, err)
			}
			if priv.Algo() != f.algo || pub.Algo() != f.algo {
				t.Fatalf("algo = %s / %s, want %s", priv.Algo(), pub.Algo(), f.algo)
			}
			if !priv.Public().Equal(pub) {
				t.Fatalf("private key does not match %s", f.pub)
			}
		})
	}
}

// TestMarshalMatchesNode checks that re-encoding a Node or OpenSSL export gives
// the tool's bytes back exactly, so our secp256k1 SPKI and PKCS#8 writers
// produce what Node writes.
func TestMarshalMatchesNode(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"node_ed25519_spki.pem", "node_p256_spki.pem", "node_secp256k1_spki.pem", "node_rsa2048_spki.pem",
		"openssl_ed25519_spki.pem", "openssl_p256_spki.pem", "openssl_secp256k1_spki.pem", "openssl_rsa3072_spki.pem",
	} {
		want := readFixture(t, name)
		pub, err := ParsePublic(want)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := pub.MarshalPEM(); got != want {
			t.Errorf("%s: MarshalPEM =\n%s\nwant\n%s", name, got, want)
		}
	}
	for _, name := range []string{
		"node_ed25519_pkcs8.pem", "node_p256_pkcs8.pem", "node_secp256k1_pkcs8.pem", "node_rsa2048_pkcs8.pem",
		"openssl_secp256k1_pkcs8.pem", "openssl_p256_pkcs8.pem",
	} {
		want := readFixture(t, name)
		priv, err := ParsePrivate(want)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := priv.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: MarshalPEM differs from the Node/OpenSSL export", name)
		}
	}
	// The compressed secp256k1 point decompresses to OpenSSL's uncompressed export.
	pub, err := ParsePublic(readFixture(t, "openssl_secp256k1_compressed_spki.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pub.MarshalPEM(), readFixture(t, "openssl_secp256k1_spki.pem"); got != want {
		t.Errorf("decompressed point: got\n%s\nwant\n%s", got, want)
	}
}

func TestParsePublicTolerates(t *testing.T) {
	t.Parallel()
	base := readFixture(t, "node_p256_spki.pem")
	want, err := ParsePublic(base)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"crlf":               strings.ReplaceAll(base, "\n", "\r\n"),
		"no final newline":   strings.TrimRight(base, "\n"),
		"surrounding spaces": "\n\t  " + base + "  \n\n",
		"crlf no final":      strings.TrimRight(strings.ReplaceAll(base, "\n", "\r\n"), "\r\n"),
		"one long line":      rePEMOneLine(t, base),
	} {
		got, err := ParsePublic(text)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("%s: different key", name)
		}
	}
}

// rePEMOneLine rewrites a PEM with its base64 body on a single line, as some
// hand-made keys are.
func rePEMOneLine(t *testing.T, text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	return lines[0] + "\n" + strings.Join(lines[1:len(lines)-1], "") + "\n" + lines[len(lines)-1] + "\n"
}

func TestParsePublicRejects(t *testing.T) {
	t.Parallel()
	p256 := readFixture(t, "node_p256_spki.pem")
	p256DER := pemDER(t, "node_p256_spki.pem")
	k1DER := pemDER(t, "node_secp256k1_spki.pem")
	rsaPKCS1 := pemDER(t, "node_rsa2048_pkcs1_pub.pem")

	mutate := func(der []byte, f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), der...))
	}
	cases := map[string]string{
		"rsa 1024":               readFixture(t, "node_rsa1024_spki.pem"),
		"p384":                   readFixture(t, "node_p384_spki.pem"),
		"x25519":                 readFixture(t, "node_x25519_spki.pem"),
		"ed448":                  readFixture(t, "node_ed448_spki.pem"),
		"secp256k1 explicit":     readFixture(t, "openssl_secp256k1_explicit_spki.pem"),
		"private key":            readFixture(t, "node_p256_pkcs8.pem"),
		"certificate type":       rePEM("CERTIFICATE", p256DER),
		"empty":                  "",
		"not pem":                "hello",
		"junk before":            "junk\n" + p256,
		"junk after":             p256 + "junk\n",
		"two blocks":             p256 + p256,
		"headers":                strings.Replace(p256, "-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1),
		"truncated":              p256[:len(p256)/2],
		"trailing der byte":      rePEM("PUBLIC KEY", append(append([]byte(nil), p256DER...), 0)),
		"trailing pkcs1 byte":    rePEM("RSA PUBLIC KEY", append(append([]byte(nil), rsaPKCS1...), 0)),
		"p256 off curve":         rePEM("PUBLIC KEY", mutate(p256DER, func(b []byte) []byte { b[len(b)-1] ^= 1; return b })),
		"secp256k1 off curve":    rePEM("PUBLIC KEY", mutate(k1DER, func(b []byte) []byte { b[len(b)-1] ^= 1; return b })),
		"secp256k1 hybrid point": rePEM("PUBLIC KEY", mutate(k1DER, func(b []byte) []byte { b[len(b)-65] = 6 | (b[len(b)-1] & 1); return b })),
		// 0x30 0x56 → 0x30 0x81 0x56: BER long-form length for a short length.
		"secp256k1 long length": rePEM("PUBLIC KEY", append([]byte{0x30, 0x81, k1DER[1]}, k1DER[2:]...)),
		// An extra NULL member inside the outer SEQUENCE.
		"secp256k1 extra member": rePEM("PUBLIC KEY", append([]byte{0x30, k1DER[1] + 2}, append(append([]byte(nil), k1DER[2:]...), 0x05, 0x00)...)),
		"p256 extra member":      rePEM("PUBLIC KEY", append([]byte{0x30, p256DER[1] + 2}, append(append([]byte(nil), p256DER[2:]...), 0x05, 0x00)...)),
		"p256 as rsa pkcs1":      rePEM("RSA PUBLIC KEY", p256DER),
	}
	for name, text := range cases {
		_, err := ParsePublic(text)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v does not wrap ErrFormat", name, err)
		}
		assertNoKeyMaterial(t, name, err, text)
	}
	// The reason is named for the common refusals.
	for name, want := range map[string]string{
		"rsa 1024":               "2048",
		"p384":                   "unsupported EC curve",
		"secp256k1 off curve":    "not on the secp256k1 curve",
		"junk after":             "after the PEM block",
		"trailing der byte":      "trailing data",
		"secp256k1 extra member": "canonical DER",
	} {
		if _, err := ParsePublic(cases[name]); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, want)
		}
	}
}

// assertNoKeyMaterial fails if err's message repeats any 8 characters of the
// base64 body of text or of its hex form.
func assertNoKeyMaterial(t *testing.T, name string, err error, text string) {
	t.Helper()
	msg := err.Error()
	body := strings.Join(strings.Fields(text), "")
	for i := 0; i+8 <= len(body); i++ {
		chunk := body[i : i+8]
		if strings.Contains(chunk, "-") {
			continue
		}
		if strings.Contains(msg, chunk) {
			t.Errorf("%s: error message %q repeats key text %q", name, msg, chunk)
			return
		}
	}
	if der, err := base64.StdEncoding.DecodeString(body); err == nil && len(der) > 8 {
		if strings.Contains(msg, strings.ToLower(string(der[len(der)-8:]))) {
			t.Errorf("%s: error message repeats key bytes", name)
		}
	}
	if strings.ContainsAny(msg, "[]") || len(msg) > 120 {
		t.Errorf("%s: suspicious error message %q", name, msg)
	}
}

func TestParsePrivateRejects(t *testing.T) {
	t.Parallel()
	k1 := pemDER(t, "node_secp256k1_pkcs8.pem")
	k1sec1 := pemDER(t, "node_secp256k1_sec1.pem")
	cases := map[string]string{
		"p384":            readFixture(t, "node_p384_pkcs8.pem"),
		"ed448":           readFixture(t, "node_ed448_pkcs8.pem"),
		"public key":      readFixture(t, "node_p256_spki.pem"),
		"encrypted":       rePEM("ENCRYPTED PRIVATE KEY", k1),
		"trailing byte":   rePEM("PRIVATE KEY", append(append([]byte(nil), k1...), 0)),
		"sec1 in pkcs8":   rePEM("PRIVATE KEY", k1sec1),
		"pkcs8 as sec1":   rePEM("EC PRIVATE KEY", k1),
		"wrong pub point": rePEM("PRIVATE KEY", flipLast(k1)),
		"sec1 wrong pub":  rePEM("EC PRIVATE KEY", flipLast(k1sec1)),
		"secp256k1 zero scalar": rePEM("PRIVATE KEY", func() []byte {
			b := append([]byte(nil), k1...)
			// The 32-byte scalar follows 04 20 inside the inner SEC1 key.
			i := strings.Index(string(b), "\x04\x20")
			for j := i + 2; j < i+34; j++ {
				b[j] = 0
			}
			return b
		}()),
	}
	for name, text := range cases {
		if _, err := ParsePrivate(text); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			assertNoKeyMaterial(t, name, err, text)
		}
	}
}

func flipLast(der []byte) []byte {
	b := append([]byte(nil), der...)
	b[len(b)-1] ^= 1
	return b
}

func TestPrivateKeyDoesNotPrint(t *testing.T) {
	t.Parallel()
	k, err := ParsePrivate(readFixture(t, "node_ed25519_pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{k.String(), k.GoString()} {
		if s != "pemkey.PrivateKey(Ed25519)" {
			t.Errorf("printed as %q", s)
		}
	}
}
