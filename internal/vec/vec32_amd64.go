//go:build amd64 && !purego

package vec

// The float32 kernels of vec32_amd64.s (declared in vec32_stub_amd64.go)
// follow useAVX2 and useAVX512 as the float64 ones do, and take their
// lengths as they do; the callers below reslice the other operands first,
// so that a short buffer panics in Go instead of being overrun.

// addScaledRows32 expects rows checked as AddScaledRows32 checks them.
func addScaledRows32(dst, src []float32, stride int, rows []int, scales []float32) {
	if !useAVX2 {
		addScaledRowsGo(dst, src, stride, rows, scales)
		return
	}
	if useAVX512 {
		addScaledRows32AVX512(dst, src, stride, rows, scales[:len(rows)])
		return
	}
	addScaledRows32AVX2(dst, src, stride, rows, scales[:len(rows)])
}

// addScaledRowsAhead32 expects rows checked as AddScaledRows32 checks them.
func addScaledRowsAhead32(dst, src []float32, stride int, rows []int, scales []float32) {
	switch {
	case useAVX512:
		addScaledRowsAhead32AVX512(dst, src, stride, rows, scales[:len(rows)])
	case useAVX2:
		addScaledRowsAhead32AVX2(dst, src, stride, rows, scales[:len(rows)])
	default:
		addScaledRowsGo(dst, src, stride, rows, scales)
	}
}

// sumScaledRows32 expects rows checked as AddScaledRows32 checks them, and
// at least one.
func sumScaledRows32(dst, src []float32, stride int, rows []int, scales []float32) {
	switch {
	case useAVX512:
		sumScaledRows32AVX512(dst, src, stride, rows, scales[:len(rows)])
	case useAVX2:
		sumScaledRows32AVX2(dst, src, stride, rows, scales[:len(rows)])
	default:
		clear(dst)
		addScaledRowsGo(dst, src, stride, rows, scales)
	}
}

// addMatMul32 expects shapes checked as AddMatMul32 checks them.
func addMatMul32(dst []float32, n int, a []float32, m int, src []float32, stride int) {
	switch {
	case useAVX512:
		addMatMul32AVX512(dst, a, src[:(m-1)*stride+n], len(dst)/n, m, n, stride)
	case useAVX2:
		addMatMul32AVX2(dst, a, src[:(m-1)*stride+n], len(dst)/n, m, n, stride)
	default:
		addMatMulRows(dst, n, a, m, src, stride, addScaledRows32)
	}
}

func expShift32(dst, x []float32, shift float32) float64 {
	if !useAVX2 {
		return expShiftGo(dst, x, shift)
	}
	if useAVX512 {
		return expShift32AVX512(dst[:len(x)], x, shift)
	}
	return expShift32AVX2(dst[:len(x)], x, shift)
}

func maxOf32(x []float32) float32 {
	if !useAVX2 {
		return maxGo(x)
	}
	return maxFix(x, max32AVX2(x))
}

func adamF32(p, g, m, v []float32, c AdamConst) {
	if !useAVX2 {
		adam32Go(p, g, m, v, c)
		return
	}
	n := len(g)
	// 1-Beta1, 1-Beta2 and 1/C2 are rounded here exactly as adam32Go rounds them.
	if useAVX512 {
		adamF32AVX512(p[:n], g, m[:n], v[:n], c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Step, 1/c.C2, c.Eps)
		return
	}
	adamF32AVX2(p[:n], g, m[:n], v[:n], c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Step, 1/c.C2, c.Eps)
}

func add32(dst, x []float32) {
	if !useAVX2 {
		addGo(dst, x)
		return
	}
	if useAVX512 {
		add32AVX512(dst[:len(x)], x)
		return
	}
	add32AVX2(dst[:len(x)], x)
}

func scaleTo32(dst []float32, a float32, x []float32) {
	switch {
	case useAVX512:
		scaleTo32AVX512(dst[:len(x)], a, x)
	case useAVX2:
		scaleTo32AVX2(dst[:len(x)], a, x)
	default:
		scaleToGo(dst, a, x)
	}
}

func tanh32(dst, x []float32) {
	if !useAVX2 {
		tanhGo(dst, x)
		return
	}
	if useAVX512 {
		tanh32AVX512(dst[:len(x)], x)
		return
	}
	tanh32AVX2(dst[:len(x)], x)
}

// tanhGrad32, as tanhGrad, has only the AVX2 kernel.
func tanhGrad32(d, y []float32) {
	if !useAVX2 {
		tanhGradGo(d, y)
		return
	}
	tanhGrad32AVX2(d, y[:len(d)])
}
