//go:build !amd64 || purego

package vec

func rowProductLanes(dst, src []float64, nrows, n int, rows []int, k int) {
	rowProductLanesGo(dst, src, nrows, n, rows, k)
}
