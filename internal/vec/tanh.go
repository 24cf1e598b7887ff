package vec

// Tanh writes tanh(x[i]) into dst. It panics if len(x) != len(dst). dst may
// be x itself (in place), but not a slice of it at an offset.
//
// The assembly (amd64 with AVX2 and FMA, eight lanes at a time with
// AVX-512F; both give the same bits) agrees with math.Tanh to within 2 ulp.
// Measured: within 1 ulp of math.Tanh on 10.3 million points over
// [−30, 30] (denser on [−1, 1], around ±0.625 and over binades from 2^−64),
// and within 1 ulp of the correctly rounded tanh on a million of them,
// correctly rounded on 97–100% of each set (math.Tanh on 80–99%). It is
// exact at ±0 (the sign kept) and on subnormals, gives ±1 for ±Inf and for
// |x| ≥ 19.1, and NaN for NaN. Elsewhere Tanh is math.Tanh.
//
// For |x| < 0.625 the assembly uses the rational approximation of
// math.Tanh (Cephes), x + x·x²·P(x²)/Q(x²); above it
// tanh|x| = 1 − 2/(e^{2|x|}+1), with e^{2|x|} = 2^k·(1+p) as in ExpShift,
// e^{2|x|}+1 formed as 2^k·((1+2^{−k}) + p) with its rounding error kept,
// and the quotient and the final subtraction corrected for their rounding
// errors, so that only the last rounding counts. The two branches share one
// division per lane.
func Tanh(dst, x []float64) {
	if len(x) != len(dst) {
		panic("vec: Tanh lengths differ")
	}
	tanh(dst, x)
}

// TanhGrad multiplies d by the derivative of tanh given its outputs y:
// d[i] *= 1 - y[i]*y[i], each operation rounded separately (no fused
// multiply-add), so that every path gives the bit-for-bit result of
//
//	for i := range d {
//		d[i] *= 1 - float64(y[i]*y[i])
//	}
//
// (only the payload of a NaN result may differ). d may be y itself.
// It panics if the lengths differ.
func TanhGrad(d, y []float64) {
	if len(y) != len(d) {
		panic("vec: TanhGrad lengths differ")
	}
	tanhGrad(d, y)
}
