package kaspa

import "strings"

// Kaspa addresses use the CashAddr construction (charset, 40-bit BCH
// checksum over the prefix's low 5 bits, a zero, the payload words and
// eight zeros) with a one-byte version: 0 for a Schnorr x-only key, 1 for an
// ECDSA key, 8 for a script hash.

const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func polymod(v []byte) uint64 {
	c := uint64(1)
	for _, d := range v {
		c0 := byte(c >> 35)
		c = ((c & 0x07ffffffff) << 5) ^ uint64(d)
		for i, g := range []uint64{0x98f2bc8e61, 0x79b76d99e2, 0xf33e5fb3c4, 0xae2eabe2a8, 0x1e4f43e470} {
			if c0&(1<<i) != 0 {
				c ^= g
			}
		}
	}
	return c ^ 1
}

func to5(b []byte) []byte {
	var (
		out  []byte
		acc  uint
		bits uint
	)
	for _, x := range b {
		acc = acc<<8 | uint(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		out = append(out, byte(acc<<(5-bits))&31)
	}
	return out
}

func encodeAddress(prefix string, version byte, payload []byte) string {
	words := to5(append([]byte{version}, payload...))
	in := make([]byte, 0, len(prefix)+1+len(words)+8)
	for i := 0; i < len(prefix); i++ {
		in = append(in, prefix[i]&31)
	}
	in = append(in, 0)
	in = append(in, words...)
	in = append(in, make([]byte, 8)...)
	mod := polymod(in)
	var sb strings.Builder
	sb.WriteString(prefix)
	sb.WriteByte(':')
	for _, w := range words {
		sb.WriteByte(charset[w])
	}
	for i := 0; i < 8; i++ {
		sb.WriteByte(charset[(mod>>(5*(7-i)))&31])
	}
	return sb.String()
}
