package custody

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// nonceSize is the AES-GCM nonce length prepended to every ciphertext.
const nonceSize = 12

// ErrUnknownKEK means a ciphertext names a KEK the keyring does not hold.
var ErrUnknownKEK = errors.New("custody: unknown KEK id")

// ErrOpen means a ciphertext did not authenticate: wrong KEK, wrong aad
// (ciphertext moved to another row) or tampered bytes.
var ErrOpen = errors.New("custody: ciphertext does not authenticate")

// Keyring holds the active KEK, which seals, and older KEKs, which still
// open what they sealed until it is rewrapped.
type Keyring struct {
	active *KEK
	byID   map[string]*KEK
}

// NewKeyring returns a keyring sealing with active and opening with active
// and old. It panics if active is nil, as a server without a KEK must not
// start.
func NewKeyring(active *KEK, old ...*KEK) *Keyring {
	if active == nil {
		panic("custody: NewKeyring needs an active KEK")
	}
	k := &Keyring{active: active, byID: map[string]*KEK{active.id: active}}
	for _, o := range old {
		if o != nil {
			if _, dup := k.byID[o.id]; !dup {
				k.byID[o.id] = o
			}
		}
	}
	return k
}

// ActiveID returns the id of the KEK that Seal uses.
func (k *Keyring) ActiveID() string { return k.active.id }

// Format prints the keyring as its KEK ids only.
func (k Keyring) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "Keyring(active %s, %d KEKs)", k.active.id, len(k.byID))
}

// Seal encrypts plaintext under the active KEK with AES-256-GCM, binding aad.
// The ciphertext is a random 12-byte nonce followed by the GCM output.
func (k *Keyring) Seal(plaintext, aad []byte) (kekID string, ciphertext []byte, err error) {
	out := make([]byte, nonceSize, nonceSize+len(plaintext)+k.active.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return "", nil, fmt.Errorf("custody: nonce: %w", err)
	}
	out = k.active.aead.Seal(out, out[:nonceSize], plaintext, aad)
	return k.active.id, out, nil
}

// Open decrypts a ciphertext sealed under the KEK kekID with the same aad.
// It returns ErrUnknownKEK or ErrOpen on failure. The caller should clear
// the returned plaintext when done with it.
func (k *Keyring) Open(kekID string, ciphertext, aad []byte) ([]byte, error) {
	kek, ok := k.byID[kekID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKEK, kekID)
	}
	if len(ciphertext) < nonceSize+kek.aead.Overhead() {
		return nil, ErrOpen
	}
	pt, err := kek.aead.Open(nil, ciphertext[:nonceSize], ciphertext[nonceSize:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Rewrap opens ct (sealed under kekID) and seals it again under the active
// KEK with the same aad, for KEK rotation. It always reseals, even when
// kekID is already the active id; callers pick the rows to rewrap.
func (k *Keyring) Rewrap(kekID string, ct, aad []byte) (newID string, newCT []byte, err error) {
	pt, err := k.Open(kekID, ct, aad)
	if err != nil {
		return "", nil, err
	}
	defer clear(pt)
	return k.Seal(pt, aad)
}
