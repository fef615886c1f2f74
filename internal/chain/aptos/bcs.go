package aptos

import (
	"encoding/binary"

	"github.com/custos-dev/custos/internal/apierr"
)

// maxDepth bounds the nesting of type tags Custos walks.
const maxDepth = 16

// reader reads BCS and remembers the first error.
type reader struct {
	b   []byte
	off int
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n < 0 || n > len(r.b)-r.off {
		r.bad = true
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

// uleb reads a ULEB128 length or variant index (at most 2^31).
func (r *reader) uleb() int {
	if r.bad {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 || v > 1<<31 {
		r.bad = true
		return 0
	}
	r.off += n
	return int(v)
}

func (r *reader) bytes() []byte { return r.take(r.uleb()) }

// each calls f for each element of a BCS vector, stopping on error.
func (r *reader) each(f func()) {
	n := r.uleb()
	for i := 0; i < n && !r.bad; i++ {
		f()
	}
}

func (r *reader) typeTag(depth int) {
	if depth > maxDepth {
		r.bad = true
		return
	}
	switch r.uleb() {
	case 0, 1, 2, 3, 4, 5, 8, 9, 10: // primitives, address, signer
	case 6: // vector<T>
		r.typeTag(depth + 1)
	case 7: // struct
		r.take(32)
		r.bytes()
		r.bytes()
		r.each(func() { r.typeTag(depth + 1) })
	default:
		r.bad = true
	}
}

func (r *reader) entryFunction() {
	r.take(32) // module address
	r.bytes()  // module name
	r.bytes()  // function name
	r.each(func() { r.typeTag(0) })
	r.each(func() { r.bytes() })
}

func (r *reader) script() {
	r.bytes() // code
	r.each(func() { r.typeTag(0) })
	r.each(func() {
		switch r.uleb() {
		case 0, 5: // u8, bool
			r.take(1)
		case 1: // u64
			r.take(8)
		case 2: // u128
			r.take(16)
		case 3, 8: // address, u256
			r.take(32)
		case 4, 9: // vector<u8>, serialized
			r.bytes()
		case 6:
			r.take(2)
		case 7:
			r.take(4)
		default:
			r.bad = true
		}
	})
}

func (r *reader) option(f func()) {
	switch r.uleb() {
	case 0:
	case 1:
		f()
	default:
		r.bad = true
	}
}

// rawTransaction reads a RawTransaction and returns its sender.
func (r *reader) rawTransaction() []byte {
	sender := r.take(32)
	r.take(8) // sequence number
	switch r.uleb() {
	case 0:
		r.script()
	case 2:
		r.entryFunction()
	case 3: // multisig
		r.take(32)
		r.option(func() {
			if r.uleb() != 0 {
				r.bad = true
			}
			r.entryFunction()
		})
	case 4: // Payload(V1 {executable, extra_config})
		if r.uleb() != 0 {
			r.bad = true
		}
		switch r.uleb() {
		case 0:
			r.script()
		case 1:
			r.entryFunction()
		case 2: // empty
		default:
			r.bad = true
		}
		if r.uleb() != 0 {
			r.bad = true
		}
		r.option(func() { r.take(32) })
		r.option(func() { r.take(8) })
	default:
		r.bad = true
	}
	r.take(8 + 8 + 8 + 1) // max gas, gas price, expiration, chain id
	return sender
}

// accountAuthenticator skips one AccountAuthenticator and returns its
// bytes. Kept as they are: Ed25519, MultiEd25519, SingleKey with ed25519,
// secp256k1 or secp256r1 keys, and the NoAccountAuthenticator placeholder.
func (r *reader) accountAuthenticator() []byte {
	start := r.off
	switch r.uleb() {
	case 0, 1: // Ed25519 / MultiEd25519: public key bytes, signature bytes
		r.bytes()
		r.bytes()
	case 2: // SingleKey: AnyPublicKey, AnySignature
		if r.uleb() > 2 {
			r.bad = true
		}
		r.bytes()
		if r.uleb() > 2 {
			r.bad = true
		}
		r.bytes()
	case 4: // NoAccountAuthenticator
	default:
		r.bad = true
	}
	if r.bad {
		return nil
	}
	return r.b[start:r.off]
}

func errDecode(what string) error {
	return apierr.BadRequest("transaction is not a BCS Aptos RawTransaction or SignedTransaction: %s does not decode", what)
}
