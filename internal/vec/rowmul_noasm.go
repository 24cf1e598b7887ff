//go:build !amd64 || purego

package vec

func rowProductSum(src []float64, stride, n int, rows []int) float64 {
	return rowProductSumGo(src, stride, n, rows)
}
