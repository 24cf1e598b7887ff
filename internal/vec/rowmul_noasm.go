//go:build !amd64 || purego

package vec

func rowProductLanes(dst, src []float64, nrows, n int, rows []int, k int) {
	rowProductLanesGo(dst, src, nrows, n, rows, k)
}

func rowProducts(dst []float64, ld int, src []float64, nrows, n int, rows []int, scale []float64, k int) {
	rowProductsGo(dst, ld, src, nrows, n, rows, scale, k)
}
