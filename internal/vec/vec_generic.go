package vec

import "math"

// The Go loops are the reference that the assembly kernels match bit for
// bit. Go lets a compiler fuse x*y + z into one FMA (it does for GOAMD64=v3
// and on arm64, ppc64le, s390x and riscv64); the explicit float64
// conversions round each product first, which forbids that, so these loops
// round the same way on every architecture.

func addScaledGo(dst []float64, a float64, x []float64) {
	for i, v := range x {
		dst[i] += float64(a * v)
	}
}

// addScaledRowsGo is AddScaledRows's reference: one addScaledGo per row.
// The caller has checked the rows.
func addScaledRowsGo(dst, src []float64, stride int, rows []int, scales []float64) {
	n := len(dst)
	for k, r := range rows {
		addScaledGo(dst, scales[k], src[r*stride:r*stride+n])
	}
}

func addGo(dst, x []float64) {
	for i, v := range x {
		dst[i] += v
	}
}

func expShiftGo(dst, x []float64, shift float64) float64 {
	s := 0.0
	for i, v := range x {
		e := math.Exp(v - shift)
		dst[i] = e
		s += e
	}
	return s
}

func maxGo(x []float64) float64 {
	m := math.Inf(-1)
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
