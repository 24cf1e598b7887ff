//go:build amd64 && !purego

package vec

// rowProductLanes runs the AVX-512 kernel on each block where there is
// one.
func rowProductLanes(dst, src []float64, nrows, n int, rows []int, k int) {
	if !(useAVX2 && useAVX512) {
		rowProductLanesGo(dst, src, nrows, n, rows, k)
		return
	}
	for lo := 0; lo < n; lo += RowLanesBlock {
		rowProductLanesAVX512(dst, src[lo*nrows:], RowLanesBlock, rows, k, min(RowLanesBlock, n-lo))
	}
}

// rowProductsScatter runs the AVX-512 kernel on each block where there is
// one: all rows of products take a block before the next, as the Go loop
// does, so that each element of dst takes its terms in the same order.
func rowProductsScatter(dst []float64, ld int, src []float64, nrows, n int, rows []int, scale []float64, k int) {
	if !(useAVX2 && useAVX512) {
		rowProductsScatterGo(dst, ld, src, nrows, n, rows, scale, k)
		return
	}
	for lo := 0; lo < n; lo += RowLanesBlock {
		rowProductsScatterAVX512(dst[lo:], ld, src[lo*nrows:], rows, scale, k, min(RowLanesBlock, n-lo))
	}
}
