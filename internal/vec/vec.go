// Package vec holds the float64 vector kernels of amvi's hot paths, written
// to a caller's buffer: AXPY, the Adam update, and the shifted exponential
// with its sum that a softmax needs.
//
// On amd64 processors with AVX2 the kernels run in assembly; elsewhere they
// run the plain Go loops in vec_generic.go. AddScaled, Add and Adam give
// bit-for-bit the results of those loops on every path (no fused
// multiply-add, the same order of operations), so a faster machine does not
// change a training run. ExpShift's exponentials agree with math.Exp to
// within 2 ulp.
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
func ExpShift(dst, x []float64, shift float64) float64 {
	if len(x) != len(dst) {
		panic("vec: ExpShift lengths differ")
	}
	return expShift(dst, x, shift)
}

// Max returns the largest element of x, or −Inf for an empty x. A NaN in x
// gives NaN.
func Max(x []float64) float64 { return maxOf(x) }
