package vec

// RowProductLanes adds, for each of the R = len(dst)/8 rows of products,
// the element-wise products of k = len(rows)/R rows of a matrix (row r's
// are rows[r*k] to rows[r*k+k-1]) over its first n columns into the row's
// eight lanes, column i into lane i mod 8:
//
//	dst[8r + i%8] += Π_g M[rows[r*k+g]][i],  i = 0, 1, …, n−1,
//
// each product formed in g order and each lane's terms added in ascending
// order of i, rounded at every step, so that the result is bit for bit
// that of the Go loop (up to the sign of a zero lane to which nothing
// nonzero was added). The caller adds a row's lanes in an order of its
// choosing.
//
// The matrix M, of nrows rows, is stored in src in blocks of
// RowLanesBlock columns: block b (columns b·RowLanesBlock onwards) is an
// nrows×RowLanesBlock row-major matrix from src[b·nrows·RowLanesBlock], the
// last block's columns past n unused; RowLanesLen gives the length. All
// rows take each block in turn, so that the block (24 KB for package mlp's
// BinaryLSE: 192 table rows) stays in the level-1 cache and in a few pages.
//
// It panics if len(dst) is not a positive multiple of 8, len(rows) is not
// a positive multiple of R, n < 0, len(src) < RowLanesLen(nrows, n), or a
// row is outside [0, nrows).
func RowProductLanes(dst, src []float64, nrows, n int, rows []int) {
	if len(dst) == 0 || len(dst)%8 != 0 {
		panic("vec: RowProductLanes: len(dst) is not a positive multiple of 8")
	}
	R := len(dst) / 8
	if len(rows) == 0 || len(rows)%R != 0 {
		panic("vec: RowProductLanes: len(rows) is not a positive multiple of the rows of products")
	}
	if n < 0 {
		panic("vec: RowProductLanes with n < 0")
	}
	if len(src) < RowLanesLen(nrows, n) {
		panic("vec: RowProductLanes: src is shorter than its blocks")
	}
	for _, r := range rows {
		if uint(r) >= uint(nrows) {
			panic("vec: RowProductLanes: a row outside the matrix")
		}
	}
	if n > 0 {
		rowProductLanes(dst, src, nrows, n, rows, len(rows)/R)
	}
}

// RowLanesBlock is the columns of one of RowProductLanes' blocks.
const RowLanesBlock = 16

// RowLanesLen returns the length of RowProductLanes' blocked form of a
// matrix of nrows rows and n columns.
func RowLanesLen(nrows, n int) int {
	return (n + RowLanesBlock - 1) / RowLanesBlock * nrows * RowLanesBlock
}

// rowProductLanesGo is RowProductLanes' reference; the caller has checked
// the rows.
func rowProductLanesGo(dst, src []float64, nrows, n int, rows []int, k int) {
	at := func(j, i int) float64 {
		return src[i/RowLanesBlock*nrows*RowLanesBlock+j*RowLanesBlock+i%RowLanesBlock]
	}
	for r := range len(dst) / 8 {
		rr := rows[r*k : (r+1)*k]
		for i := range n {
			p := at(rr[0], i)
			for _, j := range rr[1:] {
				p *= at(j, i)
			}
			dst[8*r+i%8] += p
		}
	}
}

// RowProducts writes, for each of the R = len(scale) rows of products, the
// scaled element-wise product of its k = len(rows)/R rows of a matrix M
// (row r's are rows[r*k] to rows[r*k+k-1]) over its first n columns into
// row r of dst, from dst[r*ld]:
//
//	dst[r*ld + i] = (Π_g M[rows[r*k+g]][i])·scale[r],  i = 0, 1, …, n−1,
//
// each product formed in g order and scaled last, so that the result is
// bit for bit that of the Go loop. M is stored as RowProductLanes reads it
// (blocks of RowLanesBlock columns, nrows rows), and all rows take each
// block in turn. With M BinaryLSE's tables of exponentials (package mlp)
// and scale[r] = a_r/s_r, row r is a_r times row r's softmax.
//
// It panics if len(scale) = 0, len(rows) is not a positive multiple of
// len(scale), n < 0, ld < n, len(src) < RowLanesLen(nrows, n), dst is
// shorter than (R−1)·ld + n, or a row is outside [0, nrows).
func RowProducts(dst []float64, ld int, src []float64, nrows, n int, rows []int, scale []float64) {
	R := len(scale)
	if R == 0 || len(rows) == 0 || len(rows)%R != 0 {
		panic("vec: RowProducts: len(rows) is not a positive multiple of len(scale)")
	}
	if n < 0 || ld < n {
		panic("vec: RowProducts with n < 0 or ld < n")
	}
	if len(src) < RowLanesLen(nrows, n) {
		panic("vec: RowProducts: src is shorter than its blocks")
	}
	if len(dst) < (R-1)*ld+n {
		panic("vec: RowProducts: dst is shorter than its rows")
	}
	for _, r := range rows {
		if uint(r) >= uint(nrows) {
			panic("vec: RowProducts: a row outside the matrix")
		}
	}
	if n > 0 {
		rowProducts(dst, ld, src, nrows, n, rows, scale, len(rows)/R)
	}
}

// rowProductsGo is RowProducts' reference; the caller has checked its
// arguments.
func rowProductsGo(dst []float64, ld int, src []float64, nrows, n int, rows []int, scale []float64, k int) {
	for lo := 0; lo < n; lo += RowLanesBlock {
		w := min(RowLanesBlock, n-lo)
		blk := src[lo*nrows:]
		for r, s := range scale {
			rr := rows[r*k : (r+1)*k]
			p := dst[r*ld+lo : r*ld+lo+w]
			copy(p, blk[rr[0]*RowLanesBlock:])
			for _, j := range rr[1:] {
				for i, v := range blk[j*RowLanesBlock : j*RowLanesBlock+w] {
					p[i] *= v
				}
			}
			for i := range p {
				p[i] *= s
			}
		}
	}
}
