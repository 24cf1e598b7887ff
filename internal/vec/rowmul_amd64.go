//go:build amd64 && !purego

package vec

// rowProductLanes runs the AVX-512 kernel on each block, or the AVX2
// kernel on each whole block and the Go loop on a last partial one.
func rowProductLanes(dst, src []float64, nrows, n int, rows []int, k int) {
	switch {
	case useAVX512:
		for lo := 0; lo < n; lo += RowLanesBlock {
			rowProductLanesAVX512(dst, src[lo*nrows:], RowLanesBlock, rows, k, min(RowLanesBlock, n-lo))
		}
	case useAVX2:
		whole := n / RowLanesBlock * RowLanesBlock
		for lo := 0; lo < whole; lo += RowLanesBlock {
			rowProductLanesAVX2(dst, src[lo*nrows:], RowLanesBlock, rows, k)
		}
		if whole < n {
			// Column whole+i goes to lane i mod 8: whole is a multiple of 16.
			rowProductLanesGo(dst, src[whole*nrows:], nrows, n-whole, rows, k)
		}
	default:
		rowProductLanesGo(dst, src, nrows, n, rows, k)
	}
}

// rowProducts runs the AVX-512 kernel on each block, or the AVX2 kernel
// on each whole block and the Go loop on a last partial one.
func rowProducts(dst []float64, ld int, src []float64, nrows, n int, rows []int, scale []float64, k int) {
	switch {
	case useAVX512:
		for lo := 0; lo < n; lo += RowLanesBlock {
			rowProductsAVX512(dst[lo:], ld, src[lo*nrows:], rows, scale, k, min(RowLanesBlock, n-lo))
		}
	case useAVX2:
		whole := n / RowLanesBlock * RowLanesBlock
		for lo := 0; lo < whole; lo += RowLanesBlock {
			rowProductsAVX2(dst[lo:], ld, src[lo*nrows:], rows, scale, k)
		}
		if whole < n {
			rowProductsGo(dst[whole:], ld, src[whole*nrows:], nrows, n-whole, rows, scale, k)
		}
	default:
		rowProductsGo(dst, ld, src, nrows, n, rows, scale, k)
	}
}
