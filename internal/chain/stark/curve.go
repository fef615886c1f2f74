// Package stark implements the STARK curve Starknet uses (y² = x³ + x + β
// over the prime 2^251 + 17·2^192 + 1) and ECDSA over it: key generation,
// public keys and deterministic signing of field-element hashes
// (docs/protocol/networks-starknet.md).
package stark

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"math/big"
)

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("stark: bad constant " + s)
	}
	return v
}

// Curve parameters (alpha = 1).
var (
	P    = hexInt("0800000000000011000000000000000000000000000000000000000000000001")
	Beta = hexInt("06f21413efbe40de150e596d72f7a8c5609ad26c15c915c1f4cdfcb99cee9e89")
	N    = hexInt("0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f")
	Gx   = hexInt("01ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca")
	Gy   = hexInt("005668060aa49730b7be4801df46ec62de53ecd11abe43a32873000c36e8dc1f")

	// maxHash is 2^251: hashes, r and s are below it.
	maxHash = new(big.Int).Lsh(big.NewInt(1), 251)
)

// point is an affine point; nil is the point at infinity.
type point struct{ x, y *big.Int }

func mod(v *big.Int) *big.Int { return v.Mod(v, P) }

func add(a, b *point) *point {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	var l *big.Int
	if a.x.Cmp(b.x) == 0 {
		if new(big.Int).Add(a.y, b.y).Cmp(P) == 0 || (a.y.Sign() == 0 && b.y.Sign() == 0) {
			return nil
		}
		// l = (3x² + 1) / 2y
		num := new(big.Int).Mul(a.x, a.x)
		num.Mul(num, big.NewInt(3)).Add(num, big.NewInt(1))
		den := new(big.Int).Lsh(a.y, 1)
		l = mod(num.Mul(num, new(big.Int).ModInverse(mod(den), P)))
	} else {
		num := new(big.Int).Sub(b.y, a.y)
		den := mod(new(big.Int).Sub(b.x, a.x))
		l = mod(num.Mul(num, new(big.Int).ModInverse(den, P)))
	}
	x := new(big.Int).Mul(l, l)
	x = mod(x.Sub(x, a.x).Sub(x, b.x))
	y := new(big.Int).Sub(a.x, x)
	y = mod(y.Mul(y, l).Sub(y, a.y))
	return &point{x, y}
}

func mul(k *big.Int, p *point) *point {
	var r *point
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = add(r, r)
		if k.Bit(i) == 1 {
			r = add(r, p)
		}
	}
	return r
}

var g = &point{Gx, Gy}

// onCurve reports whether (x, y) satisfies y² = x³ + x + β.
func onCurve(x, y *big.Int) bool {
	l := mod(new(big.Int).Mul(y, y))
	r := new(big.Int).Mul(x, x)
	r.Mul(r, x).Add(r, x).Add(r, Beta)
	return l.Cmp(mod(r)) == 0
}

// PublicKey returns the compressed public key (0x02/0x03 ‖ 32-byte x) of
// the private scalar d, which must be in [1, N).
func PublicKey(d []byte) ([]byte, error) {
	k := new(big.Int).SetBytes(d)
	if k.Sign() == 0 || k.Cmp(N) >= 0 {
		return nil, errors.New("stark: private key out of range")
	}
	return compress(mul(k, g)), nil
}

func compress(p *point) []byte {
	out := make([]byte, 33)
	out[0] = 2 + byte(p.y.Bit(0))
	p.x.FillBytes(out[1:])
	return out
}

// Decompress returns the point of a compressed public key.
func decompress(b []byte) (*point, error) {
	if len(b) != 33 || (b[0] != 2 && b[0] != 3) {
		return nil, errors.New("stark: public key must be 33 bytes compressed")
	}
	x := new(big.Int).SetBytes(b[1:])
	if x.Cmp(P) >= 0 {
		return nil, errors.New("stark: x out of range")
	}
	rhs := new(big.Int).Mul(x, x)
	rhs = mod(rhs.Mul(rhs, x).Add(rhs, x).Add(rhs, Beta))
	y := new(big.Int).ModSqrt(rhs, P)
	if y == nil {
		return nil, errors.New("stark: not a curve point")
	}
	if y.Bit(0) != uint(b[0]&1) {
		y.Sub(P, y)
	}
	return &point{x, y}, nil
}

// X returns the x coordinate of a compressed public key (the "stark key"
// Starknet accounts store).
func X(pub []byte) []byte { return pub[1:33] }

// Sign signs hash (a field element below 2^251, 32 bytes big-endian) with
// the private scalar d, the nonce drawn as RFC 6979 does (HMAC-SHA256 over
// the key and the hash). It returns r and s, each 32 bytes big-endian.
func Sign(d, hash []byte) (r, s []byte, err error) {
	z := new(big.Int).SetBytes(hash)
	if len(hash) != 32 || z.Cmp(maxHash) >= 0 {
		return nil, nil, errors.New("stark: hash must be 32 bytes below 2^251")
	}
	k := new(big.Int).SetBytes(d)
	if k.Sign() == 0 || k.Cmp(N) >= 0 {
		return nil, nil, errors.New("stark: private key out of range")
	}
	nonces := rfc6979(d, hash)
	for range 64 {
		kk := nonces()
		R := mul(kk, g)
		rr := new(big.Int).Mod(R.x, N)
		if rr.Sign() == 0 || rr.Cmp(maxHash) >= 0 {
			continue
		}
		ss := new(big.Int).Mul(rr, k)
		ss.Add(ss, z).Mul(ss, new(big.Int).ModInverse(kk, N)).Mod(ss, N)
		if ss.Sign() == 0 || ss.Cmp(maxHash) >= 0 {
			continue
		}
		return rr.FillBytes(make([]byte, 32)), ss.FillBytes(make([]byte, 32)), nil
	}
	return nil, nil, errors.New("stark: no valid nonce")
}

// Verify checks an (r, s) signature of hash under a compressed public key.
func Verify(pub, hash, r, s []byte) bool {
	q, err := decompress(pub)
	if err != nil {
		return false
	}
	z, rr, ss := new(big.Int).SetBytes(hash), new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)
	if z.Cmp(maxHash) >= 0 || rr.Sign() == 0 || rr.Cmp(maxHash) >= 0 || ss.Sign() == 0 || ss.Cmp(maxHash) >= 0 {
		return false
	}
	w := new(big.Int).ModInverse(ss, N)
	u1 := new(big.Int).Mul(z, w)
	u2 := new(big.Int).Mul(rr, w)
	R := add(mul(u1.Mod(u1, N), g), mul(u2.Mod(u2, N), q))
	return R != nil && new(big.Int).Mod(R.x, N).Cmp(rr) == 0
}

// rfc6979 returns successive deterministic nonces in [1, N) for key d
// and hash h (RFC 6979 §3.2 with HMAC-SHA256, qlen 252).
func rfc6979(d, h []byte) func() *big.Int {
	x := make([]byte, 32)
	new(big.Int).SetBytes(d).FillBytes(x)
	hm := new(big.Int).Mod(new(big.Int).SetBytes(h), N).FillBytes(make([]byte, 32))
	v := bytesOf(0x01, 32)
	k := bytesOf(0x00, 32)
	mac := func(key []byte, parts ...[]byte) []byte {
		m := hmac.New(sha256.New, key)
		for _, p := range parts {
			m.Write(p)
		}
		return m.Sum(nil)
	}
	k = mac(k, v, []byte{0}, x, hm)
	v = mac(k, v)
	k = mac(k, v, []byte{1}, x, hm)
	v = mac(k, v)
	return func() *big.Int {
		for {
			v = mac(k, v)
			c := new(big.Int).SetBytes(v)
			c.Rsh(c, 4) // 256 → 252 bits
			if c.Sign() > 0 && c.Cmp(N) < 0 {
				return c
			}
			k = mac(k, v, []byte{0})
			v = mac(k, v)
		}
	}
}

func bytesOf(b byte, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// GenerateKey returns a random private scalar in [1, N) drawn from rnd
// (32 bytes at a time, the top 4 bits cleared, rejecting out-of-range).
func GenerateKey(rnd func([]byte) error) ([]byte, error) {
	buf := make([]byte, 32)
	for range 128 {
		if err := rnd(buf); err != nil {
			return nil, err
		}
		buf[0] &= 0x0f
		v := new(big.Int).SetBytes(buf)
		if v.Sign() > 0 && v.Cmp(N) < 0 {
			return buf, nil
		}
	}
	return nil, errors.New("stark: could not draw a key")
}
