package custody

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"testing"
)

func randomKEK(t testing.TB) *KEK {
	t.Helper()
	k, err := newKEK(randomBytes(t, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	ring := NewKeyring(randomKEK(t))
	pt := []byte("a private key, say")
	aad := []byte("org-1/key-1")
	id, ct, err := ring.Seal(pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if id != ring.ActiveID() {
		t.Errorf("sealed under %s, active is %s", id, ring.ActiveID())
	}
	if len(ct) != 12+len(pt)+16 {
		t.Errorf("ciphertext is %d bytes, want nonce+pt+tag = %d", len(ct), 12+len(pt)+16)
	}
	if bytes.Contains(ct, pt[:8]) {
		t.Error("ciphertext contains plaintext")
	}
	got, err := ring.Open(id, ct, aad)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, pt) {
		t.Errorf("opened %q, want %q", got, pt)
	}
	// Nonces are fresh: sealing again gives other bytes.
	_, ct2, _ := ring.Seal(pt, aad)
	if bytes.Equal(ct[:12], ct2[:12]) || bytes.Equal(ct, ct2) {
		t.Error("two seals share a nonce")
	}
}

// TestSealFormat opens our ciphertext with the standard library alone, to pin
// the format: nonce(12) || AES-256-GCM(key, nonce, pt, aad).
func TestSealFormat(t *testing.T) {
	t.Parallel()
	key, _ := hex.DecodeString(testKeyHex)
	kek, err := KEKFromHex(testKeyHex)
	if err != nil {
		t.Fatal(err)
	}
	_, ct, err := NewKeyring(kek).Seal([]byte("hello"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	pt, err := gcm.Open(nil, ct[:12], ct[12:], []byte("aad"))
	if err != nil || string(pt) != "hello" {
		t.Fatalf("stdlib open: %q, %v", pt, err)
	}
}

func TestOpenFailures(t *testing.T) {
	t.Parallel()
	ring := NewKeyring(randomKEK(t))
	aad := []byte("org-1/key-1")
	id, ct, err := ring.Seal([]byte("secret"), aad)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := ring.Open(id, ct, []byte("org-1/key-2")); !errors.Is(err, ErrOpen) {
		t.Errorf("wrong aad: %v, want ErrOpen", err)
	}
	if _, err := ring.Open(id, ct, nil); !errors.Is(err, ErrOpen) {
		t.Errorf("missing aad: %v, want ErrOpen", err)
	}

	// Wrong KEK: another keyring does not know the id; a KEK forced under
	// the same id does not authenticate.
	other := NewKeyring(randomKEK(t))
	if _, err := other.Open(id, ct, aad); !errors.Is(err, ErrUnknownKEK) {
		t.Errorf("other keyring: %v, want ErrUnknownKEK", err)
	}
	impostor := randomKEK(t)
	impostor.id = id
	if _, err := NewKeyring(impostor).Open(id, ct, aad); !errors.Is(err, ErrOpen) {
		t.Errorf("wrong KEK under the right id: %v, want ErrOpen", err)
	}

	// Tampering anywhere: nonce, body, tag.
	for _, i := range []int{0, 11, 12, len(ct) - 17, len(ct) - 1} {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := ring.Open(id, bad, aad); !errors.Is(err, ErrOpen) {
			t.Errorf("flipped byte %d: %v, want ErrOpen", i, err)
		}
	}
	for _, n := range []int{0, 11, 27, len(ct) - 1} {
		if _, err := ring.Open(id, ct[:n], aad); !errors.Is(err, ErrOpen) {
			t.Errorf("truncated to %d: %v, want ErrOpen", n, err)
		}
	}
	if _, err := ring.Open(id, append(bytes.Clone(ct), 0), aad); !errors.Is(err, ErrOpen) {
		t.Errorf("extended: %v, want ErrOpen", err)
	}
}

func TestRewrap(t *testing.T) {
	t.Parallel()
	oldKEK, newKEK := randomKEK(t), randomKEK(t)
	aad := []byte("org-1/key-1")
	oldID, oldCT, err := NewKeyring(oldKEK).Seal([]byte("secret"), aad)
	if err != nil {
		t.Fatal(err)
	}

	rotated := NewKeyring(newKEK, oldKEK)
	// Before rewrap the old ciphertext still opens.
	if _, err := rotated.Open(oldID, oldCT, aad); err != nil {
		t.Fatalf("old ciphertext after rotation: %v", err)
	}
	newID, newCT, err := rotated.Rewrap(oldID, oldCT, aad)
	if err != nil {
		t.Fatal(err)
	}
	if newID != newKEK.ID() || newID == oldID {
		t.Errorf("rewrapped under %s, want %s", newID, newKEK.ID())
	}
	// Once the old KEK is retired, only the rewrapped ciphertext opens.
	retired := NewKeyring(newKEK)
	got, err := retired.Open(newID, newCT, aad)
	if err != nil || string(got) != "secret" {
		t.Errorf("rewrapped: %q, %v", got, err)
	}
	if _, err := retired.Open(oldID, oldCT, aad); !errors.Is(err, ErrUnknownKEK) {
		t.Errorf("old ciphertext without old KEK: %v, want ErrUnknownKEK", err)
	}
	// Rewrap keeps the aad binding.
	if _, err := retired.Open(newID, newCT, []byte("org-1/key-2")); !errors.Is(err, ErrOpen) {
		t.Errorf("rewrapped with other aad: %v, want ErrOpen", err)
	}
	if _, _, err := rotated.Rewrap(oldID, oldCT, []byte("other")); !errors.Is(err, ErrOpen) {
		t.Errorf("rewrap with wrong aad: %v, want ErrOpen", err)
	}
}
