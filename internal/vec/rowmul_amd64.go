//go:build amd64 && !purego

package vec

// rowProductSum runs the AVX-512 kernel where there is one; RowProductSum
// has no AVX2 kernel.
func rowProductSum(src []float64, stride, n int, rows []int) float64 {
	if useAVX2 && useAVX512 { // useAVX2 is the master switch
		return rowProductSumAVX512(src, stride, rows, n)
	}
	return rowProductSumGo(src, stride, n, rows)
}
