package keys

import (
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/custos-dev/custos/internal/chain"
)

// Key shares as the Dfns key import/export libraries exchange them
// (dfns/trusted-dealer common/src/types.rs, generic-ec 0.4 serde): JSON
// whose scalars are {"curve": name, "scalar": 32-byte big-endian hex} and
// points {"curve": name, "point": uncompressed hex}, shares of a Shamir
// polynomial evaluated at 1, 2, …, n.

// Wire protocol and curve names of key import and export.
const (
	protoCGGMP21      = "CGGMP21"
	protoCGGMP24      = "CGGMP24"
	protoFROST        = "FROST"
	protoFROSTBitcoin = "FROST_BITCOIN"
)

var (
	secp256k1N, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
	ed25519L, _   = new(big.Int).SetString("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed", 16)
)

// scalarJSON is a generic-ec scalar in its default (curve-tagged) form.
type scalarJSON struct {
	Curve  string `json:"curve"`
	Scalar string `json:"scalar"`
}

func scalarOf(curve string, v *big.Int) scalarJSON {
	b := make([]byte, 32)
	v.FillBytes(b)
	return scalarJSON{Curve: curve, Scalar: hex.EncodeToString(b)}
}

// parse returns the scalar's value, below order and non-zero.
func (s scalarJSON) parse(curve string, order *big.Int) (*big.Int, error) {
	if s.Curve != curve {
		return nil, fmt.Errorf("scalar of curve %q, want %s", clip(s.Curve), curve)
	}
	b, err := hex.DecodeString(s.Scalar)
	if err != nil || len(b) != 32 {
		return nil, errors.New("scalar must be 32 bytes of hex")
	}
	v := new(big.Int).SetBytes(b)
	clear(b)
	if v.Sign() == 0 || v.Cmp(order) >= 0 {
		return nil, errors.New("scalar is zero or not below the curve order")
	}
	return v, nil
}

// exportShare is the plaintext of one exported key share.
type exportShare struct {
	Version     int        `json:"version"`
	Index       scalarJSON `json:"index"`
	SecretShare scalarJSON `json:"secret_share"`
}

// orderOf returns the group order of a curve.
func orderOf(curve string) *big.Int {
	if curve == chain.CurveEd25519 {
		return ed25519L
	}
	return secp256k1N
}

// splitSecret returns f(1), …, f(n) for a random polynomial f of degree
// t-1 with f(0) = secret, all non-zero, mod order.
func splitSecret(secret *big.Int, t, n int, order *big.Int) ([]*big.Int, error) {
	for {
		coeffs := []*big.Int{secret}
		for range t - 1 {
			c, err := rand.Int(rand.Reader, order)
			if err != nil {
				return nil, err
			}
			coeffs = append(coeffs, c)
		}
		shares := make([]*big.Int, 0, n)
		for i := 1; i <= n; i++ {
			x := big.NewInt(int64(i))
			y := new(big.Int)
			for j := len(coeffs) - 1; j >= 0; j-- {
				y.Mul(y, x).Add(y, coeffs[j]).Mod(y, order)
			}
			shares = append(shares, y)
		}
		if !slices.ContainsFunc(shares, func(v *big.Int) bool { return v.Sign() == 0 }) {
			return shares, nil
		}
	}
}

// interpolate returns f(0) from points (xs[i], ys[i]) mod order.
func interpolate(xs, ys []*big.Int, order *big.Int) *big.Int {
	sum := new(big.Int)
	for j := range xs {
		num, den := big.NewInt(1), big.NewInt(1)
		for m := range xs {
			if m == j {
				continue
			}
			num.Mul(num, xs[m]).Mod(num, order)
			d := new(big.Int).Sub(xs[m], xs[j])
			den.Mul(den, d).Mod(den, order)
		}
		den.ModInverse(den, order)
		term := new(big.Int).Mul(ys[j], num)
		term.Mul(term, den).Mod(term, order)
		sum.Add(sum, term).Mod(sum, order)
	}
	return sum
}

// ed25519Scalar returns the secret scalar of an ed25519 seed (RFC 8032
// §5.1.5: the clamped first half of SHA-512(seed), little-endian), reduced
// mod L as the Dfns import library's convert_eddsa_secret_key_to_scalar
// does.
func ed25519Scalar(seed []byte) *big.Int {
	h := sha512.Sum512(seed)
	defer clear(h[:])
	s := h[:32]
	s[0] &= 248
	s[31] &= 127
	s[31] |= 64
	be := make([]byte, 32)
	for i := range s {
		be[i] = s[31-i]
	}
	v := new(big.Int).SetBytes(be)
	clear(be)
	return v.Mod(v, ed25519L)
}
