package pemkey

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedPEMs adds every PEM fixture (Node and OpenSSL output) to f's corpus.
func seedPEMs(f *testing.F) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.pem"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no PEM fixtures: %v", err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzParsePublic checks that a key ParsePublic accepts re-encodes to a PEM
// that parses back to the same key and re-encodes identically.
func FuzzParsePublic(f *testing.F) {
	seedPEMs(f)
	f.Fuzz(func(t *testing.T, text string) {
		k, err := ParsePublic(text)
		if err != nil {
			if k != nil {
				t.Fatal("key returned with an error")
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		out := k.MarshalPEM()
		k2, err := ParsePublic(out)
		if err != nil {
			t.Fatalf("re-parse of our own PEM: %v", err)
		}
		if !k2.Equal(k) || k2.MarshalPEM() != out {
			t.Fatal("re-encoding is not stable")
		}
	})
}

// FuzzParsePrivate checks that a key ParsePrivate accepts signs messages its
// public half verifies, and survives a PKCS#8 round trip.
func FuzzParsePrivate(f *testing.F) {
	seedPEMs(f)
	f.Fuzz(func(t *testing.T, text string) {
		k, err := ParsePrivate(text)
		if err != nil {
			return
		}
		msg := []byte("fuzz")
		sig, err := k.Sign(msg)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		pub, err := ParsePublic(k.Public().MarshalPEM())
		if err != nil {
			t.Fatalf("public half does not parse: %v", err)
		}
		if err := pub.Verify(msg, sig, ""); err != nil {
			t.Fatalf("own signature does not verify: %v", err)
		}
		out, err := k.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		k2, err := ParsePrivate(out)
		if err != nil {
			t.Fatalf("re-parse of our own PKCS#8: %v", err)
		}
		if !k2.Public().Equal(pub) {
			t.Fatal("PKCS#8 round trip changed the key")
		}
	})
}

// FuzzVerify checks that Verify never panics and that no signature other
// than the genuine one verifies for a changed message.
func FuzzVerify(f *testing.F) {
	vs := nodeVectors(f)
	for i, v := range vs {
		f.Add(i, []byte(v.Msg), mustHex(f, v.Sig), v.Digest)
	}
	f.Fuzz(func(t *testing.T, i int, msg, sig []byte, digest string) {
		if i < 0 {
			i = -i
		}
		v := vs[i%len(vs)]
		key := mustPublic(t, v.Key)
		err := key.Verify(msg, sig, digest)
		if err == nil && !bytes.Equal(msg, []byte(v.Msg)) {
			// Only Node's message was signed with these keys.
			for _, o := range vs {
				if o.Key == v.Key && string(msg) == o.Msg {
					return
				}
			}
			t.Fatalf("signature verified for a message nobody signed")
		}
		if err != nil && !errors.Is(err, ErrVerify) && !errors.Is(err, ErrUnsupportedDigest) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err != nil && strings.Contains(err.Error(), string(sig)) && len(sig) > 4 {
			t.Fatal("error repeats the signature")
		}
	})
}
