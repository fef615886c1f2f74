package custody

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// kekSize is the length of a key-encryption key: AES-256.
const kekSize = 32

// KEK is a key-encryption key: an AES-256 key and its id, the hex of the
// first 8 bytes of SHA-256 of the key. The key itself is kept only as the
// ready AES-GCM cipher; a KEK prints as its id whatever the verb, and KEKs
// cannot be compared with ==.
type KEK struct {
	_    [0]func() // not comparable
	id   string
	aead cipher.AEAD
}

// newKEK builds a KEK from 32 key bytes; key is zeroed before return.
func newKEK(key []byte) (*KEK, error) {
	defer clear(key)
	if len(key) != kekSize {
		return nil, fmt.Errorf("custody: KEK must be %d bytes, got %d", kekSize, len(key))
	}
	sum := sha256.Sum256(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("custody: KEK cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("custody: KEK cipher: %w", err)
	}
	return &KEK{id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

// ID returns the KEK id stored beside every ciphertext it seals.
func (k *KEK) ID() string { return k.id }

// Format prints the KEK as its id only, so no verb can print key material.
func (k KEK) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "KEK(%s)", k.id) }

// KEKFromHex parses a KEK given as 64 hex characters (an optional 0x prefix
// and surrounding white space are allowed), e.g. from an environment variable.
// The error never repeats the input.
func KEKFromHex(s string) (*KEK, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s) != 2*kekSize {
		return nil, errors.New("custody: KEK must be 64 hex characters")
	}
	key, err := hex.DecodeString(s)
	if err != nil {
		return nil, errors.New("custody: KEK must be 64 hex characters")
	}
	return newKEK(key)
}

// LoadOrCreateKEK reads the KEK in the file at path, or creates the file with
// a fresh random key (written as hex, mode 0600) when it does not exist. The
// file holds 32 raw bytes or 64 hex characters. A file that the group or
// others may read or write is refused (not checked on Windows, which has no
// such mode bits).
func LoadOrCreateKEK(path string) (*KEK, error) {
	k, err := loadKEK(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	k, err = createKEK(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our two calls.
		return loadKEK(path)
	}
	return k, err
}

func loadKEK(path string) (*KEK, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("custody: open KEK file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("custody: stat KEK file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("custody: KEK file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("custody: KEK file %s has mode %04o; it must not be accessible to group or others (chmod 600)",
			path, st.Mode().Perm())
	}
	// Read at most a little more than the longest valid content.
	data, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		return nil, fmt.Errorf("custody: read KEK file: %w", err)
	}
	defer clear(data)
	if len(data) == kekSize {
		return newKEK(bytes.Clone(data))
	}
	k, err := KEKFromHex(string(data))
	if err != nil {
		return nil, fmt.Errorf("custody: KEK file %s must hold 32 raw bytes or 64 hex characters", path)
	}
	return k, nil
}

func createKEK(path string) (*KEK, error) {
	key := make([]byte, kekSize)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("custody: random KEK: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("custody: create KEK file: %w", err)
	}
	text := make([]byte, hex.EncodedLen(kekSize)+1)
	defer clear(text)
	hex.Encode(text, key)
	text[len(text)-1] = '\n'
	_, err = f.Write(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("custody: write KEK file: %w", err)
	}
	return newKEK(bytes.Clone(key))
}
