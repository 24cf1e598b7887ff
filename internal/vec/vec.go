// Package vec holds the float64 vector kernels of amvi's hot paths, written
// to a caller's buffer: AXPY, the Adam update, and the shifted exponential
// with its sum that a softmax needs.
//
// On amd64 processors with AVX2 and FMA the kernels run in assembly
// (vec_amd64.s, chosen at run time); elsewhere, or when built with the
// purego tag, they run the plain Go loops in vec_generic.go. AddScaled, Add
// and Adam give bit-for-bit the results of those loops on every path (no
// fused multiply-add, the same order of operations; only the payload of a
// NaN result may differ), so a faster machine does not change a training
// run. ExpShift's exponentials agree with math.Exp to within 2 ulp (the
// assembly is within 1 ulp of the correctly rounded value), and its sum is
// added in a different order from the Go loop's, so it may differ from it
// in the last few bits. Max returns exactly what the Go loop returns.
//
// An output may be the very same slice as an input, but slices that
// overlap at an offset give unspecified results.
package vec

// AddScaled adds a·x to dst element-wise: dst[i] += a*x[i], with the
// product rounded before the sum.
// It panics if len(x) != len(dst).
func AddScaled(dst []float64, a float64, x []float64) {
	if len(x) != len(dst) {
		panic("vec: AddScaled lengths differ")
	}
	addScaled(dst, a, x)
}

// Add adds x to dst element-wise.
// It panics if len(x) != len(dst).
func Add(dst, x []float64) {
	if len(x) != len(dst) {
		panic("vec: Add lengths differ")
	}
	add(dst, x)
}

// AdamConst holds the per-step constants of an Adam update.
type AdamConst struct {
	Beta1, Beta2 float64 // moment decay rates
	Step         float64 // learning rate ÷ (1 − Beta1^t)
	C2           float64 // 1 − Beta2^t
	Eps          float64
}

// Adam applies one Adam update to p with gradient g and moments m and v,
// element-wise, as
//
//	m = Beta1*m + (1-Beta1)*g
//	v = Beta2*v + (1-Beta2)*g*g
//	p -= Step*m / (sqrt(v/C2) + Eps)
//
// It panics if the lengths differ.
func Adam(p, g, m, v []float64, c AdamConst) {
	if len(g) != len(p) || len(m) != len(p) || len(v) != len(p) {
		panic("vec: Adam lengths differ")
	}
	adam(p, g, m, v, c)
}

// ExpShift writes exp(x[i] − shift) into dst and returns the sum of dst.
// With shift ≥ max(x), as a softmax uses it, every term lies in [0, 1].
// It panics if len(x) != len(dst).
//
// The assembly adds the terms in eight interleaved partial sums, the Go
// loop from left to right; on a softmax row of 1995 terms the partial sums
// are within about 1e-15 of the exact sum of the terms and the running sum
// within about 5e-15. For x[i] − shift between 709.44 and 709.78 the
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
