//go:build amd64 && !purego

package vec

// The assembly in tanh_amd64.s (declared in tanh_stub_amd64.go) takes its
// length from x (d for TanhGrad); the callers reslice the other operand
// first, so that a short buffer panics in Go instead of being overrun.
// tanhAVX512 gives the same bits as tanhAVX2, eight lanes at a time;
// TanhGrad, bound by memory, has only the AVX2 kernel.

func tanh(dst, x []float64) {
	if !useAVX2 {
		tanhGo(dst, x)
		return
	}
	if useAVX512 {
		tanhAVX512(dst[:len(x)], x)
		return
	}
	tanhAVX2(dst[:len(x)], x)
}

func tanhGrad(d, y []float64) {
	if !useAVX2 {
		tanhGradGo(d, y)
		return
	}
	tanhGradAVX2(d, y[:len(d)])
}
