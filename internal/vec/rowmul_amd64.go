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

// rowProducts runs the AVX-512 kernel on each block where there is one.
func rowProducts(dst []float64, ld int, src []float64, nrows, n int, rows []int, scale []float64, k int) {
	if !(useAVX2 && useAVX512) {
		rowProductsGo(dst, ld, src, nrows, n, rows, scale, k)
		return
	}
	for lo := 0; lo < n; lo += RowLanesBlock {
		rowProductsAVX512(dst[lo:], ld, src[lo*nrows:], rows, scale, k, min(RowLanesBlock, n-lo))
	}
}
