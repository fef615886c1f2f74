package algorand

import (
	"encoding/binary"

	"github.com/custos-dev/custos/internal/apierr"
)

// maxDepth bounds the nesting of msgpack values Custos walks.
const maxDepth = 16

var errMsgpack = apierr.BadRequest("transaction is not valid msgpack")

// readMap decodes b, which must be exactly one msgpack map with string
// keys, into its keys and the raw bytes of each value.
func readMap(b []byte) (map[string][]byte, error) {
	n, off, ok := mapHeader(b)
	if !ok {
		return nil, apierr.BadRequest("transaction must be a msgpack map")
	}
	out := make(map[string][]byte, n)
	for range n {
		kl, koff, ok := strHeader(b[off:])
		if !ok || off+koff+kl > len(b) {
			return nil, apierr.BadRequest("transaction: map keys must be strings")
		}
		k := string(b[off+koff : off+koff+kl])
		off += koff + kl
		end, ok := skip(b, off, 0)
		if !ok {
			return nil, errMsgpack
		}
		if _, dup := out[k]; dup {
			return nil, apierr.BadRequest("transaction: field %q appears twice", k)
		}
		out[k] = b[off:end]
		off = end
	}
	if off != len(b) {
		return nil, apierr.BadRequest("transaction has %d trailing bytes", len(b)-off)
	}
	return out, nil
}

func mapHeader(b []byte) (n, off int, ok bool) {
	switch {
	case len(b) >= 1 && b[0]&0xf0 == 0x80:
		return int(b[0] & 0x0f), 1, true
	case len(b) >= 3 && b[0] == 0xde:
		return int(binary.BigEndian.Uint16(b[1:])), 3, true
	}
	return 0, 0, false
}

func strHeader(b []byte) (n, off int, ok bool) {
	switch {
	case len(b) >= 1 && b[0]&0xe0 == 0xa0:
		return int(b[0] & 0x1f), 1, true
	case len(b) >= 2 && b[0] == 0xd9:
		return int(b[1]), 2, true
	}
	return 0, 0, false
}

// skip returns the offset just past the msgpack value at b[off:].
func skip(b []byte, off, depth int) (int, bool) {
	if off >= len(b) || depth > maxDepth {
		return 0, false
	}
	c := b[off]
	size := func(n int) int { // big-endian length of n bytes at off+1
		if off+1+n > len(b) {
			return -1
		}
		var v uint64
		for _, x := range b[off+1 : off+1+n] {
			v = v<<8 | uint64(x)
		}
		if v > uint64(len(b)) {
			return -1
		}
		return int(v)
	}
	fixed := func(n int) (int, bool) { return off + n, off+n <= len(b) }
	blob := func(hdr, n int) (int, bool) {
		if n < 0 {
			return 0, false
		}
		return fixed(1 + hdr + n)
	}
	items := func(hdr, n int) (int, bool) {
		if n < 0 {
			return 0, false
		}
		p := off + 1 + hdr
		var ok bool
		for range n {
			if p, ok = skip(b, p, depth+1); !ok {
				return 0, false
			}
		}
		return p, true
	}
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		return fixed(1)
	case c&0xf0 == 0x80:
		return items(0, 2*int(c&0x0f))
	case c&0xf0 == 0x90:
		return items(0, int(c&0x0f))
	case c&0xe0 == 0xa0:
		return blob(0, int(c&0x1f))
	}
	switch c {
	case 0xc4, 0xd9:
		return blob(1, size(1))
	case 0xc5, 0xda:
		return blob(2, size(2))
	case 0xc6, 0xdb:
		return blob(4, size(4))
	case 0xcc, 0xd0:
		return fixed(2)
	case 0xcd, 0xd1:
		return fixed(3)
	case 0xce, 0xd2, 0xca:
		return fixed(5)
	case 0xcf, 0xd3, 0xcb:
		return fixed(9)
	case 0xdc:
		return items(2, size(2))
	case 0xdd:
		return items(4, size(4))
	case 0xde:
		if n := size(2); n >= 0 {
			return items(2, 2*n)
		}
	case 0xdf:
		if n := size(4); n >= 0 {
			return items(4, 2*n)
		}
	}
	return 0, false // ext types and 0xc1 do not appear in transactions
}
