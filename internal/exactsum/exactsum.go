// Package exactsum adds float64 values without rounding, so that a sum does
// not depend on the order of its terms. Package eval adds up its
// per-document figures with it, which makes an evaluation merged from
// shards equal, bit for bit, to the same evaluation run in one process.
//
// Every finite float64 is an integer multiple of 2^-1074, and every product
// of two finite float64s an integer multiple of 2^-2148. A Sum keeps its
// total as one big integer times 2^-2148 (math/big), so each addition is
// exact and associative; the results (the sum, a quotient, a sum of squared
// deviations) are rounded once, to the nearest float64, when they are read.
// This is a superaccumulator in the sense of Kulisch: simpler and slower
// than Neal's or Shewchuk's, at a few hundred nanoseconds a term, which is
// nothing beside the forward passes that produce each term.
package exactsum

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

// scale is the power of two below the units of a Sum: its value is v·2^-scale.
const scale = 2 * 1074

// A Sum is an exact sum of float64s and of products of two float64s.
// Non-finite terms are counted apart: a Sum with a NaN term, or with terms
// of both infinities, is NaN, and one with infinite terms of one sign is
// that infinity. The zero value is an empty sum. A Sum must not be copied
// after first use (it holds big.Ints); use Merge.
type Sum struct {
	v                   big.Int
	nan, posInf, negInf int64
	t                   big.Int // scratch for the term being added
}

// Add adds x.
func (s *Sum) Add(x float64) {
	if s.countNonFinite(x) {
		return
	}
	m, e := split(x)
	s.t.SetUint64(m)
	s.addTerm(x < 0, e+scale)
}

// AddProduct adds x·y, exactly, even where the float64 product would
// overflow or underflow.
func (s *Sum) AddProduct(x, y float64) {
	if isNonFinite(x) || isNonFinite(y) {
		s.countNonFinite(x * y)
		return
	}
	mx, ex := split(x)
	my, ey := split(y)
	hi, lo := bits.Mul64(mx, my)
	s.t.SetBits([]big.Word{big.Word(lo), big.Word(hi)})
	s.addTerm((x < 0) != (y < 0), ex+ey+scale)
}

// addTerm adds ±s.t·2^shift units of 2^-scale; shift ≥ 0.
func (s *Sum) addTerm(neg bool, shift int) {
	s.t.Lsh(&s.t, uint(shift))
	if neg {
		s.v.Sub(&s.v, &s.t)
	} else {
		s.v.Add(&s.v, &s.t)
	}
}

// split returns the integer m and the exponent e ≥ -1074 of |x| = m·2^e
// for a finite x. bits.Mul64 needs m below 2^64, which 53 bits are.
func split(x float64) (m uint64, e int) {
	b := math.Float64bits(x)
	exp := int(b >> 52 & 0x7ff)
	m = b & (1<<52 - 1)
	if exp == 0 {
		return m, -1074 // zero or subnormal
	}
	return m | 1<<52, exp - 1075
}

func isNonFinite(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }

// countNonFinite counts x and reports true if it is not finite.
func (s *Sum) countNonFinite(x float64) bool {
	switch {
	case math.IsNaN(x):
		s.nan++
	case math.IsInf(x, 1):
		s.posInf++
	case math.IsInf(x, -1):
		s.negInf++
	default:
		return false
	}
	return true
}

// Merge adds the terms of t to s. t is unchanged.
func (s *Sum) Merge(t *Sum) {
	s.v.Add(&s.v, &t.v)
	s.nan += t.nan
	s.posInf += t.posInf
	s.negInf += t.negInf
}

// Equal reports whether s and t hold the same value (as sums: the same
// exact total and the same non-finite counts).
func (s *Sum) Equal(t *Sum) bool {
	return s.v.Cmp(&t.v) == 0 && s.nan == t.nan && s.posInf == t.posInf && s.negInf == t.negInf
}

// nonFinite returns the sum's value if it is not finite, and ok = false if
// it is finite.
func (s *Sum) nonFinite() (v float64, ok bool) {
	switch {
	case s.nan > 0 || s.posInf > 0 && s.negInf > 0:
		return math.NaN(), true
	case s.posInf > 0:
		return math.Inf(1), true
	case s.negInf > 0:
		return math.Inf(-1), true
	}
	return 0, false
}

// Float64 returns the sum rounded to the nearest float64 (ties to even).
func (s *Sum) Float64() float64 { return s.Div(1) }

// Div returns the sum divided by n, rounded once to the nearest float64.
// It panics if n < 1.
func (s *Sum) Div(n int) float64 {
	if n < 1 {
		panic("exactsum: Div by a count below 1")
	}
	if v, ok := s.nonFinite(); ok {
		return v
	}
	d := new(big.Int).Lsh(big.NewInt(int64(n)), scale)
	f, _ := new(big.Rat).SetFrac(&s.v, d).Float64()
	return f
}

// SquaredDeviations returns Σ (x_i − x̄)² over n terms x_i, from sum = Σ x_i
// and squares = Σ x_i² (added with AddProduct(x, x)), computed exactly and
// rounded once: squares − sum²/n. It panics if n < 1.
func SquaredDeviations(sum, squares *Sum, n int) float64 {
	if n < 1 {
		panic("exactsum: SquaredDeviations of a count below 1")
	}
	_, nf1 := sum.nonFinite()
	_, nf2 := squares.nonFinite()
	if nf1 || nf2 {
		return math.NaN()
	}
	// squares = A/2^scale, sum = B/2^scale:
	// squares − sum²/n = (A·n·2^scale − B²) / (n·2^(2·scale)).
	num := new(big.Int).Mul(&squares.v, big.NewInt(int64(n)))
	num.Lsh(num, scale)
	num.Sub(num, new(big.Int).Mul(&sum.v, &sum.v))
	den := new(big.Int).Lsh(big.NewInt(int64(n)), 2*scale)
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return f
}

// ErrSyntax reports a Sum's JSON that does not parse.
var ErrSyntax = errors.New("exactsum: malformed sum")

// sumJSON is a Sum's JSON: hex is the value times 2^2148 as a hexadecimal
// integer, and the counts of non-finite terms are left out when zero.
type sumJSON struct {
	Hex    string `json:"hex"`
	NaN    int64  `json:"nan,omitempty"`
	PosInf int64  `json:"pos_inf,omitempty"`
	NegInf int64  `json:"neg_inf,omitempty"`
}

// MarshalJSON writes the sum exactly, as {"hex":"…"} with the value times
// 2^2148 as a hexadecimal integer, and the counts of NaN and infinite terms
// (nan, pos_inf, neg_inf) where they are not zero.
func (s *Sum) MarshalJSON() ([]byte, error) {
	return json.Marshal(sumJSON{s.v.Text(16), s.nan, s.posInf, s.negInf})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Sum) UnmarshalJSON(b []byte) error {
	var j sumJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if _, ok := s.v.SetString(j.Hex, 16); !ok || j.Hex == "" || j.Hex[0] == '+' {
		return fmt.Errorf("%w: %q is not a hexadecimal integer", ErrSyntax, j.Hex)
	}
	if j.NaN < 0 || j.PosInf < 0 || j.NegInf < 0 {
		return fmt.Errorf("%w: negative count of non-finite terms", ErrSyntax)
	}
	s.nan, s.posInf, s.negInf = j.NaN, j.PosInf, j.NegInf
	return nil
}
