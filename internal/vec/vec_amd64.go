//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernels in vec_amd64.s. They need AVX2 (the
// 256-bit integer shift in ExpShift) and FMA (ExpShift's polynomial); the
// bit-identical kernels use neither fused operation.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX512 selects, where useAVX2 is also set, the AVX-512 kernels for
// the kernels that have one (docs/kernels.md lists them: all but Max and
// TanhGrad, which stay on AVX2). They use AVX-512F only
// (x/sys/cpu also checks that the OS saves the ZMM and opmask registers).
// useAVX2 is the master switch: with it off, the Go loops run.
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F

// The assembly kernels (vec_stub_amd64.go, vec512_stub_amd64.go) take their
// length from x; the callers below reslice the other operands to that length
// first, so that a short buffer panics in Go instead of being overrun.

// addScaledRows expects rows checked as AddScaledRows checks them.
func addScaledRows(dst, src []float64, stride int, rows []int, scales []float64) {
	if !useAVX2 {
		addScaledRowsGo(dst, src, stride, rows, scales)
		return
	}
	if useAVX512 {
		addScaledRowsAVX512(dst, src, stride, rows, scales[:len(rows)])
		return
	}
	addScaledRowsAVX2(dst, src, stride, rows, scales[:len(rows)])
}

// addScaledRowsAhead expects rows checked as AddScaledRows checks them.
func addScaledRowsAhead(dst, src []float64, stride int, rows []int, scales []float64) {
	switch {
	case useAVX512:
		addScaledRowsAheadAVX512(dst, src, stride, rows, scales[:len(rows)])
	case useAVX2:
		addScaledRowsAheadAVX2(dst, src, stride, rows, scales[:len(rows)])
	default:
		addScaledRowsGo(dst, src, stride, rows, scales)
	}
}

// sumScaledRows expects rows checked as AddScaledRows checks them, and at
// least one.
func sumScaledRows(dst, src []float64, stride int, rows []int, scales []float64) {
	switch {
	case useAVX512:
		sumScaledRowsAVX512(dst, src, stride, rows, scales[:len(rows)])
	case useAVX2:
		sumScaledRowsAVX2(dst, src, stride, rows, scales[:len(rows)])
	default:
		clear(dst)
		addScaledRowsGo(dst, src, stride, rows, scales)
	}
}

func add(dst, x []float64) {
	if !useAVX2 {
		addGo(dst, x)
		return
	}
	if useAVX512 {
		addAVX512(dst[:len(x)], x)
		return
	}
	addAVX2(dst[:len(x)], x)
}

func expShift(dst, x []float64, shift float64) float64 {
	if !useAVX2 {
		return expShiftGo(dst, x, shift)
	}
	if useAVX512 {
		return expShiftAVX512(dst[:len(x)], x, shift)
	}
	return expShiftAVX2(dst[:len(x)], x, shift)
}

func maxOf(x []float64) float64 {
	if !useAVX2 {
		return maxGo(x)
	}
	return maxFix(x, maxAVX2(x))
}

// maxFix returns maxGo(x) given m, the assembly's maximum of x.
func maxFix[T float](x []T, m T) T {
	if m != m {
		// A NaN is in x: maxGo returns the first one, payload and all.
		return maxGo(x)
	}
	if m == 0 {
		// VMAXPD picks between +0 and −0 by lane and operand order;
		// maxGo returns the first element equal to the maximum.
		for _, v := range x {
			if v == 0 {
				return v
			}
		}
	}
	return m
}
