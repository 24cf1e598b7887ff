//go:build !amd64 || purego

package vec

func add(dst, x []float64)                             { addGo(dst, x) }
func expShift(dst, x []float64, shift float64) float64 { return expShiftGo(dst, x, shift) }
func maxOf(x []float64) float64                        { return maxGo(x) }

func addScaledRowsAhead(dst, src []float64, stride int, rows []int, scales []float64) {
	addScaledRowsGo(dst, src, stride, rows, scales)
}

func sumScaledRows(dst, src []float64, stride int, rows []int, scales []float64) {
	clear(dst)
	addScaledRowsGo(dst, src, stride, rows, scales)
}

func addScaledRows(dst, src []float64, stride int, rows []int, scales []float64) {
	addScaledRowsGo(dst, src, stride, rows, scales)
}
