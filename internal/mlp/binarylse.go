package mlp

import (
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/amvi/amvi/internal/par"

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
// builds them once; with Train they are built at every call.
//
// The result is the direct form's up to rounding: the tables' sums (at most
// 4 terms), the shifts' sum, the exponentials (within 1 ulp in the
// assembly), the products (⌈In/4⌉ factors) and the order of the final sum,
// against the outputs' sums (In + 1 terms) and the direct form's
// exponentials and sum (mlp's tests bound the difference). Each row's
// value depends on that row alone (its sum is eight lanes, each over the
// columns j ≡ l mod 8 in ascending order, then the lanes pairwise; with
// Train, that for each range of lseCols columns, then the ranges in
// order), so it is the same whatever the number of rows in a call, and of
// cores. A
// BinaryLSE must not be used by two goroutines at once; the zero value is
// ready to use. Without Train it runs on the calling goroutine
// (evaluation runs one evaluator per core), except SoftmaxGrad, a training
// step's, which splits its columns over the cores.
type BinaryLSE struct {
	// Train says that the layer changes before every call, as in a
	// training step: the tables are built at every call, without keeping
	// or comparing a copy of the weights, a range of lseCols columns at a
	// time, each range's products summed by every row while its tables
	// are in the cache, and the ranges split over the cores. The tables
	// are the same bits either way; the sums of the products differ in
	// the order of their terms. A caller that runs one BinaryLSE per core
	// (evaluation) leaves it false.
	Train bool

	w, b      []float64 // the weights and bias the tables were built from
	in, out   int
	first     []int     // group g's inputs are first[g] to first[g+1]-1
	off       []int     // and its table rows off[g] to off[g+1]-1, one per code
	tab       []float64 // E_g[c] in row off[g] + c, in RowProductLanes' blocks
	shift     []float64 // m_g[c], by table row
	idx       []int     // row r's table rows, one per group, from r·groups
	sh        []float64 // each row's Σ_g m_g[c_g]
	rlanes    []float64 // each row's Σ_j Π_g E_g[c_g]_j in eight lanes (j mod 8), a set per range of columns (Train)
	sum       []float64 // and the lanes' sum, s_r
	direct    []int     // the rows computed directly, ascending
	lse       []float64 // their log-sum-exps
	scale     []float64 // SoftmaxGrad's a_r/s_r
	bitPtr    []int     // the table rows whose code has input j's bit: bitRow[bitPtr[j]:bitPtr[j+1]]
	bitRow    []int
	zeroCode  []bool // whether a table row is its group's code 0
	bucketPtr []int  // the rows that take table row u: bucketRow[bucketPtr[u]:bucketPtr[u+1]]
	bucketRow []int
	accMu     sync.Mutex
	accs      [][]float64 // SoftmaxGrad's products and bucket sums, one per part in use
	row       []float64   // a row's outputs, where it is computed directly
	ks        []int       // its ones
	ones      []float64
	builds    int // the times the tables were built
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
	if t.Train {
		t.trainShifts(l)
	}
	groups := len(t.first) - 1
	t.idx = scratch.Grow(t.idx, rows*groups)
	t.sh = scratch.Grow(t.sh, rows)
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
	ranges := 1
	if t.Train {
		t.trainLanes(l, rows)
		ranges = (l.Out + lseCols - 1) / lseCols
	} else {
		t.rlanes = scratch.Grow(t.rlanes, 8*rows)
		clear(t.rlanes)
		vec.RowProductLanes(t.rlanes, t.tab, t.off[groups], lanesEnd(l.Out, l.Out), t.idx[:rows*groups])
	}
	t.sum = scratch.Grow(t.sum, rows)
	t.direct, t.lse = t.direct[:0], t.lse[:0]
	for r := range rows {
		s, sh := 0.0, t.sh[r]
		for k := range ranges {
			q := t.rlanes[(k*rows+r)*8 : (k*rows+r)*8+8]
			s += ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]))
		}
		t.sum[r] = s
		if s >= lseTiny && s <= float64(l.Out) && math.Abs(sh) <= math.MaxFloat64 {
			dst[r] = sh + math.Log(s)
		} else {
			dst[r] = t.directLSE(l, z[r*l.In:(r+1)*l.In])
			t.direct = append(t.direct, r)
			t.lse = append(t.lse, dst[r])
		}
	}
	return true
}

// gradCols is the columns of one of SoftmaxGrad's blocks: for 512 rows
// and In = 50 its products (512 KB), bucket sums (192 KB) and tables
// (192 KB) fit the level-2 cache together. Measured (BenchmarkBinaryLSETrain,
// interleaved, one core and two): 128 columns 1.5–2.1 ms, 192 1.6–2.0,
// 256 1.7–2.2, 64 2.7–3.0, 32 3.2–3.8.
const gradCols = 8 * vec.RowLanesBlock

// SoftmaxGrad writes, for the rows of the last LogSumExp call (through the
// same layer l, unchanged since) and a coefficient a[r] for each,
//
//	gw = Σ_r z_rᵀ (a_r·softmax(z_r·W + B) − c_r·x_⌊r/S⌋)  (In×Out, row-major),
//	gb = Σ_r a_r·softmax(z_r·W + B) − c_r·x_⌊r/S⌋        (Out),
//
// where x, which may be nil, is a sparse matrix of R/S rows whose columns
// ascend in each row, such as the bags of words of documents with S codes
// each: a linear decoder's likelihood gradient, the log-normaliser's part
// and the words' part (package decoder's LinearLogLik). It computes no
// exponential: row r's softmax is Π_g E_g[c_rg]/s_r from LogSumExp's tables
// and sums. A block of gradCols columns at a time, the rows' products
// scaled by a_r/s_r are written (vec.RowProducts), x's entries in the
// block subtracted, and the rows summed into one bucket per table row,
// the rows that take it in ascending order (vec.SumScaledRows); input j's
// gradient is then the sum of the buckets of its group's codes with its
// bit set, and the bias's the sum of group 0's buckets, all while the
// block is in the level-2 cache. The rows that LogSumExp computed
// directly are added from their outputs, after the others.
//
// The result is the direct form's up to rounding: the products against
// exponentials of the outputs, a_r/s_r rounded once, and the sums in
// bucket order (each bucket over its rows in ascending order, then the
// buckets in ascending code); it does not depend on the number of cores.
// It panics if len(a) is not the rows of the last LogSumExp call, if
// there was none, if l, gw or gb do not fit it, or if x's rows do not
// divide them or len(c) is not theirs.
func (t *BinaryLSE) SoftmaxGrad(gw, gb []float64, l Layer, a []float64, x *Sparse, c []float64) {
	rows, groups := len(t.sum), len(t.first)-1
	if t.in == 0 || len(a) != rows || l.In != t.in || l.Out != t.out || len(gw) != l.In*l.Out || len(gb) != l.Out {
		panic("mlp: BinaryLSE.SoftmaxGrad does not fit the last LogSumExp")
	}
	S := 0
	if x != nil {
		if x.Rows == 0 || rows%x.Rows != 0 || len(c) != rows || x.Cols != l.Out {
			panic("mlp: BinaryLSE.SoftmaxGrad: x or c does not fit the rows")
		}
		S = rows / x.Rows
	}
	t.scale = scratch.Grow(t.scale, rows)
	for r, s := range t.sum {
		t.scale[r] = a[r] / s
	}
	for _, r := range t.direct {
		t.scale[r] = 0
	}
	nt := t.off[groups]
	t.bucketRows(rows, nt)
	ones := t.onesOf(max(rows, 1<<lseBits)) // a bucket's rows, or a group's codes
	blocks := (l.Out + vec.RowLanesBlock - 1) / vec.RowLanesBlock
	per := gradCols / vec.RowLanesBlock
	par.For(blocks, per, func(lo, hi int) {
		buf := t.acc((rows + nt) * gradCols)
		defer t.putAcc(buf)
		prod, acc := buf[:rows*gradCols], buf[rows*gradCols:]
		for b := lo; b < hi; b += per {
			c0, c1 := b*vec.RowLanesBlock, min(min(b+per, hi)*vec.RowLanesBlock, l.Out)
			w := c1 - c0
			vec.RowProducts(prod, w, t.tab[c0*nt:], nt, w, t.idx[:rows*groups], t.scale[:rows])
			if x != nil {
				for d := range x.Rows {
					cols, vals := x.Col[x.Ptr[d]:x.Ptr[d+1]], x.Val[x.Ptr[d]:x.Ptr[d+1]]
					i0, _ := slices.BinarySearch(cols, c0)
					i1, _ := slices.BinarySearch(cols, c1)
					for r := d * S; r < (d+1)*S; r++ {
						p := prod[r*w : (r+1)*w]
						for i, col := range cols[i0:i1] {
							p[col-c0] -= c[r] * vals[i0+i]
						}
					}
				}
			}
			for u := range nt {
				if u == t.off[0] || !t.zeroCode[u] { // code 0 of the other groups: nobody's sum reads it
					br := t.bucketRow[t.bucketPtr[u]:t.bucketPtr[u+1]]
					vec.SumScaledRows(acc[u*w:(u+1)*w], prod, w, br, ones[:len(br)])
				}
			}
			for j := range l.In {
				br := t.bitRow[t.bitPtr[j]:t.bitPtr[j+1]]
				vec.SumScaledRows(gw[j*l.Out+c0:j*l.Out+c1], acc, w, br, ones[:len(br)])
			}
			br := t.bitRow[t.bitPtr[l.In]:]
			vec.SumScaledRows(gb[c0:c1], acc, w, br, ones[:len(br)])
		}
	})
	for i, r := range t.direct {
		t.directRow(l, r, t.lse[i], a[r], gw, gb)
	}
}

// bucketRows sorts the rows by the table row they take in each group (a
// counting sort, so each bucket lists its rows in ascending order).
func (t *BinaryLSE) bucketRows(rows, nt int) {
	t.bucketPtr = scratch.Grow(t.bucketPtr, nt+1)
	clear(t.bucketPtr)
	idx := t.idx[:rows*(len(t.first)-1)]
	for _, u := range idx {
		t.bucketPtr[u+1]++
	}
	for u := range nt {
		t.bucketPtr[u+1] += t.bucketPtr[u]
	}
	t.bucketRow = scratch.Grow(t.bucketRow, len(idx))
	next := t.bucketPtr[:nt] // advanced as rows land, then restored
	groups := len(t.first) - 1
	for i, u := range idx {
		t.bucketRow[next[u]] = i / groups
		next[u]++
	}
	copy(t.bucketPtr[1:], next)
	t.bucketPtr[0] = 0
}

// acc returns a buffer of n values for one part of SoftmaxGrad.
func (t *BinaryLSE) acc(n int) []float64 {
	t.accMu.Lock()
	defer t.accMu.Unlock()
	if k := len(t.accs); k > 0 {
		b := t.accs[k-1]
		t.accs = t.accs[:k-1]
		if len(b) >= n {
			return b
		}
	}
	return make([]float64, n)
}

func (t *BinaryLSE) putAcc(b []float64) {
	t.accMu.Lock()
	t.accs = append(t.accs, b)
	t.accMu.Unlock()
}

// directRow adds a·z_rᵀ softmax(z_r·W + B) and a·softmax into gw and gb for
// a row that LogSumExp computed directly, its log-sum-exp lse, from its
// codes in the tables' indices.
func (t *BinaryLSE) directRow(l Layer, r int, lse, a float64, gw, gb []float64) {
	groups := len(t.first) - 1
	t.ks = t.ks[:0]
	for g := range groups {
		code := t.idx[r*groups+g] - t.off[g]
		for b := range t.first[g+1] - t.first[g] {
			if code&(1<<b) != 0 {
				t.ks = append(t.ks, t.first[g]+b)
			}
		}
	}
	t.outputs(l)
	vec.ExpShift(t.row, t.row, lse)
	for i, p := range t.row {
		gb[i] += a * p
	}
	for _, k := range t.ks {
		g := gw[k*l.Out : (k+1)*l.Out]
		for i, p := range t.row {
			g[i] += a * p
		}
	}
}

// outputs writes into t.row the outputs of the row whose ones are t.ks:
// the bias plus their weight rows.
func (t *BinaryLSE) outputs(l Layer) {
	t.row = scratch.Grow(t.row, l.Out)
	copy(t.row, l.B)
	vec.AddScaledRows(t.row, l.W, l.Out, t.ks, t.onesOf(len(t.ks)))
}

// onesOf returns n ones.
func (t *BinaryLSE) onesOf(n int) []float64 {
	for len(t.ones) < n {
		t.ones = append(t.ones, 1)
	}
	return t.ones[:n]
}

// directLSE returns LSE(z) for one row from its outputs.
func (t *BinaryLSE) directLSE(l Layer, z []float64) float64 {
	t.ks = t.ks[:0]
	for k, v := range z {
		if v == 1 {
			t.ks = append(t.ks, k)
		}
	}
	t.outputs(l)
	m := vec.Max(t.row)
	return m + math.Log(vec.ExpShift(t.row, t.row, m))
}

// tables builds the tables for l unless they hold its weights already.
func (t *BinaryLSE) tables(l Layer) {
	if !t.Train && t.in == l.In && t.out == l.Out && sameBits(t.w, l.W) && sameBits(t.b, l.B) {
		return
	}
	t.builds++
	t.in, t.out = l.In, l.Out
	if !t.Train {
		t.w = append(t.w[:0], l.W...)
		t.b = append(t.b[:0], l.B...)
	}
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
	// Each input's table rows with its bit set, then group 0's rows (the
	// bias's), for SoftmaxGrad.
	t.bitPtr, t.bitRow = append(t.bitPtr[:0], 0), t.bitRow[:0]
	for g := range groups {
		size := t.first[g+1] - t.first[g]
		for b := range size {
			for code := range 1 << size {
				if code&(1<<b) != 0 {
					t.bitRow = append(t.bitRow, t.off[g]+code)
				}
			}
			t.bitPtr = append(t.bitPtr, len(t.bitRow))
		}
	}
	for row := t.off[0]; row < t.off[1]; row++ {
		t.bitRow = append(t.bitRow, row)
	}
	t.zeroCode = scratch.Grow(t.zeroCode, nt)
	clear(t.zeroCode)
	for g := range groups {
		t.zeroCode[t.off[g]] = true
	}
	t.tab = scratch.Grow(t.tab, vec.RowLanesLen(nt, l.Out))
	if tail := l.Out % vec.RowLanesBlock; tail != 0 {
		// The last block's columns past Out: zeros, whose products with
		// each other are +0 (lanesEnd).
		last := l.Out - tail
		for row := range nt {
			clear(t.tab[last*nt+row*vec.RowLanesBlock+tail : last*nt+(row+1)*vec.RowLanesBlock])
		}
	}
	t.shift = scratch.Grow(t.shift, nt)
	if t.Train {
		return // LogSumExp fills them a range of columns at a time
	}
	buf := t.acc((1<<lseBits + 1) * l.Out)
	defer t.putAcc(buf)
	sums, e := buf[:l.Out<<lseBits], buf[l.Out<<lseBits:(1<<lseBits+1)*l.Out]
	for g := range groups {
		t.groupSums(sums, l, g, 0, l.Out)
		for code := range t.off[g+1] - t.off[g] {
			t.shift[t.off[g]+code] = vec.Max(sums[code*l.Out : (code+1)*l.Out])
		}
		t.groupExps(e, sums, g, 0, l.Out)
	}
}

// groupSums writes group g's sums S_g[code] over columns c0 to c1 into
// sums (row code from sums[code·(c1−c0)]), each from a code with one bit
// fewer: group 0's with the bias, the other groups' S_g[0] zero. The sums
// over a range of columns are those over all columns, cut.
func (t *BinaryLSE) groupSums(sums []float64, l Layer, g, c0, c1 int) {
	w := c1 - c0
	for code := range t.off[g+1] - t.off[g] {
		s := sums[code*w : (code+1)*w]
		if code == 0 {
			if g == 0 {
				copy(s, l.B[c0:c1])
			} else {
				clear(s)
			}
			continue
		}
		top := bits.Len(uint(code)) - 1
		row := (t.first[g] + top) * l.Out
		if rest := code &^ (1 << top); rest != 0 || g == 0 {
			copy(s, sums[rest*w:(rest+1)*w])
			vec.Add(s, l.W[row+c0:row+c1])
		} else {
			copy(s, l.W[row+c0:row+c1])
		}
	}
}

// groupExps writes E_g[code] = exp(S_g[code] − m_g[code]) over columns c0
// to c1 (c0 a multiple of RowLanesBlock) into the tables' blocks, from
// groupSums' sums and the shifts, through e (c1 − c0 values).
func (t *BinaryLSE) groupExps(e, sums []float64, g, c0, c1 int) {
	w, nt := c1-c0, t.off[len(t.first)-1]
	for code := range t.off[g+1] - t.off[g] {
		row := t.off[g] + code
		vec.ExpShift(e[:w], sums[code*w:(code+1)*w], t.shift[row])
		for lo := 0; lo < w; lo += vec.RowLanesBlock { // into RowProductLanes' blocks
			copy(t.tab[(c0+lo)*nt+row*vec.RowLanesBlock:], e[lo:min(lo+vec.RowLanesBlock, w)])
		}
	}
}

// trainShifts computes the shifts m_g[c], each group's sums' maxima over
// all columns, a group per part.
func (t *BinaryLSE) trainShifts(l Layer) {
	par.For(len(t.first)-1, 1, func(lo, hi int) {
		buf := t.acc(l.Out << lseBits)
		defer t.putAcc(buf)
		for g := lo; g < hi; g++ {
			t.groupSums(buf, l, g, 0, l.Out)
			for code := range t.off[g+1] - t.off[g] {
				t.shift[t.off[g]+code] = vec.Max(buf[code*l.Out : (code+1)*l.Out])
			}
		}
	})
}

// trainLanes fills the tables and the rows' products' lanes a range of
// lseCols columns at a time, a range per part, so that a range's tables
// are taken by every row while they are in the level-2 cache of the core
// that wrote them; range k's lanes go to t.rlanes[k·8·rows:].
func (t *BinaryLSE) trainLanes(l Layer, rows int) {
	groups, nt := len(t.first)-1, t.off[len(t.first)-1]
	ranges := (l.Out + lseCols - 1) / lseCols
	t.rlanes = scratch.Grow(t.rlanes, ranges*8*rows)
	par.For(ranges, 1, func(lo, hi int) {
		buf := t.acc((1<<lseBits + 1) * lseCols)
		defer t.putAcc(buf)
		sums, e := buf[:lseCols<<lseBits], buf[lseCols<<lseBits:(1<<lseBits+1)*lseCols]
		for k := lo; k < hi; k++ {
			c0, c1 := k*lseCols, min((k+1)*lseCols, l.Out)
			for g := range groups {
				t.groupSums(sums, l, g, c0, c1)
				t.groupExps(e, sums, g, c0, c1)
			}
			lanes := t.rlanes[k*8*rows : (k+1)*8*rows]
			clear(lanes)
			vec.RowProductLanes(lanes, t.tab[c0*nt:], nt, lanesEnd(c1, l.Out)-c0, t.idx[:rows*groups])
		}
	})
}

// lanesEnd returns the column up to which the products for columns
// below c1 of a table of out columns are formed: c1, or the end of the
// last block where c1 is out. The tables' columns past out are zeros
// (tables), so the products there are +0 and leave the lanes' bits as
// they are, and the last block goes through the vector kernel with the
// others (a partial one goes through a Go loop without AVX-512: 4.5% of
// evaluation's CPU time at V = 1995).
func lanesEnd(c1, out int) int {
	if c1 < out {
		return c1
	}
	return (out + vec.RowLanesBlock - 1) / vec.RowLanesBlock * vec.RowLanesBlock
}

// lseCols is the columns of one of trainLanes' ranges: 192 KB of tables
// for In = 50.
const lseCols = 8 * vec.RowLanesBlock
