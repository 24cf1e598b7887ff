//go:build !amd64 || purego

package vec

func add32(dst, x []float32)                             { addGo(dst, x) }
func scaleTo32(dst []float32, a float32, x []float32)    { scaleToGo(dst, a, x) }
func tanh32(dst, x []float32)                            { tanhGo(dst, x) }
func tanhGrad32(d, y []float32)                          { tanhGradGo(d, y) }
func maxOf32(x []float32) float32                        { return maxGo(x) }
func expShift32(dst, x []float32, shift float32) float64 { return expShiftGo(dst, x, shift) }
func adamF32(p, g, m, v []float32, c AdamConst)          { adam32Go(p, g, m, v, c) }

func addScaledRows32(dst, src []float32, stride int, rows []int, scales []float32) {
	addScaledRowsGo(dst, src, stride, rows, scales)
}

func addScaledRowsAhead32(dst, src []float32, stride int, rows []int, scales []float32) {
	addScaledRowsGo(dst, src, stride, rows, scales)
}

func sumScaledRows32(dst, src []float32, stride int, rows []int, scales []float32) {
	clear(dst)
	addScaledRowsGo(dst, src, stride, rows, scales)
}

func addMatMul32(dst []float32, n int, a []float32, m int, src []float32, stride int) {
	addMatMulRows(dst, n, a, m, src, stride, addScaledRows32)
}
