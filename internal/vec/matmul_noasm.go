//go:build !amd64 || purego

package vec

func addMatMul(dst []float64, n int, a []float64, m int, src []float64, stride int) {
	addMatMulRows(dst, n, a, m, src, stride, addScaledRows)
}
