package mlp

import (
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vecof"
)

// SparseOf is a matrix in compressed-row form, the input of ForwardSparse:
// row r's nonzero entries are in columns Col[Ptr[r]:Ptr[r+1]] with values
// Val[Ptr[r]:Ptr[r+1]]. A bag of words has about 60 of 2,000 columns
// nonzero, a binary code about half of its K; skipping the zeros is what
// makes the first layer cheap.
type SparseOf[T Float] struct {
	Rows, Cols int
	Ptr        []int // Rows+1 offsets, Ptr[0] = 0
	Col        []int
	Val        []T
}

// Sparse is a float64 sparse matrix.
type Sparse = SparseOf[float64]

// ConvertSparse makes dst hold src's entries with its values converted to
// dst's element type; dst shares src's Ptr and Col (valid until src is
// next reset) and keeps its own Val.
func ConvertSparse[D, S Float](dst *SparseOf[D], src *SparseOf[S]) {
	dst.Rows, dst.Cols, dst.Ptr, dst.Col = src.Rows, src.Cols, src.Ptr, src.Col
	dst.Val = scratch.Grow(dst.Val, len(src.Val))
	vecof.Convert(dst.Val, src.Val)
}

// Reset empties s for rows of cols columns, keeping its storage.
func (s *SparseOf[T]) Reset(cols int) {
	s.Rows, s.Cols = 0, cols
	s.Ptr = append(s.Ptr[:0], 0)
	s.Col, s.Val = s.Col[:0], s.Val[:0]
}

// Append adds the entry (col, val) to the row being built; EndRow ends it.
func (s *SparseOf[T]) Append(col int, val T) {
	s.Col = append(s.Col, col)
	s.Val = append(s.Val, val)
}

// EndRow ends the row being built.
func (s *SparseOf[T]) EndRow() {
	s.Ptr = append(s.Ptr, len(s.Col))
	s.Rows++
}

// SetDense makes s hold the nonzeros of x, a row-major matrix of cols
// columns.
// It panics if len(x) is not a multiple of cols.
func (s *SparseOf[T]) SetDense(x []T, cols int) {
	if cols < 1 || len(x)%cols != 0 {
		panic("mlp: Sparse.SetDense length is not a multiple of the columns")
	}
	s.Reset(cols)
	// Every entry is written, and the next one written over it if it is
	// zero: no branch to mispredict on codes of random zeros and ones.
	s.Col, s.Val = scratch.Grow(s.Col, len(x)), scratch.Grow(s.Val, len(x))
	n := 0
	for r := 0; r < len(x)/cols; r++ {
		for c, v := range x[r*cols : (r+1)*cols] {
			s.Col[n], s.Val[n] = c, v
			if v != 0 {
				n++
			}
		}
		s.Ptr = append(s.Ptr, n)
	}
	s.Rows = len(x) / cols
	s.Col, s.Val = s.Col[:n], s.Val[:n]
}

// Dense writes s into dst as a row-major Rows×Cols matrix.
// It panics if len(dst) != Rows*Cols.
func (s *SparseOf[T]) Dense(dst []T) {
	if len(dst) != s.Rows*s.Cols {
		panic("mlp: Sparse.Dense buffer has the wrong length")
	}
	clear(dst)
	for r := 0; r < s.Rows; r++ {
		for k := s.Ptr[r]; k < s.Ptr[r+1]; k++ {
			dst[r*s.Cols+s.Col[k]] += s.Val[k]
		}
	}
}

// Touched lists the rows of a first-layer weight gradient that
// BackwardSparse wrote; every other row of that gradient is zero. It is
// kept beside the gradient network it describes, from one call to the next,
// so that each call clears only the rows the previous one wrote.
type Touched struct {
	Rows  []int // ascending
	mark  []bool
	stale []int
}

// ForwardSparse is Forward for an input given by its nonzeros: the first
// layer is Layer.AffineSparse. The result is owned by ws, valid until the
// next call with ws.
// It panics if x.Cols != n.In().
func (n *NetOf[T]) ForwardSparse(ws *WorkspaceOf[T], x *SparseOf[T]) []T {
	if x.Cols != n.In() {
		panic("mlp: sparse input has the wrong number of columns")
	}
	ws.ensure(n, x.Rows)
	n.Layers[0].AffineSparse(&ws.s, ws.pre[0], x)
	return n.forwardFrom(ws)
}

// BackwardSparse is Backward for the input of the last ForwardSparse call on
// ws. It writes the first layer's weight gradient only in the rows of the
// columns x uses, as Layer.SparseGrad does, recording them in touched; the
// rest of grad is overwritten as by Backward.
// It panics if the shapes do not match that ForwardSparse call.
func (n *NetOf[T]) BackwardSparse(ws *WorkspaceOf[T], x *SparseOf[T], dOut []T, grad *NetOf[T], touched *Touched) {
	rows := ws.rows
	if len(dOut) != rows*n.Out() || x.Rows != rows || x.Cols != n.In() {
		panic("mlp: BackwardSparse shapes do not match the last ForwardSparse")
	}
	d := n.backwardTo(ws, dOut, grad)
	n.Layers[0].SparseGrad(&ws.s, grad.Layers[0].W, grad.Layers[0].B, d, x, touched)
}

// Cache sizes: the 48 KiB level-1 data cache (in bytes) and the 1 MiB
// level-2 cache (in float64s) of this project's machines (AMD Zen 5). They
// only set block widths; any values give the same results.
const (
	l1Bytes   = 48 << 10
	l2Doubles = 128 << 10
)

// blockWidth returns the width of the column blocks in which to read a
// matrix of the given rows and cols so that a block of it fits in a cache
// of the given size in elements: a multiple of 48, a whole number of the
// gather kernel's blocks (48 wide in AVX2; 48, 96 and 192 in AVX-512), or
// all the columns when even 48 would not fit.
func blockWidth(cache, rows, cols int) int {
	w := cache / max(rows, 1) / 48 * 48
	if w < 48 || w >= cols {
		return cols
	}
	return w
}

// transpose makes t the transpose of x, with each row's entries in
// ascending column order.
func (t *SparseOf[T]) transpose(x *SparseOf[T]) {
	t.Rows, t.Cols = x.Cols, x.Rows
	t.Ptr = scratch.Grow(t.Ptr, x.Cols+1)
	clear(t.Ptr)
	for _, c := range x.Col {
		t.Ptr[c+1]++
	}
	for c := 0; c < x.Cols; c++ {
		t.Ptr[c+1] += t.Ptr[c]
	}
	nnz := len(x.Col)
	t.Col = scratch.Grow(t.Col, nnz)
	t.Val = scratch.Grow(t.Val, nnz)
	next := t.Ptr[:x.Cols] // advanced as entries land, then restored
	for r := 0; r < x.Rows; r++ {
		for k := x.Ptr[r]; k < x.Ptr[r+1]; k++ {
			c := x.Col[k]
			t.Col[next[c]] = r
			t.Val[next[c]] = x.Val[k]
			next[c]++
		}
	}
	// next[c] now holds the end of column c, the start of column c+1.
	copy(t.Ptr[1:], next)
	t.Ptr[0] = 0
}

// minParallelWork is the number of element operations below which a loop
// is not worth splitting across cores.
const minParallelWork = 1 << 15

// rowGrain returns par.For's grain for a loop over rows doing work element
// operations in all: every row may be its own part when the whole is big
// enough, else one part does it all.
func rowGrain(work, rows int) int {
	if work < minParallelWork {
		return max(rows, 1)
	}
	return 1
}

// colGrain returns par.For's grain for a loop over cols columns, each
// touched by nnz row operations: parts of at least 64 columns (whole cache
// lines of a row), once the work is big enough.
func colGrain(nnz, cols int) int {
	if nnz*cols < minParallelWork {
		return max(cols, 1)
	}
	return 64
}
