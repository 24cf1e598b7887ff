package vec

// RowProductSum returns the sum over the first n columns of the element-wise
// product of rows of src, a row-major matrix with the given stride:
//
//	Σ_{i<n} Π_k src[rows[k]*stride + i],
//
// each product formed in k order (src[rows[0]*stride+i] times the next
// row's element, and so on), rounded at every step, so that every column's
// product is bit-for-bit that of the Go loop. The columns' products are
// added in a different order from the Go loop's left-to-right sum (in 64
// interleaved partial sums with AVX-512), so the result may differ from it
// in the last bits: for terms of one sign by at most about n·2⁻⁵³ of the sum.
// As in AddScaledRows, src may be a matrix's backing array resliced at a
// column offset, the stride staying the full row length. It returns 0 for
// n = 0.
//
// It is the sum of a softmax's exponentials when they factor into tables
// (package mlp's BinaryLSE): a linear layer's exponentials of a binary
// input are products of exponentials of sums of weight rows.
//
// It panics if rows is empty, n < 0, or any row k has rows[k] < 0 or
// rows[k]*stride+n > len(src).
func RowProductSum(src []float64, stride, n int, rows []int) float64 {
	if len(rows) == 0 {
		panic("vec: RowProductSum without rows")
	}
	if n < 0 {
		panic("vec: RowProductSum with n < 0")
	}
	if !checkRows("RowProductSum", n, len(src), stride, rows, len(rows)) {
		return 0
	}
	return rowProductSum(src, stride, n, rows)
}

// rowProductSumGo is RowProductSum's reference; the caller has checked the
// rows.
func rowProductSumGo(src []float64, stride, n int, rows []int) float64 {
	s := 0.0
	for i := range n {
		p := src[rows[0]*stride+i]
		for _, r := range rows[1:] {
			p *= src[r*stride+i]
		}
		s += p
	}
	return s
}
