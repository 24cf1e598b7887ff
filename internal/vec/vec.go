// Package vec holds the float64 vector kernels of amvi's hot paths, written
// to a caller's buffer: a sum of scaled rows of a matrix (AddScaledRows),
// Add, ScaleTo, the Adam update with float32 moments (Adam32), tanh and its
// gradient, and the shifted exponential with its sum and the maximum that a
// softmax needs.
//
// On amd64 processors with AVX2 and FMA the kernels run in assembly
// (vec_amd64.s, chosen at run time), and where the processor also has
// AVX-512F, all but Max run on its 512-bit registers (vec512_amd64.s);
// elsewhere, or when built with the purego tag, they run the plain Go
// loops in vec_generic.go. AddScaledRows,
// Add, ScaleTo and Adam32 give bit-for-bit the results of those loops on
// every path (no fused multiply-add, the same order of operations; only the
// payload of a NaN result may differ), so a faster machine does not change
// a training run. ExpShift's exponentials agree with math.Exp to within
// 2 ulp (the assembly is within 1 ulp of the correctly rounded value), and
// its sum is added in a different order from the Go loop's, so it may
// differ from it in the last few bits. Max returns exactly what the Go loop returns.
//
// An output may be the very same slice as an input, but slices that
// overlap at an offset give unspecified results; AddScaledRows's dst must
// not overlap src at all.
package vec

import (
	"fmt"
	"math"
)

// AddScaledRows adds to dst a weighted sum of rows of src, a row-major
// matrix with the given stride:
//
//	dst[i] += Σ_k scales[k] * src[rows[k]*stride + i]   for every i < len(dst),
//
// each product rounded before it is added, the terms added in k order, so
// that the result is bit-for-bit that of the loop
//
//	for k, r := range rows {
//		for i := range dst {
//			dst[i] += float64(scales[k] * src[r*stride+i])
//		}
//	}
//
// Rows may repeat. src may be a matrix's backing array resliced at a column
// offset (src[lo:] with dst of the columns lo to hi), stride staying the full
// row length. dst must not overlap src.
//
// It panics if len(rows) != len(scales) or any row k has rows[k] < 0 or
// rows[k]*stride+len(dst) > len(src) (with a negative stride only row 0 is
// in range); all rows are checked before dst is written.
//
// The assembly keeps 48 elements of dst (192 with AVX-512) in registers
// while it adds the terms of every row to them, so it reads and writes dst
// once rather than once per row.
func AddScaledRows(dst, src []float64, stride int, rows []int, scales []float64) {
	if len(rows) != len(scales) {
		panic("vec: AddScaledRows lengths of rows and scales differ")
	}
	if len(rows) == 0 {
		return
	}
	// Row r is in range iff 0 ≤ r ≤ maxRow; this form cannot overflow.
	limit := len(src) - len(dst)
	maxRow := 0
	switch {
	case limit < 0:
		panicRow(0, rows[0], stride, len(dst), len(src))
	case stride > 0:
		maxRow = limit / stride
	case stride == 0:
		maxRow = math.MaxInt
	}
	for k, r := range rows {
		if uint(r) > uint(maxRow) {
			panicRow(k, r, stride, len(dst), len(src))
		}
	}
	if len(dst) == 0 {
		return
	}
	addScaledRows(dst, src, stride, rows, scales)
}

func panicRow(k, r, stride, n, lenSrc int) {
	panic(fmt.Sprintf("vec: AddScaledRows row %d out of range: rows[%d] = %d, stride %d, len(dst) %d, len(src) %d",
		r, k, r, stride, n, lenSrc))
}

// Add adds x to dst element-wise.
// It panics if len(x) != len(dst).
func Add(dst, x []float64) {
	if len(x) != len(dst) {
		panic("vec: Add lengths differ")
	}
	add(dst, x)
}

// AdamConst holds the per-step constants of an Adam update (Adam32).
type AdamConst struct {
	Beta1, Beta2 float64 // moment decay rates
	Step         float64 // learning rate ÷ (1 − Beta1^t)
	C2           float64 // 1 − Beta2^t
	Eps          float64
}

// ExpShift writes exp(x[i] − shift) into dst and returns the sum of dst.
// With shift ≥ max(x), as a softmax uses it, every term lies in [0, 1].
// It panics if len(x) != len(dst).
//
// The assembly adds the terms in eight interleaved partial sums (sixteen
// with AVX-512), the Go loop from left to right; on a softmax row of 1995
// terms the partial sums are within about 1e-15 of the exact sum of the
// terms and the running sum within about 5e-15. The AVX2 and AVX-512
// exponentials are the same, bit for bit; only their sums may differ. For x[i] − shift between 709.44 and 709.78 the
// assembly returns the finite e^(x[i]−shift), where math.Exp on amd64
// returns +Inf.
func ExpShift(dst, x []float64, shift float64) float64 {
	if len(x) != len(dst) {
		panic("vec: ExpShift lengths differ")
	}
	return expShift(dst, x, shift)
}

// Max returns the largest element of x, or −Inf for an empty x. A NaN in x
// gives NaN.
func Max(x []float64) float64 { return maxOf(x) }
