package custody

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/stark"
)

// localName is the Backend name of Local, stored in Material.Backend.
const localName = "local"

// privSize is the stored private key length: a secp256k1 scalar or an
// ed25519 seed.
const privSize = 32

// ErrKeyMismatch means sealed material opened but does not hold the private
// key of the public key it was asked for.
var ErrKeyMismatch = errors.New("custody: sealed key does not match the public key")

// Local is the software backend: private keys sealed by a Keyring and used
// in process.
type Local struct {
	ring *Keyring
	// checked memoizes materials verified to match their public key.
	checked  sync.Map // [32]byte -> struct{}
	checkedN atomic.Int64
}

var _ Backend = (*Local)(nil)

// NewLocal returns a local backend sealing with k.
func NewLocal(k *Keyring) *Local { return &Local{ring: k} }

// Name returns "local".
func (l *Local) Name() string { return localName }

// Generate creates a random key for scheme/curve and seals it.
func (l *Local) Generate(ctx context.Context, scheme, curve string, aad []byte) (chain.Key, Material, error) {
	kind, err := kindOf(scheme, curve)
	if err != nil {
		return chain.Key{}, Material{}, err
	}
	priv := make([]byte, privSize)
	defer clear(priv)
	switch kind {
	case kindECDSA, kindSchnorr:
		p, err := secp256k1.GeneratePrivateKey()
		if err != nil {
			return chain.Key{}, Material{}, fmt.Errorf("custody: generate secp256k1 key: %w", err)
		}
		p.Key.PutBytesUnchecked(priv)
		p.Zero()
	case kindEdDSA:
		if _, err := rand.Read(priv); err != nil {
			return chain.Key{}, Material{}, fmt.Errorf("custody: generate ed25519 seed: %w", err)
		}
	case kindStark:
		k, err := stark.GenerateKey(func(b []byte) error { _, err := rand.Read(b); return err })
		if err != nil {
			return chain.Key{}, Material{}, fmt.Errorf("custody: generate stark key: %w", err)
		}
		copy(priv, k)
		clear(k)
	}
	return l.seal(kind, scheme, curve, priv, aad)
}

// Import seals priv, a raw 32-byte secp256k1 scalar (in [1, n-1]) or a
// 32-byte ed25519 seed. A malformed key is a 400 whose message says nothing
// about the key bytes.
func (l *Local) Import(ctx context.Context, scheme, curve string, priv []byte, aad []byte) (chain.Key, Material, error) {
	kind, err := kindOf(scheme, curve)
	if err != nil {
		return chain.Key{}, Material{}, err
	}
	if len(priv) != privSize {
		return chain.Key{}, Material{}, apierr.BadRequest("private key must be %d bytes", privSize)
	}
	if kind == kindStark {
		if _, err := stark.PublicKey(priv); err != nil {
			return chain.Key{}, Material{}, apierr.BadRequest("private key is not a valid stark scalar")
		}
	} else if kind != kindEdDSA {
		var s secp256k1.ModNScalar
		overflow := s.SetByteSlice(priv)
		zero := s.IsZero()
		s.Zero()
		if overflow || zero {
			return chain.Key{}, Material{}, apierr.BadRequest("private key is not a valid secp256k1 scalar")
		}
	}
	return l.seal(kind, scheme, curve, priv, aad)
}

func (l *Local) seal(kind keyKind, scheme, curve string, priv, aad []byte) (chain.Key, Material, error) {
	pub := publicKey(kind, priv)
	id, ct, err := l.ring.Seal(priv, materialAAD(scheme, curve, aad))
	if err != nil {
		return chain.Key{}, Material{}, err
	}
	return chain.Key{Scheme: scheme, Curve: curve, PublicKey: pub},
		Material{Backend: localName, KEKID: id, Ciphertext: ct}, nil
}

// Signer checks that m opens to key's private key and returns a signer that
// opens m again for every signature.
func (l *Local) Signer(ctx context.Context, key chain.Key, m Material, aad []byte) (chain.Signer, error) {
	kind, sealAAD, err := l.check(key, m, aad)
	if err != nil {
		return nil, err
	}
	return &localSigner{
		ring:  l.ring,
		kind:  kind,
		kekID: m.KEKID,
		ct:    bytes.Clone(m.Ciphertext),
		aad:   sealAAD,
		pub:   bytes.Clone(key.PublicKey),
	}, nil
}

// Export opens m and returns the raw private key of key.
func (l *Local) Export(ctx context.Context, key chain.Key, m Material, aad []byte) ([]byte, error) {
	_, sealAAD, err := l.check(key, m, aad)
	if err != nil {
		return nil, err
	}
	return openKey(l.ring, m.KEKID, m.Ciphertext, sealAAD)
}

// check opens m once to make sure it holds key's private key, and returns
// the key kind and the aad the material was sealed with.
func (l *Local) check(key chain.Key, m Material, aad []byte) (keyKind, []byte, error) {
	kind, err := kindOf(key.Scheme, key.Curve)
	if err != nil {
		return 0, nil, err
	}
	if m.Backend != localName {
		return 0, nil, fmt.Errorf("custody: material of backend %q given to the local backend", m.Backend)
	}
	sealAAD := materialAAD(key.Scheme, key.Curve, aad)
	memo := checkMemo(m, sealAAD, key.PublicKey)
	if _, ok := l.checked.Load(memo); ok {
		return kind, sealAAD, nil
	}
	priv, err := openKey(l.ring, m.KEKID, m.Ciphertext, sealAAD)
	if err != nil {
		return 0, nil, err
	}
	pub := publicKey(kind, priv)
	clear(priv)
	if !bytes.Equal(pub, key.PublicKey) {
		return 0, nil, ErrKeyMismatch
	}
	if l.checkedN.Add(1) > maxChecked {
		l.checked.Clear()
		l.checkedN.Store(0)
	}
	l.checked.Store(memo, struct{}{})
	return kind, sealAAD, nil
}

// maxChecked bounds the memo of verified materials.
const maxChecked = 100000

// checkMemo identifies a (material, binding, public key) triple already
// verified to match: the AEAD makes the ciphertext unforgeable for its AAD,
// so the same triple needs no second decryption to check it.
func checkMemo(m Material, sealAAD, pub []byte) [32]byte {
	h := sha256.New()
	for _, b := range [][]byte{[]byte(m.KEKID), m.Ciphertext, sealAAD, pub} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// openKey opens a sealed private key and checks its length.
func openKey(ring *Keyring, kekID string, ct, aad []byte) ([]byte, error) {
	priv, err := ring.Open(kekID, ct, aad)
	if err != nil {
		return nil, err
	}
	if len(priv) != privSize {
		clear(priv)
		return nil, fmt.Errorf("custody: sealed key has %d bytes, want %d", len(priv), privSize)
	}
	return priv, nil
}

// publicKey derives the wire public key of priv: compressed SEC1 for
// secp256k1, the 32-byte key for ed25519.
func publicKey(kind keyKind, priv []byte) []byte {
	if kind == kindStark {
		pub, _ := stark.PublicKey(priv)
		return pub
	}
	if kind == kindEdDSA {
		k := ed25519.NewKeyFromSeed(priv)
		pub := bytes.Clone(k[ed25519.SeedSize:])
		clear(k)
		return pub
	}
	p := secp256k1.PrivKeyFromBytes(priv)
	pub := p.PubKey().SerializeCompressed()
	p.Zero()
	return pub
}

// materialAAD binds a local ciphertext to its scheme and curve as well as
// to the caller's row aad, so the bytes of one kind of key cannot be opened
// as another kind.
func materialAAD(scheme, curve string, aad []byte) []byte {
	b := make([]byte, 0, 32+len(scheme)+len(curve)+len(aad))
	b = append(b, "custos/local/v1\x00"...)
	b = append(b, scheme...)
	b = append(b, 0)
	b = append(b, curve...)
	b = append(b, 0)
	return append(b, aad...)
}
