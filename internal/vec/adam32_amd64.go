//go:build amd64 && !purego

package vec

// The kernels of adam32_amd64.s (declared in adam32_stub_amd64.go) take
// their length from g; adam32 reslices the other operands to it first, so
// that a short buffer panics in Go instead of being overrun. They follow
// useAVX2 and useAVX512.

func adam32(p, g []float64, m, v []float32, c AdamConst) {
	if !useAVX2 {
		adam32Go(p, g, m, v, c)
		return
	}
	n := len(g)
	// 1-Beta1, 1-Beta2 and 1/C2 are rounded here exactly as adam32Go rounds them.
	if useAVX512 {
		adam32AVX512(p[:n], g, m[:n], v[:n], c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Step, 1/c.C2, c.Eps)
		return
	}
	adam32AVX2(p[:n], g, m[:n], v[:n], c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Step, 1/c.C2, c.Eps)
}
