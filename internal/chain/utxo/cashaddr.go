package utxo

import "strings"

// CashAddr (the Bitcoin Cash address format, spec "cashaddr.md" of the
// bitcoincashorg spec repository): prefix ":" base32(payload ‖ checksum),
// where payload is a version byte (type 0 = P2PKH, size 0 = 160 bits)
// followed by the 20-byte hash, regrouped from 8-bit to 5-bit words, and the
// checksum is the 40-bit BCH code over the prefix's low 5 bits, a zero
// separator, the payload words and eight zero words.

const cashCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// cashPolymod is the CashAddr checksum polynomial.
func cashPolymod(v []byte) uint64 {
	c := uint64(1)
	for _, d := range v {
		c0 := byte(c >> 35)
		c = ((c & 0x07ffffffff) << 5) ^ uint64(d)
		if c0&0x01 != 0 {
			c ^= 0x98f2bc8e61
		}
		if c0&0x02 != 0 {
			c ^= 0x79b76d99e2
		}
		if c0&0x04 != 0 {
			c ^= 0xf33e5fb3c4
		}
		if c0&0x08 != 0 {
			c ^= 0xae2eabe2a8
		}
		if c0&0x10 != 0 {
			c ^= 0x1e4f43e470
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

// cashAddrP2PKH encodes a 20-byte public key hash as a CashAddr P2PKH
// address with prefix (e.g. "bitcoincash").
func cashAddrP2PKH(prefix string, hash160 []byte) string {
	return cashAddr(prefix, 0x00, hash160) // version 0: P2PKH, 160 bits
}

// cashAddr encodes a 20-byte hash under a CashAddr version byte (0x00
// P2PKH, 0x08 P2SH).
func cashAddr(prefix string, version byte, hash160 []byte) string {
	payload := to5(append([]byte{version}, hash160...))
	in := make([]byte, 0, len(prefix)+1+len(payload)+8)
	for i := 0; i < len(prefix); i++ {
		in = append(in, prefix[i]&31)
	}
	in = append(in, 0)
	in = append(in, payload...)
	in = append(in, make([]byte, 8)...)
	mod := cashPolymod(in)
	var sb strings.Builder
	sb.WriteString(prefix)
	sb.WriteByte(':')
	for _, w := range payload {
		sb.WriteByte(cashCharset[w])
	}
	for i := 0; i < 8; i++ {
		sb.WriteByte(cashCharset[(mod>>(5*(7-i)))&31])
	}
	return sb.String()
}
