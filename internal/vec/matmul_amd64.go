//go:build amd64 && !purego

package vec

// addMatMul expects shapes checked as AddMatMul checks them.
func addMatMul(dst []float64, n int, a []float64, m int, src []float64, stride int) {
	switch {
	case useAVX512:
		addMatMulAVX512(dst, a, src[:(m-1)*stride+n], len(dst)/n, m, n, stride)
	case useAVX2:
		addMatMulAVX2(dst, a, src[:(m-1)*stride+n], len(dst)/n, m, n, stride)
	default:
		addMatMulRows(dst, n, a, m, src, stride, addScaledRows)
	}
}
