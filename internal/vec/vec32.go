package vec

// The float32 kernels: the float64 kernels' operations on float32 weights,
// activations and gradients (issue 13's -dtype float32). Each has the
// semantics, the panics and the aliasing rules of its float64 namesake; the
// arithmetic is float32 where the doc says so, float64 elsewhere. Their Go
// loops are the float64 kernels' (vec_generic.go and beside it), instantiated
// at float32.

// AddScaledRows32 is AddScaledRows for float32: it adds to dst a weighted
// sum of rows of src, a row-major matrix with the given stride,
//
//	dst[i] += Σ_k scales[k] * src[rows[k]*stride + i]   for every i < len(dst),
//
// in float32, each product rounded to float32 before it is added, the terms
// added in k order, so that the result is bit-for-bit that of the loop
//
//	for k, r := range rows {
//		for i := range dst {
//			dst[i] += float32(scales[k] * src[r*stride+i])
//		}
//	}
//
// Rows may repeat; src may be resliced at a column offset, as for
// AddScaledRows. dst must not overlap src.
//
// It panics if len(rows) != len(scales) or any row k has rows[k] < 0 or
// rows[k]*stride+len(dst) > len(src) (with a negative stride only row 0 is
// in range); all rows are checked before dst is written.
func AddScaledRows32(dst, src []float32, stride int, rows []int, scales []float32) {
	if checkRows("AddScaledRows32", len(dst), len(src), stride, rows, len(scales)) {
		addScaledRows32(dst, src, stride, rows, scales)
	}
}

// AddScaledRowsAhead32 is AddScaledRowsAhead for float32: AddScaledRows32,
// bit for bit, prefetching rows ahead.
func AddScaledRowsAhead32(dst, src []float32, stride int, rows []int, scales []float32) {
	if checkRows("AddScaledRowsAhead32", len(dst), len(src), stride, rows, len(scales)) {
		addScaledRowsAhead32(dst, src, stride, rows, scales)
	}
}

// SumScaledRows32 is SumScaledRows for float32.
func SumScaledRows32(dst, src []float32, stride int, rows []int, scales []float32) {
	if checkRows("SumScaledRows32", len(dst), len(src), stride, rows, len(scales)) {
		sumScaledRows32(dst, src, stride, rows, scales)
		return
	}
	clear(dst)
}

// AddMatMul32 is AddMatMul for float32: it adds to dst, rows of n, the
// product of a, rows of m, and the first n columns of src, a row-major
// matrix of m rows with the given stride,
//
//	dst[r*n+i] += Σ_k a[r*m+k] * src[k*stride+i]   for every row r and i < n,
//
// in float32, each product rounded to float32 before it is added, the terms
// added in k order, so that each row of dst is bit-for-bit that of
// AddScaledRows32 over rows 0 to m−1 of src with the row's m values of a as
// the scales. dst must not overlap src or a.
//
// It panics if n or m is below 1, len(dst) is not a multiple of n,
// len(a) is not len(dst)/n rows of m, stride < n or src holds fewer than
// (m−1)·stride + n elements.
func AddMatMul32(dst []float32, n int, a []float32, m int, src []float32, stride int) {
	if checkMatMul("AddMatMul32", len(dst), n, len(a), m, len(src), stride) {
		addMatMul32(dst, n, a, m, src, stride)
	}
}

// Add32 adds x to dst element-wise, in float32; the assembly gives the Go
// loop's bits. It panics if len(x) != len(dst).
func Add32(dst, x []float32) {
	if len(x) != len(dst) {
		panic("vec: Add32 lengths differ")
	}
	add32(dst, x)
}

// ScaleTo32 writes a·x into dst element-wise, in float32: dst[i] = a*x[i].
// dst may be x itself. The products are those of the plain Go loop, bit for
// bit. It panics if len(x) != len(dst).
func ScaleTo32(dst []float32, a float32, x []float32) {
	if len(x) != len(dst) {
		panic("vec: ScaleTo32 lengths differ")
	}
	scaleTo32(dst, a, x)
}

// Tanh32 writes tanh(x[i]) into dst: the Go loop gives
// float32(math.Tanh(float64(x[i]))). It panics if len(x) != len(dst). dst
// may be x itself, but not a slice of it at an offset.
//
// The assembly widens the elements (exact) and computes, in float64,
// tanh|x| = E/(E+2) with E = e^{2|x|} − 1 (Tanh's exponential, as 2^k·p +
// 2^k − 1), within a few float64 ulps, then rounds to float32: on all 2^32
// float32 inputs (a one-off sweep) the AVX2 and AVX-512 kernels give the
// Go loop's bits, and the tests check every 9973rd.
func Tanh32(dst, x []float32) {
	if len(x) != len(dst) {
		panic("vec: Tanh32 lengths differ")
	}
	tanh32(dst, x)
}

// TanhGrad32 multiplies d by the derivative of tanh given its outputs y, in
// float32: d[i] *= 1 - y[i]*y[i], each operation rounded separately (no
// fused multiply-add), so that every path gives the bit-for-bit result of
//
//	for i := range d {
//		d[i] *= 1 - float32(y[i]*y[i])
//	}
//
// (only the payload of a NaN result may differ). d may be y itself.
// It panics if the lengths differ.
func TanhGrad32(d, y []float32) {
	if len(y) != len(d) {
		panic("vec: TanhGrad32 lengths differ")
	}
	tanhGrad32(d, y)
}

// Max32 returns the largest element of x, or −Inf for an empty x. A NaN in
// x gives NaN (the first one). The AVX2 kernel returns exactly what the Go
// loop returns.
func Max32(x []float32) float32 { return maxOf32(x) }

// ExpShift32 writes exp(x[i] − shift) into dst and returns their sum
// accumulated in float64. The difference x[i] − shift is rounded to float32
// (exact when x[i] is within a factor of two of shift, as near a softmax's
// maximum), its exponential rounded to float32, and the sum is of those
// float32 terms, each widened exactly: the Go loop is
//
//	for i, v := range x {
//		dst[i] = float32(math.Exp(float64(v - shift)))
//		s += float64(dst[i])
//	}
//
// With shift ≥ max(x), as a softmax uses it, every term lies in [0, 1].
// dst may be x itself. It panics if len(x) != len(dst).
//
// The assembly (AVX2 and FMA, sixteen lanes a register with AVX-512F; both
// give the same bits) computes the exponential in float32, within 1 ulp of
// the Go loop's: over all 2^32 float32 values of x − shift, 99.6% give the
// Go loop's bits and the rest differ by 1 ulp. It is exactly 1 at 0, 0
// below −103.98 and for −Inf, +Inf above 88.73 and for +Inf, and NaN for
// NaN. Its sum is of the same float32 terms widened, added in float64 in
// eight partial sums (sixteen with AVX-512), so it may differ from the Go
// loop's running sum in the last bits (and by the terms' ulps).
//
// x[i] − shift is float32 arithmetic: for x[i] far below shift its
// rounding error, up to 2^−24·|x[i] − shift|, carries into the exponent of
// a term that is then below e^−|x[i]−shift|, negligible in a softmax's sum.
func ExpShift32(dst, x []float32, shift float32) float64 {
	if len(x) != len(dst) {
		panic("vec: ExpShift32 lengths differ")
	}
	return expShift32(dst, x, shift)
}

// AdamF32 is Adam32's update for float32 parameters and gradients: per
// element it computes in float64, from the float32 p, g, m and v widened
// exactly, what Adam32 computes,
//
//	mm := Beta1*float64(m) + (1-Beta1)*float64(g)
//	vv := Beta2*float64(v) + (1-Beta2)*float64(g)*float64(g)
//	m, v = float32(mm), float32(vv)   // rounded to nearest
//	p = float32(float64(p) - Step*mm/(sqrt(vv*(1/C2)) + Eps))
//
// each product rounded before its sum, the update of p using mm and vv
// before their rounding. Values beyond the float32 range round to ±Inf. The
// assembly kernels (Adam32's, with p and g widened by VCVTPS2PD, exact, and
// p narrowed by VCVTPD2PS) give bit for bit the results of the Go loop. It
// panics if the lengths differ.
func AdamF32(p, g, m, v []float32, c AdamConst) {
	if len(g) != len(p) || len(m) != len(p) || len(v) != len(p) {
		panic("vec: AdamF32 lengths differ")
	}
	adamF32(p, g, m, v, c)
}
