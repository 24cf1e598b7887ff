//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernels in vec_amd64.s. They need AVX2 (the
// 256-bit integer shift in ExpShift) and FMA (ExpShift's polynomial); the
// bit-identical kernels use neither fused operation.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX512 selects, where useAVX2 is also set, the AVX-512 kernels of
// vec512_amd64.s for the kernels that have one (AddScaledRows, Adam,
// ExpShift, AddScaled, Add); Max stays on AVX2. They use AVX-512F only
// (x/sys/cpu also checks that the OS saves the ZMM and opmask registers).
// useAVX2 is the master switch: with it off, the Go loops run.
var useAVX512 = useAVX2 && cpu.X86.HasAVX512F

// The assembly kernels take their length from x (g for Adam); the callers
// below reslice the other operands to that length first, so that a short
// buffer panics in Go instead of being overrun.

//go:noescape
func addScaledAVX2(dst []float64, a float64, x []float64)

//go:noescape
func addAVX2(dst, x []float64)

// addScaledRowsAVX2 trusts its caller: every row r must have r ≥ 0 and
// r*stride+len(dst) ≤ len(src), len(scales) ≥ len(rows), and dst must not
// overlap src.
//
//go:noescape
func addScaledRowsAVX2(dst, src []float64, stride int, rows []int, scales []float64)

//go:noescape
func adamAVX2(p, g, m, v []float64, b1, nb1, b2, nb2, step, ic2, eps float64)

//go:noescape
func expShiftAVX2(dst, x []float64, shift float64) float64

//go:noescape
func maxAVX2(x []float64) float64

// The AVX-512 kernels take the same arguments, with the same trust, as
// their AVX2 counterparts.

//go:noescape
func addScaledAVX512(dst []float64, a float64, x []float64)

//go:noescape
func addAVX512(dst, x []float64)

//go:noescape
func addScaledRowsAVX512(dst, src []float64, stride int, rows []int, scales []float64)

//go:noescape
func adamAVX512(p, g, m, v []float64, b1, nb1, b2, nb2, step, ic2, eps float64)

//go:noescape
func expShiftAVX512(dst, x []float64, shift float64) float64

func addScaled(dst []float64, a float64, x []float64) {
	if !useAVX2 {
		addScaledGo(dst, a, x)
		return
	}
	if useAVX512 {
		addScaledAVX512(dst[:len(x)], a, x)
		return
	}
	addScaledAVX2(dst[:len(x)], a, x)
}

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

func adam(p, g, m, v []float64, c AdamConst) {
	if !useAVX2 {
		adamGo(p, g, m, v, c)
		return
	}
	n := len(g)
	// 1-Beta1, 1-Beta2 and 1/C2 are rounded here exactly as adamGo rounds them.
	if useAVX512 {
		adamAVX512(p[:n], g, m[:n], v[:n], c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Step, 1/c.C2, c.Eps)
		return
	}
	adamAVX2(p[:n], g, m[:n], v[:n], c.Beta1, 1-c.Beta1, c.Beta2, 1-c.Beta2, c.Step, 1/c.C2, c.Eps)
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
	m := maxAVX2(x)
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
