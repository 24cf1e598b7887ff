package vec

import "math"

// The Go loops are the reference that the assembly kernels match bit for
// bit, one generic loop for the float64 and the float32 kernels. Go lets a
// compiler fuse x*y + z into one FMA (it does for GOAMD64=v3 and on arm64,
// ppc64le, s390x and riscv64); the explicit conversions to T round each
// product first, which forbids that, so these loops round the same way on
// every architecture.

// float is the element type of the kernels.
type float interface{ float32 | float64 }

func addScaledGo[T float](dst []T, a T, x []T) {
	for i, v := range x {
		dst[i] += T(a * v)
	}
}

// addScaledRowsGo is AddScaledRows's (and AddScaledRows32's) reference: one
// addScaledGo per row. The caller has checked the rows.
func addScaledRowsGo[T float](dst, src []T, stride int, rows []int, scales []T) {
	n := len(dst)
	for k, r := range rows {
		addScaledGo(dst, scales[k], src[r*stride:r*stride+n])
	}
}

func addGo[T float](dst, x []T) {
	for i, v := range x {
		dst[i] += v
	}
}

// expShiftGo is ExpShift's and ExpShift32's reference: each exponential
// rounded to T, x[i]−shift computed in T, the sum of the rounded terms
// accumulated in float64 from left to right.
func expShiftGo[T float](dst, x []T, shift T) float64 {
	s := 0.0
	for i, v := range x {
		e := T(math.Exp(float64(v - shift)))
		dst[i] = e
		s += float64(e)
	}
	return s
}

func maxGo[T float](x []T) T {
	m := T(math.Inf(-1))
	for _, v := range x {
		if v > m || v != v {
			m = v
			if v != v {
				return v
			}
		}
	}
	return m
}
