package stark

import (
	"math/big"
	"sync"
)

// Pedersen as Starknet uses it (docs/protocol/networks-starknet.md):
// H(a, b) = [P0 + a_low·P1 + a_high·P2 + b_low·P3 + b_high·P4].x, where
// a_low are the low 248 bits of a and a_high the 4 bits above them, and
// P0…P4 are the constant points Starkware derived from the digits of π.
var pedersenPoints = [5][2]string{
	{"2089986280348253421170679821480865132823066470938446095505822317253594081284", "1713931329540660377023406109199410414810705867260802078187082345529207694986"},
	{"996781205833008774514500082376783249102396023663454813447423147977397232763", "1668503676786377725805489344771023921079126552019160156920634619255970485781"},
	{"2251563274489750535117886426533222435294046428347329203627021249169616184184", "1798716007562728905295480679789526322175868328062420237419143593021674992973"},
	{"2138414695194151160943305727036575959195309218611738193261179310511854807447", "113410276730064486255102093846540133784865286929052426931474106396135072156"},
	{"2379962749567351885752724891227938183011949129833673362440656643086021394946", "776496453633298175483985398648758586525933812536653089401905292063708816422"},
}

var (
	pedersenOnce sync.Once
	pedersenP0   *point
	// pedersenTable[i][k] is the point bit k of input i adds: 2^k·P1 for
	// k < 248 and 2^(k-248)·P2 above (P3, P4 for the second input).
	pedersenTable [2][252]*point
)

func decInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("stark: bad constant " + s)
	}
	return v
}

func pedersenInit() {
	pedersenOnce.Do(func() {
		var pts [5]*point
		for i, p := range pedersenPoints {
			pts[i] = &point{decInt(p[0]), decInt(p[1])}
			if !onCurve(pts[i].x, pts[i].y) {
				panic("stark: Pedersen constant point off the curve")
			}
		}
		pedersenP0 = pts[0]
		for in := range 2 {
			p := pts[1+2*in]
			for k := range 248 {
				pedersenTable[in][k] = p
				p = add(p, p)
			}
			p = pts[2+2*in]
			for k := 248; k < 252; k++ {
				pedersenTable[in][k] = p
				p = add(p, p)
			}
		}
	})
}

// jac is a point in Jacobian coordinates (X/Z², Y/Z³); z = 0 is infinity.
type jac struct{ x, y, z *big.Int }

func mulMod(a, b *big.Int) *big.Int { return mod(new(big.Int).Mul(a, b)) }

func subMod(a, b *big.Int) *big.Int { return mod(new(big.Int).Sub(a, b)) }

// double returns 2·p on y² = x³ + x + β (a = 1).
func (p jac) double() jac {
	if p.z.Sign() == 0 || p.y.Sign() == 0 {
		return jac{new(big.Int), new(big.Int), new(big.Int)}
	}
	xx := mulMod(p.x, p.x)
	yy := mulMod(p.y, p.y)
	yyyy := mulMod(yy, yy)
	zz := mulMod(p.z, p.z)
	s := mulMod(big.NewInt(4), mulMod(p.x, yy))
	m := mod(new(big.Int).Add(new(big.Int).Mul(xx, big.NewInt(3)), mulMod(zz, zz)))
	x3 := subMod(mulMod(m, m), new(big.Int).Lsh(s, 1))
	y3 := subMod(mulMod(m, subMod(s, x3)), new(big.Int).Lsh(yyyy, 3))
	z3 := mod(new(big.Int).Lsh(mulMod(p.y, p.z), 1))
	return jac{x3, y3, z3}
}

// addAffine returns p + q for an affine q.
func (p jac) addAffine(q *point) jac {
	if p.z.Sign() == 0 {
		return jac{new(big.Int).Set(q.x), new(big.Int).Set(q.y), big.NewInt(1)}
	}
	z1z1 := mulMod(p.z, p.z)
	u2 := mulMod(q.x, z1z1)
	s2 := mulMod(q.y, mulMod(p.z, z1z1))
	h := subMod(u2, p.x)
	r := subMod(s2, p.y)
	if h.Sign() == 0 {
		if r.Sign() == 0 {
			return p.double()
		}
		return jac{new(big.Int), new(big.Int), new(big.Int)}
	}
	hh := mulMod(h, h)
	hhh := mulMod(h, hh)
	v := mulMod(p.x, hh)
	x3 := subMod(subMod(mulMod(r, r), hhh), new(big.Int).Lsh(v, 1))
	y3 := subMod(mulMod(r, subMod(v, x3)), mulMod(p.y, hhh))
	z3 := mulMod(p.z, h)
	return jac{x3, y3, z3}
}

func (p jac) affineX() *big.Int {
	zi := new(big.Int).ModInverse(p.z, P)
	return mulMod(p.x, mulMod(zi, zi))
}

// Pedersen returns the Pedersen hash of two field elements (each below P;
// the caller checks).
func Pedersen(a, b *big.Int) *big.Int {
	pedersenInit()
	acc := jac{new(big.Int).Set(pedersenP0.x), new(big.Int).Set(pedersenP0.y), big.NewInt(1)}
	for in, v := range [2]*big.Int{a, b} {
		for k := range min(v.BitLen(), 252) {
			if v.Bit(k) == 1 {
				acc = acc.addAffine(pedersenTable[in][k])
			}
		}
	}
	return acc.affineX()
}

// PedersenOnElements is Starknet's compute_hash_on_elements: the Pedersen
// chain H(…H(H(0, v1), v2)…, vn), then hashed with n.
func PedersenOnElements(values []*big.Int) *big.Int {
	h := new(big.Int)
	for _, v := range values {
		h = Pedersen(h, v)
	}
	return Pedersen(h, big.NewInt(int64(len(values))))
}
