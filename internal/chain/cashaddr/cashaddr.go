// Package cashaddr encodes CashAddr addresses (the Bitcoin Cash address
// format, spec "cashaddr.md" of the bitcoincashorg spec repository), which
// Kaspa addresses use too (docs/protocol/networks-utxo.md,
// networks-kaspa.md): prefix ":" base32(payload ‖ checksum), where the
// payload is a version byte followed by the address data, regrouped from
// 8-bit to 5-bit words, and the checksum is the 40-bit BCH code over the
// prefix's low 5 bits, a zero separator, the payload words and eight zero
// words.
package cashaddr

import "strings"

const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// Encode returns the address of data under version with prefix (e.g.
// "bitcoincash", "kaspa").
func Encode(prefix string, version byte, data []byte) string {
	words := to5(append([]byte{version}, data...))
	in := make([]byte, 0, len(prefix)+1+len(words)+8)
	for i := 0; i < len(prefix); i++ {
		in = append(in, prefix[i]&31)
	}
	in = append(in, 0)
	in = append(in, words...)
	in = append(in, make([]byte, 8)...)
	mod := polymod(in)
	var sb strings.Builder
	sb.Grow(len(prefix) + 1 + len(words) + 8)
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

// polymod is the CashAddr checksum polynomial.
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

// to5 regroups 8-bit bytes into 5-bit words, padding the last with zeros.
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
