package cardano

import (
	"encoding/binary"

	"github.com/custos-dev/custos/internal/apierr"
)

// maxDepth bounds the nesting of CBOR items Custos walks.
const maxDepth = 32

var errCBOR = apierr.BadRequest("transaction is not a CBOR Cardano transaction")

// head reads a CBOR item head at b[off:]: major type, argument and the
// offset of what follows. Indefinite lengths are refused.
func head(b []byte, off int) (major byte, arg uint64, next int, ok bool) {
	if off >= len(b) {
		return 0, 0, 0, false
	}
	major, info := b[off]>>5, b[off]&0x1f
	off++
	switch {
	case info < 24:
		return major, uint64(info), off, true
	case info <= 27:
		n := 1 << (info - 24)
		if off+n > len(b) {
			return 0, 0, 0, false
		}
		var v uint64
		for _, x := range b[off : off+n] {
			v = v<<8 | uint64(x)
		}
		return major, v, off + n, true
	}
	return 0, 0, 0, false
}

// skip returns the offset just past the CBOR item at b[off:].
func skip(b []byte, off, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	major, arg, next, ok := head(b, off)
	if !ok {
		return 0, false
	}
	switch major {
	case 0, 1, 7: // integers, simple values and floats
		return next, true
	case 2, 3: // byte and text strings
		if arg > uint64(len(b)-next) {
			return 0, false
		}
		return next + int(arg), true
	case 4, 5: // arrays, maps
		n := arg
		if major == 5 {
			n *= 2
		}
		if n > uint64(len(b)-next) {
			return 0, false
		}
		for range n {
			if next, ok = skip(b, next, depth+1); !ok {
				return 0, false
			}
		}
		return next, true
	case 6: // tag
		return skip(b, next, depth+1)
	}
	return 0, false
}

// appendHead encodes a CBOR head of major type m with argument v.
func appendHead(b []byte, m byte, v uint64) []byte {
	switch {
	case v < 24:
		return append(b, m<<5|byte(v))
	case v <= 0xff:
		return append(b, m<<5|24, byte(v))
	case v <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, m<<5|25), uint16(v))
	case v <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, m<<5|26), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, m<<5|27), v)
}

func appendBytes(b, p []byte) []byte { return append(appendHead(b, 2, uint64(len(p))), p...) }
