package mlp

import (
	"slices"
	"unsafe"

	"github.com/amvi/amvi/internal/par"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vecof"
)

// ScratchOf is one layer's working memory, kept from its forward call to
// its backward calls: the transposed sparse input, the binary tables'
// plan, and buffers. The zero value is ready to use. A ScratchOf must not be
// used by two goroutines at once.
type ScratchOf[T Float] struct {
	// Serial keeps the layer functions on the calling goroutine: for
	// callers that run many small passes on every core themselves (a
	// block of documents at a time). They then allocate nothing once grown.
	Serial bool

	csc     SparseOf[T] // SparseGrad's transposed input
	plan    binaryPlan  // the last AffineSparse's table plan, for a binary input
	table   []T         // weight-row sums, or gradient sums, of binaryPlan
	idx     []int       // 0, 1, 2, …
	one     []T         // 1, 1, 1, …
	inT, wT []T         // transposed layer input and weights
	gb      []T         // the bias gradient, when the binary path computes it with the weights'
	tabKept bool        // table holds a forward call's tables (binary.go)
}

// Scratch is a float64 layer's working memory.
type Scratch = ScratchOf[float64]

// index returns 0, 1, …, n-1, owned by s.
func (s *ScratchOf[T]) index(n int) []int {
	for len(s.idx) < n {
		s.idx = append(s.idx, len(s.idx))
	}
	return s.idx[:n]
}

// ones returns n ones, owned by s.
func (s *ScratchOf[T]) ones(n int) []T {
	for len(s.one) < n {
		s.one = append(s.one, 1)
	}
	return s.one[:n]
}

// Affine writes in·W + B into pre for rows dense input rows (rows×In,
// row-major): each output row is the bias plus a combination of all of
// W's rows. Rows are split over the cores.
// It panics if the lengths do not match.
func (l LayerOf[T]) Affine(s *ScratchOf[T], pre, in []T, rows int) {
	if len(pre) != rows*l.Out || len(in) != rows*l.In {
		panic("mlp: Layer.Affine lengths do not match")
	}
	if g := rowGrain(rows*l.In*l.Out, rows); s.Serial || g >= rows {
		l.affineRows(pre, in, 0, rows)
	} else {
		par.For(rows, g, func(lo, hi int) { l.affineRows(pre, in, lo, hi) })
	}
}

// affineRows does rows lo to hi of Affine with vec.AddMatMul, which reads
// W once for four rows.
func (l LayerOf[T]) affineRows(pre, in []T, lo, hi int) {
	for r := lo; r < hi; r++ {
		copy(pre[r*l.Out:(r+1)*l.Out], l.B)
	}
	vecof.AddMatMul(pre[lo*l.Out:hi*l.Out], l.Out, in[lo*l.In:hi*l.In], l.In, l.W, l.Out)
}

// AffineSparse writes x·W + B into pre (x.Rows×Out) for an input given by
// its nonzeros: one weight row per nonzero instead of a dense product, or,
// for a binary x of at least 128 rows, tabulated sums of weight rows
// (binary.go). It records in s what SparseGrad needs.
// It panics if x.Cols != In or len(pre) != x.Rows·Out.
func (l LayerOf[T]) AffineSparse(s *ScratchOf[T], pre []T, x *SparseOf[T]) {
	if x.Cols != l.In || len(pre) != x.Rows*l.Out {
		panic("mlp: Layer.AffineSparse shapes do not match")
	}
	rows := x.Rows
	if s.Serial {
		s.plan.used = false // no tables: they pay only for many rows
	} else if setPlan(&s.plan, x) {
		l.forwardBinary(s, pre, x)
		return
	}
	if g := rowGrain(len(x.Col)*l.Out, rows); s.Serial || g >= rows {
		l.sparseRows(pre, x, 0, rows)
	} else {
		par.For(rows, g, func(lo, hi int) { l.sparseRows(pre, x, lo, hi) })
	}
}

func (l LayerOf[T]) sparseRows(pre []T, x *SparseOf[T], lo, hi int) {
	// A narrow W (the decoder's K rows) is read a block of columns at a
	// time, which then stays in the L1 cache across the rows: 96 columns
	// of float64 or 240 of float32 for K = 50. (Blocks sized for 32 KiB,
	// 48 columns in either dtype, took 200–260 µs of the 20 Newsgroups
	// step's decoder forward at NVIL S=1 against 150–180 µs: docs/speed.md.)
	var zero T
	bw := blockWidth(l1Bytes/int(unsafe.Sizeof(zero)), l.In, l.Out)
	// A W larger than the level-2 cache (an encoder's V×H) is read from
	// further out, a few rows ahead of their use.
	add := vecof.AddScaledRows[T]
	if len(l.W) > l2Doubles {
		add = vecof.AddScaledRowsAhead[T]
	}
	for blo := 0; blo < l.Out; blo += bw {
		bhi := min(blo+bw, l.Out)
		for r := lo; r < hi; r++ {
			p := pre[r*l.Out+blo : r*l.Out+bhi]
			copy(p, l.B[blo:bhi])
			k0, k1 := x.Ptr[r], x.Ptr[r+1]
			add(p, l.W[blo:], l.Out, x.Col[k0:k1], x.Val[k0:k1])
		}
	}
}

// BiasGrad writes the column sums of d (rows×Out) into gb, split over
// columns.
func (l LayerOf[T]) BiasGrad(s *ScratchOf[T], gb, d []T, rows int) {
	idx, ones := s.index(rows), s.ones(rows)
	par.For(l.Out, colGrain(rows, l.Out), func(lo, hi int) {
		g := gb[lo:hi]
		clear(g)
		vecof.AddScaledRows(g, d[lo:], l.Out, idx, ones)
	})
}

// WeightGrad writes inᵀ·d into gw (In×Out), one row of gw per input unit,
// from the transposed input: vec.AddMatMul, which reads d once for four
// units and gives each row the bits of vec.AddScaledRows over the rows of
// d scaled by the unit's inputs.
func (l LayerOf[T]) WeightGrad(s *ScratchOf[T], gw, in, d []T, rows int) {
	s.inT = transpose(s.inT, in, rows, l.In)
	par.For(l.In, rowGrain(rows*l.In*l.Out, l.In), func(lo, hi int) {
		g := gw[lo*l.Out : hi*l.Out]
		clear(g)
		vecof.AddMatMul(g, l.Out, s.inT[lo*rows:hi*rows], rows, d, l.Out)
	})
}

// InputGrad writes d·Wᵀ into din (rows×In), one row per example, from Wᵀ:
// vec.AddMatMul, which reads Wᵀ once for four examples and gives each row
// the bits of vec.AddScaledRows over the rows of Wᵀ scaled by the
// example's d.
func (l LayerOf[T]) InputGrad(s *ScratchOf[T], din, d []T, rows int) {
	s.wT = transpose(s.wT, l.W, l.In, l.Out)
	par.For(rows, rowGrain(rows*l.In*l.Out, rows), func(lo, hi int) {
		t := din[lo*l.In : hi*l.In]
		clear(t)
		vecof.AddMatMul(t, l.In, d[lo*l.Out:hi*l.Out], l.Out, s.wT, l.In)
	})
}

// SparseGrad writes the gradients of the last AffineSparse call on s with
// input x, for d, the gradient with respect to its output: the weight
// gradient gw only in the rows of the columns x uses, after clearing the
// rows that touched lists from the previous call (which it then replaces
// with the new rows), and the bias gradient gb. Used alone on a gradient
// that starts at zero, it keeps every row outside touched.Rows zero.
// It panics if the shapes do not match.
func (l LayerOf[T]) SparseGrad(s *ScratchOf[T], gw, gb, d []T, x *SparseOf[T], touched *Touched) {
	rows := x.Rows
	if x.Cols != l.In || len(d) != rows*l.Out || len(gw) != l.In*l.Out || len(gb) != l.Out {
		panic("mlp: Layer.SparseGrad shapes do not match")
	}
	touched.update(x.Col, l.In)
	for _, c := range touched.stale {
		clear(gw[c*l.Out : (c+1)*l.Out])
	}
	if s.plan.used {
		l.backwardBinary(s, rows, d, gw, gb, touched.Rows)
		return
	}
	l.BiasGrad(s, gb, d, rows)
	// Gather each touched weight row's gradient from the rows of d that use
	// it (x's transpose), in ascending row order, a block of columns at a
	// time so that the block of d stays in cache across the touched rows.
	// vec.SumScaledRows writes the sums without first reading (or
	// clearing) the rows, last written a step ago and mostly out of cache.
	// Each part owns whole weight rows, so the sums run in the same order
	// however many parts there are.
	csc := &s.csc
	csc.transpose(x)
	par.For(len(touched.Rows), rowGrain(len(x.Col)*l.Out, len(touched.Rows)), func(lo, hi int) {
		bw := blockWidth(l2Doubles/2, rows, l.Out)
		for blo := 0; blo < l.Out; blo += bw {
			bhi := min(blo+bw, l.Out)
			for _, c := range touched.Rows[lo:hi] {
				k0, k1 := csc.Ptr[c], csc.Ptr[c+1]
				vecof.SumScaledRows(gw[c*l.Out+blo:c*l.Out+bhi], d[blo:], l.Out, csc.Col[k0:k1], csc.Val[k0:k1])
			}
		}
	})
}

// update makes t.Rows the columns x uses, ascending, and t.stale the rows
// of the previous Rows that are not among them.
func (t *Touched) update(cols []int, in int) {
	if len(t.mark) != in {
		t.mark = make([]bool, in)
	}
	gone := t.stale[:0]
	for _, c := range cols {
		t.mark[c] = true
	}
	for _, c := range t.Rows {
		if !t.mark[c] {
			gone = append(gone, c)
		}
	}
	t.stale = gone
	t.Rows = t.Rows[:0]
	if in <= 16*len(cols) {
		// Reading the marks in order is cheaper than sorting (a minibatch
		// of bags of words marks most of the vocabulary).
		for c, m := range t.mark {
			if m {
				t.mark[c] = false
				t.Rows = append(t.Rows, c)
			}
		}
		return
	}
	for _, c := range cols {
		if t.mark[c] {
			t.mark[c] = false
			t.Rows = append(t.Rows, c)
		}
	}
	slices.Sort(t.Rows)
}

// transpose writes the transpose of the rows×cols matrix a into dst
// (grown as needed) and returns it. It copies tiles of tile×tile values,
// so that both matrices are read and written a few cache lines at a time
// (row by row, the writes to dst strode a whole column apart: the
// hidden layer's 64×500 input and 500×50 weights took 1.8 times as long,
// the fastest of 5 interleaved runs each; tiles of 8 and 32 were slower),
// and within a tile four rows of a at a time, each column's four values
// written together (1.7–2.0 times as fast as a row at a time on those two
// shapes, load 17, one core; eight rows at a time were no faster).
func transpose[T Float](dst, a []T, rows, cols int) []T {
	dst = scratch.Grow(dst, rows*cols)
	for r0 := 0; r0 < rows; r0 += tile {
		r1 := min(r0+tile, rows)
		for c0 := 0; c0 < cols; c0 += tile {
			c1 := min(c0+tile, cols)
			r := r0
			for ; r+4 <= r1; r += 4 {
				s0 := a[r*cols+c0 : r*cols+c1]
				s1 := a[(r+1)*cols+c0 : (r+1)*cols+c1][:len(s0)]
				s2 := a[(r+2)*cols+c0 : (r+2)*cols+c1][:len(s0)]
				s3 := a[(r+3)*cols+c0 : (r+3)*cols+c1][:len(s0)]
				for j := range s0 {
					o := dst[(c0+j)*rows+r : (c0+j)*rows+r+4 : (c0+j)*rows+r+4]
					o[0], o[1], o[2], o[3] = s0[j], s1[j], s2[j], s3[j]
				}
			}
			for ; r < r1; r++ {
				for c, v := range a[r*cols+c0 : r*cols+c1] {
					dst[(c0+c)*rows+r] = v
				}
			}
		}
	}
	return dst
}

// tile is transpose's tile size: 16 rows of 16 float64s, 2 KB.
const tile = 16
