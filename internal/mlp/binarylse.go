package mlp

import (
	"math"
	"math/bits"

	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vec"
)

// BinaryLSE computes, for binary inputs z (rows of 0s and 1s), the
// log-sum-exp over the outputs of a float64 layer's affine map,
//
//	LSE(z) = log Σ_j exp(z·W + B)_j,
//
// without forming the outputs: the log-normaliser of a linear decoder's
// softmax, which depends on the code alone. With the inputs cut into
// groups of at most lseBits, z·W + B is the sum of one table row per
// group, as in the binary tables (binary.go): S_g[c_g] for the group's code c_g
// (group 0's rows with the bias added), so that, with m_g[c] the largest
// element of S_g[c] and E_g[c] = exp(S_g[c] − m_g[c]),
//
//	LSE(z) = Σ_g m_g[c_g] + log Σ_j Π_g E_g[c_g]_j :
//
// a sum over the outputs of products of ⌈In/4⌉ table rows
// (vec.RowProductLanes, for all the call's rows at once), where the direct
// form computes an exponential per output, after the outputs themselves
// and their maximum. Every factor is at most 1, so nothing overflows. Where the products underflow (their sum
// below 2⁻⁵⁰⁰: the row's largest output more than about 346 below
// Σ_g m_g[c_g]) or something is not finite, that row is computed directly:
// the outputs, their maximum m and m + log vec.ExpShift(outputs, m).
//
// The tables (at most ⌈In/4⌉·16 rows of Out values, in RowProductLanes'
// blocks of 16 columns: 24 KB a block for In = 50, which stays in the
// level-1 cache and in six pages while every row takes it) are kept between
// calls while the layer's weights and bias are bit for bit those they were
// built from (a copy of them is compared at every call), so evaluation
// builds them once.
//
// The result is the direct form's up to rounding: the tables' sums (at most
// 4 terms), the shifts' sum, the exponentials (within 1 ulp in the
// assembly), the products (⌈In/4⌉ factors) and the order of the final sum,
// against the outputs' sums (In + 1 terms) and the direct form's
// exponentials and sum (mlp's tests bound the difference). Each row's
// value depends on that row alone (its sum is eight lanes, each over the
// columns j ≡ l mod 8 in ascending order, then the lanes pairwise), so it
// is the same whatever the number of rows in a call. A BinaryLSE must not
// be used by two goroutines at once; the zero value is ready to use. It
// runs on the calling goroutine: evaluation runs one evaluator per core.
type BinaryLSE struct {
	w, b    []float64 // the weights and bias the tables were built from
	in, out int
	first   []int     // group g's inputs are first[g] to first[g+1]-1
	off     []int     // and its table rows off[g] to off[g+1]-1, one per code
	tab     []float64 // E_g[c] in row off[g] + c, in RowProductLanes' blocks
	shift   []float64 // m_g[c], by table row
	sums    []float64 // one group's S_g[c] while building
	idx     []int     // row r's table rows, one per group, from r·groups
	sh      []float64 // each row's Σ_g m_g[c_g]
	lanes   []float64 // each row's Σ_j Π_g E_g[c_g]_j in eight lanes (j mod 8)
	row     []float64 // a row's outputs, where it is computed directly
	ks      []int     // its ones
	ones    []float64
	builds  int // the times the tables were built
}

// Builds returns the number of times t built its tables: a caller that
// keeps something else made from the same weights remakes it when this
// changes, without comparing the weights again.
func (t *BinaryLSE) Builds() int { return t.builds }

// lseBits is the most inputs in one of BinaryLSE's groups; the groups are
// as even as can be (for In = 50, eleven of 4 inputs and two of 3: 13
// factors a product and 192 table rows: a block of 16 columns is 24 KB,
// within the level-1 cache). Measured before the tables were blocked (rows
// of V, the sums in blocks of 256 columns), on 1,024 random codes of K = 50
// through V = 1995, two goroutines at once (load 16): 3.0 µs of CPU a row
// with groups of at most 4, 2.9 with 5, 3.4 with 5 (blocks of 128), 3.6–3.8
// with 3, 3.5–5.0 with 7 (blocks of 64 and 128).
const lseBits = 4

// lseTiny is the smallest sum of products that BinaryLSE takes: below it,
// the row is computed directly.
const lseTiny = 0x1p-500

// LogSumExp writes LSE(z_r) into dst[r] for the len(dst)×In binary inputs z
// (row-major) through the layer l, and reports true; if z holds a value
// other than 0 and 1 it writes nothing and reports false.
// It panics if len(z) != len(dst)·l.In.
func (t *BinaryLSE) LogSumExp(dst []float64, l Layer, z []float64) bool {
	rows := len(dst)
	if len(z) != rows*l.In {
		panic("mlp: BinaryLSE.LogSumExp: the inputs do not fit the rows")
	}
	// v·(v−1) is ±0 for v = 0 and 1 and for no other v (it cannot underflow
	// to 0: a tiny v gives −v, and v−1 is exact near 1); NaN gives NaN. No
	// branch on random codes (one on v != 0 cost 8% of evaluation).
	bad := uint64(0)
	for _, v := range z {
		bad |= math.Float64bits(v*(v-1)) &^ (1 << 63)
	}
	if bad != 0 {
		return false
	}
	t.tables(l)
	groups := len(t.first) - 1
	t.idx = scratch.Grow(t.idx, rows*groups)
	t.sh = scratch.Grow(t.sh, rows)
	t.lanes = scratch.Grow(t.lanes, 8*rows)
	clear(t.lanes)
	for r := range rows {
		zr := z[r*l.In : (r+1)*l.In]
		sh := 0.0
		for g := range groups {
			code := 0
			for b, v := range zr[t.first[g]:t.first[g+1]] {
				code |= int(v) << b
			}
			row := t.off[g] + code
			t.idx[r*groups+g] = row
			sh += t.shift[row]
		}
		t.sh[r] = sh
	}
	vec.RowProductLanes(t.lanes, t.tab, t.off[groups], l.Out, t.idx[:rows*groups])
	for r := range rows {
		q := t.lanes[8*r : 8*r+8]
		s, sh := ((q[0]+q[1])+(q[2]+q[3]))+((q[4]+q[5])+(q[6]+q[7])), t.sh[r]
		if s >= lseTiny && s <= float64(l.Out) && math.Abs(sh) <= math.MaxFloat64 {
			dst[r] = sh + math.Log(s)
		} else {
			dst[r] = t.direct(l, z[r*l.In:(r+1)*l.In])
		}
	}
	return true
}

// direct returns LSE(z) for one row from its outputs.
func (t *BinaryLSE) direct(l Layer, z []float64) float64 {
	t.row = scratch.Grow(t.row, l.Out)
	copy(t.row, l.B)
	t.ks = t.ks[:0]
	for k, v := range z {
		if v == 1 {
			t.ks = append(t.ks, k)
		}
	}
	for len(t.ones) < len(t.ks) {
		t.ones = append(t.ones, 1)
	}
	vec.AddScaledRows(t.row, l.W, l.Out, t.ks, t.ones[:len(t.ks)])
	m := vec.Max(t.row)
	return m + math.Log(vec.ExpShift(t.row, t.row, m))
}

// tables builds the tables for l unless they hold its weights already.
func (t *BinaryLSE) tables(l Layer) {
	if t.in == l.In && t.out == l.Out && sameBits(t.w, l.W) && sameBits(t.b, l.B) {
		return
	}
	t.builds++
	t.in, t.out = l.In, l.Out
	t.w = append(t.w[:0], l.W...)
	t.b = append(t.b[:0], l.B...)
	groups := (l.In + lseBits - 1) / lseBits
	t.first = append(t.first[:0], 0)
	t.off = append(t.off[:0], 0)
	for g := range groups {
		size := l.In / groups
		if g < l.In%groups {
			size++
		}
		t.first = append(t.first, t.first[g]+size)
		t.off = append(t.off, t.off[g]+1<<size)
	}
	nt := t.off[groups]
	t.tab = scratch.Grow(t.tab, vec.RowLanesLen(nt, l.Out))
	clear(t.tab)
	t.row = scratch.Grow(t.row, l.Out)
	t.shift = scratch.Grow(t.shift, nt)
	t.sums = scratch.Grow(t.sums, l.Out<<lseBits)
	for g := range groups {
		// S_g[code], each from a code with one bit fewer; group 0's with
		// the bias, the others' S_g[0] zero.
		size := t.first[g+1] - t.first[g]
		for code := range 1 << size {
			s := t.sums[code*l.Out : (code+1)*l.Out]
			if code == 0 {
				if g == 0 {
					copy(s, l.B)
				} else {
					clear(s)
				}
			} else {
				top := bits.Len(uint(code)) - 1
				w := l.W[(t.first[g]+top)*l.Out : (t.first[g]+top+1)*l.Out]
				if rest := code &^ (1 << top); rest != 0 || g == 0 {
					copy(s, t.sums[rest*l.Out:(rest+1)*l.Out])
					vec.Add(s, w)
				} else {
					copy(s, w)
				}
			}
			row := t.off[g] + code
			m := vec.Max(s)
			t.shift[row] = m
			vec.ExpShift(t.row, s, m)
			for j, e := range t.row { // into RowProductLanes' blocks
				t.tab[j/vec.RowLanesBlock*nt*vec.RowLanesBlock+row*vec.RowLanesBlock+j%vec.RowLanesBlock] = e
			}
		}
	}
}
