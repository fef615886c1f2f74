package custody

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testKeyHex is a fixed KEK; its id is the first 8 bytes of its SHA-256.
const testKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestKEKFromHex(t *testing.T) {
	t.Parallel()
	raw, _ := hex.DecodeString(testKeyHex)
	sum := sha256.Sum256(raw)
	wantID := hex.EncodeToString(sum[:8])
	for _, in := range []string{testKeyHex, "0x" + testKeyHex, "  " + strings.ToUpper(testKeyHex) + "\n"} {
		k, err := KEKFromHex(in)
		if err != nil {
			t.Fatalf("KEKFromHex(%q): %v", in, err)
		}
		if k.ID() != wantID {
			t.Errorf("id %s, want %s", k.ID(), wantID)
		}
	}
	for _, in := range []string{"", testKeyHex[:62], testKeyHex + "00", "zz" + testKeyHex[2:]} {
		_, err := KEKFromHex(in)
		if err == nil {
			t.Errorf("KEKFromHex(%q) succeeded", in)
			continue
		}
		if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("error repeats the input: %v", err)
		}
	}
}

func TestKEKPrintsOnlyID(t *testing.T) {
	t.Parallel()
	k, err := KEKFromHex(testKeyHex)
	if err != nil {
		t.Fatal(err)
	}
	ring := NewKeyring(k)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		for _, v := range []any{k, *k, ring, *ring} {
			out := fmt.Sprintf(verb, v)
			if !strings.Contains(out, k.ID()) || strings.Contains(out, "0102030405") {
				t.Errorf("%s of %T printed %q", verb, v, out)
			}
		}
	}
}

func TestLoadOrCreateKEK(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "kek")

	k1, err := LoadOrCreateKEK(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %04o, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	raw, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(raw) != 32 {
		t.Fatalf("file holds %q, want 64 hex characters", data)
	}
	sum := sha256.Sum256(raw)
	if k1.ID() != hex.EncodeToString(sum[:8]) {
		t.Errorf("id %s does not match the file's key", k1.ID())
	}

	k2, err := LoadOrCreateKEK(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if k2.ID() != k1.ID() {
		t.Errorf("reloaded id %s, want %s", k2.ID(), k1.ID())
	}
	// The reloaded KEK opens what the first sealed.
	id, ct, err := NewKeyring(k1).Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewKeyring(k2).Open(id, ct, nil); err != nil {
		t.Errorf("reloaded KEK does not open: %v", err)
	}
}

func TestLoadKEKRawAndBad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	raw, _ := hex.DecodeString(testKeyHex)
	want, _ := KEKFromHex(testKeyHex)

	rawPath := filepath.Join(dir, "raw")
	if err := os.WriteFile(rawPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := LoadOrCreateKEK(rawPath)
	if err != nil {
		t.Fatalf("raw file: %v", err)
	}
	if k.ID() != want.ID() {
		t.Errorf("raw file id %s, want %s", k.ID(), want.ID())
	}

	for name, content := range map[string][]byte{
		"short":   raw[:31],
		"badhex":  []byte(strings.Repeat("g", 64)),
		"long":    bytes.Repeat([]byte{1}, 300),
		"empty":   nil,
		"hex+raw": append([]byte(testKeyHex), raw...),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateKEK(p); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestLoadKEKRefusesOpenMode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on windows")
	}
	dir := t.TempDir()
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o644, 0o666} {
		p := filepath.Join(dir, fmt.Sprintf("kek%o", mode))
		if err := os.WriteFile(p, []byte(testKeyHex), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadOrCreateKEK(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: err %v, want a refusal", mode, err)
		}
	}
	// A directory at the path is refused too, not overwritten.
	if _, err := LoadOrCreateKEK(dir); err == nil {
		t.Error("directory loaded as KEK")
	}
	// 0400 is fine.
	p := filepath.Join(dir, "ro")
	if err := os.WriteFile(p, []byte(testKeyHex), 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKEK(p); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
}
