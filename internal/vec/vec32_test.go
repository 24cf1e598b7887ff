package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The float32 kernels are tested against references computed in float64
// and rounded to float32 after every operation: +, −, × and √ of float32
// operands computed in float64 and then rounded are the correctly rounded
// float32 results (float64 has more than twice float32's precision), so
// the references give float32 arithmetic's bits.

// specials32 are the values mixed into the random float32 inputs.
var specials32 = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	0x1p-126, 0x1p-135, -0x1.8p-140, // smallest normal, subnormals
	math.MaxFloat32, -math.MaxFloat32, 1e38, -1e38, 1e-38,
}

// randVec32 returns off+n+guard random float32 values of assorted
// magnitudes; with withSpecials, about one in eight is taken from
// specials32.
func randVec32(r *rand.Rand, off, n int, withSpecials bool) []float32 {
	x := make([]float32, off+n+guard)
	for i := range x {
		if withSpecials && r.IntN(8) == 0 {
			x[i] = specials32[r.IntN(len(specials32))]
			continue
		}
		x[i] = float32(math.Ldexp(r.Float64()-0.5, r.IntN(41)-20))
	}
	return x
}

// same32 reports whether a and b are the same float32, bit for bit, or
// both NaN.
func same32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// ulps32 returns how many float32 values lie from a to b (±0 are one
// value apart), 0 for two NaNs and MaxUint32 for a NaN and a number.
func ulps32(a, b float32) uint32 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxUint32
	}
	// The bits of a float32 mapped to integers in the order of the values.
	ord := func(x float32) int64 {
		u := int64(math.Float32bits(x))
		if u >= 1<<31 {
			return (1 << 31) - u
		}
		return u + 1
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return uint32(min(d, math.MaxUint32))
}

// sameVec32 reports whether got and want are the same, naming the first
// index where they differ.
func sameVec32(t *testing.T, what string, got, want []float32) bool {
	t.Helper()
	return nearVec32(t, what, got, want, 0)
}

// nearVec32 is sameVec32 allowing tol ulps (tol 0: the same bits, but for
// NaN payloads).
func nearVec32(t *testing.T, what string, got, want []float32, tol uint32) bool {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: lengths %d and %d", what, len(got), len(want))
	}
	for i := range got {
		if !same32(got[i], want[i]) && (tol == 0 || ulps32(got[i], want[i]) > tol) {
			t.Errorf("%s: [%d] = %v (%#x), want %v (%#x)", what, i,
				got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			return false
		}
	}
	return true
}

func clone32(x []float32) []float32 { return append([]float32(nil), x...) }

func widen(x []float32) []float64 {
	w := make([]float64, len(x))
	for i, v := range x {
		w[i] = float64(v)
	}
	return w
}

// mul32, add32Ref, sub32 are float32 ×, + and − computed in float64.
func mul32(a, b float32) float32    { return float32(float64(a) * float64(b)) }
func add32Ref(a, b float32) float32 { return float32(float64(a) + float64(b)) }
func sub32(a, b float32) float32    { return float32(float64(a) - float64(b)) }

// addScaledRows32Ref is AddScaledRows32's definition in float64 arithmetic.
func addScaledRows32Ref(dst, src []float32, stride int, rows []int, scales []float32) {
	for i := range dst {
		for k, r := range rows {
			dst[i] = add32Ref(dst[i], mul32(scales[k], src[r*stride+i]))
		}
	}
}

// expShift32Ref is ExpShift32's definition in float64 arithmetic.
func expShift32Ref(dst, x []float32, shift float32) float64 {
	s := 0.0
	for i, v := range x {
		dst[i] = float32(math.Exp(float64(sub32(v, shift))))
		s += float64(dst[i])
	}
	return s
}

// elementwise32 are the element-wise kernels with their references: each
// writes dst from dst and x. The assembly of those with asmUlps > 0 may
// differ from the reference by that many ulps.
var elementwise32 = []struct {
	name     string
	run, ref func(dst, x []float32)
	asmUlps  uint32
}{
	{"Add32", Add32, func(dst, x []float32) {
		for i := range dst {
			dst[i] = add32Ref(dst[i], x[i])
		}
	}, 0},
	{"ScaleTo32", func(dst, x []float32) { ScaleTo32(dst, -1.375, x) }, func(dst, x []float32) {
		for i := range dst {
			dst[i] = mul32(-1.375, x[i])
		}
	}, 0},
	{"TanhGrad32", TanhGrad32, func(d, y []float32) {
		for i := range d {
			d[i] = mul32(d[i], sub32(1, mul32(y[i], y[i])))
		}
	}, 0},
	{"Tanh32", Tanh32, func(dst, x []float32) {
		for i := range dst {
			dst[i] = float32(math.Tanh(float64(x[i])))
		}
	}, 0},
	{"ExpShift32", func(dst, x []float32) { ExpShift32(dst, x, 0.75) }, func(dst, x []float32) {
		expShift32Ref(dst, x, 0.75)
	}, 1},
}

// TestElementwise32 checks the element-wise float32 kernels against their
// float64 references at every length up to 70 and 1995, on misaligned
// operands, in place and with special values, and that they write nothing
// outside dst.
func TestElementwise32(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, k := range elementwise32 {
		tol := uint32(0)
		if asmKernels() {
			tol = k.asmUlps
		}
		for n := 0; n <= 71; n++ {
			if n == 71 {
				n = 1995
			}
			for j, off := range offsets {
				specials := j%2 == 1
				dst, x := randVec32(r, off[0], n, specials), randVec32(r, off[1], n, specials)
				want := clone32(dst)
				k.ref(want[off[0]:off[0]+n], x[off[1]:off[1]+n])
				k.run(dst[off[0]:off[0]+n], x[off[1]:off[1]+n])
				what := fmt.Sprintf("%s n=%d off=%v", k.name, n, off)
				if !nearVec32(t, what, dst, want, tol) {
					return
				}
				// In place: dst is x.
				want = clone32(x)
				k.ref(want[off[1]:off[1]+n], want[off[1]:off[1]+n])
				k.run(x[off[1]:off[1]+n], x[off[1]:off[1]+n])
				if !nearVec32(t, what+" in place", x, want, tol) {
					return
				}
			}
		}
	}
}

// TestExpShift32Sum checks the float64 sum that ExpShift32 returns on
// softmax rows and special values. The Go loop's is the float64 sum, from
// left to right, of its float32 terms; the assembly's, in partial sums,
// lies within 1e-15 of the exact sum of its own terms, and its terms may
// differ from the Go loop's by an ulp.
func TestExpShift32Sum(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	for trial := range 100 {
		n := 1995
		if trial%4 == 1 {
			n = trial
		}
		x := randVec32(r, 0, n, trial%8 == 3)[:n]
		for i := range x {
			if trial%8 != 3 {
				x[i] = float32(-50 * r.Float64())
			}
		}
		shift := Max32(x)
		dst := make([]float32, n)
		got := ExpShift32(dst, x, shift)
		want := expShift32Ref(make([]float32, n), x, shift)
		if !asmKernels() || math.IsNaN(want) || math.IsInf(want, 0) {
			if !same(got, want) {
				t.Fatalf("n=%d: sum %v, want %v", n, got, want)
			}
			continue
		}
		exact := exactSum(widen(dst))
		if n > 0 && !(math.Abs(got-exact) <= 1e-15*exact && math.Abs(got-want) <= 0x1p-23*want) || n == 0 && got != 0 {
			t.Fatalf("n=%d: sum %v; exact sum of the terms %v; Go loop %v", n, got, exact, want)
		}
	}
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, c := range []struct {
		x    []float32
		want float64
	}{
		{[]float32{0, 1, nan, 2, 3}, math.NaN()},
		{[]float32{0, 1, inf, 2, 3, 4}, math.Inf(1)},
		{[]float32{-inf, 0, -inf}, 1},
		{[]float32{100, 100}, math.Inf(1)},
		{[]float32{88, 88}, 2 * float64(float32(math.Exp(88)))},
		{[]float32{}, 0},
	} {
		got := ExpShift32(make([]float32, len(c.x)), c.x, 0)
		if !same(got, c.want) && !(asmKernels() && math.Abs(got-c.want) <= 0x1p-23*c.want) {
			t.Errorf("sum of exp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// TestExpShift32Accuracy compares ExpShift32's exponentials with the Go
// loop's, float32(math.Exp), on every 9973rd float32 (every 1000th with
// -short), on the thresholds of underflow and overflow and on special
// values, at several shifts: within 1 ulp, exact at 0, ±Inf and NaN.
func TestExpShift32Accuracy(t *testing.T) {
	step := uint64(9973)
	if testing.Short() {
		step = 99991
	}
	x := sweep32(step)
	for _, v := range []float64{-103.97, -103.972, -103.98, -104, -104.1, -87.33, -87.34, 88.72, 88.7228, 88.73, 89, 89.1} {
		for d := -20; d <= 20; d++ {
			x = append(x, math.Float32frombits(uint32(int32(math.Float32bits(float32(v)))+int32(d))))
		}
	}
	var hist [2]int
	for _, shift := range []float32{0, 1.5, -3, 88, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())} {
		got, want := make([]float32, len(x)), make([]float32, len(x))
		ExpShift32(got, x, shift)
		expShift32Ref(want, x, shift)
		for i := range x {
			u := ulps32(got[i], want[i])
			if u > 1 || (want[i] == 0 || math.IsInf(float64(want[i]), 0) || want[i] == 1) && u != 0 {
				t.Fatalf("exp(%v - %v) = %v (%#x), Go loop %v (%#x)", x[i], shift,
					got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
			hist[u]++
		}
	}
	t.Logf("%d exponentials: %d as the Go loop's, %d 1 ulp from it", hist[0]+hist[1], hist[0], hist[1])
}

// sweep32 returns every step-th float32, from +0 up, and specials32.
func sweep32(step uint64) []float32 {
	var x []float32
	for bits := uint64(0); bits < 1<<32; bits += step {
		x = append(x, math.Float32frombits(uint32(bits)))
	}
	return append(x, specials32...)
}

// TestTanh32Accuracy compares Tanh32 with the Go loop,
// float32(math.Tanh), on every 9973rd float32 (every 99991st with -short)
// and special values: the same bits.
func TestTanh32Accuracy(t *testing.T) {
	step := uint64(9973)
	if testing.Short() {
		step = 99991
	}
	x := sweep32(step)
	got, want := make([]float32, len(x)), make([]float32, len(x))
	Tanh32(got, x)
	tanhGo(want, x)
	sameVec32(t, "Tanh32", got, want)
}

// TestMax32 checks Max32 against Max of the widened values.
func TestMax32(t *testing.T) {
	r := rand.New(rand.NewPCG(55, 56))
	for n := 0; n <= 70; n++ {
		for j, off := range offsets {
			x := randVec32(r, off[1], n, j%2 == 1)[off[1] : off[1]+n]
			for rep := range 3 {
				if rep == 1 {
					// Non-positive values with zeros of both signs.
					for i := range x {
						x[i] = -float32(math.Abs(float64(x[i])))
						if x[i] != x[i] || r.IntN(4) == 0 {
							x[i] = float32(math.Copysign(0, float64(1-2*r.IntN(2))))
						}
					}
				}
				if rep == 2 && n > 0 {
					x[r.IntN(n)] = float32(math.Inf(-1))
				}
				got, want := Max32(x), float32(Max(widen(x)))
				if !same32(got, want) || (got == 0 && math.Signbit(float64(got)) != math.Signbit(float64(want))) {
					t.Fatalf("Max32(%v) = %v, want %v", x, got, want)
				}
			}
		}
	}
}

// TestAddScaledRows32 checks AddScaledRows32, AddScaledRowsAhead32,
// SumScaledRows32 (onto a cleared dst) and AddMatMul32 against their
// float64 references: widths up to 70 and wider ones, 0 to 300 rows of a
// 40-row matrix, repeated rows, column offsets, strides wider than dst and
// special values, and that nothing outside dst is written.
func TestAddScaledRows32(t *testing.T) {
	r := rand.New(rand.NewPCG(57, 58))
	ns := rangeInts(71)
	ns = append(ns, 96, 97, 112, 113, 128, 143, 383, 500, 1995)
	for i, n := range ns {
		for j, m := range []int{0, 1, 2, 3, 7, 25, 300} {
			sel := i + j
			stride := n + []int{0, 1, 13}[sel%3]
			off := offsets[sel%len(offsets)]
			specials := sel%2 == 1
			const numRows = 40
			srcBuf := randVec32(r, off[1], (numRows-1)*stride+n, specials)
			src := srcBuf[off[1]:]
			rows := make([]int, m)
			for k := range rows {
				rows[k] = r.IntN(numRows)
			}
			scales := randVec32(r, 0, m, specials)[:m]
			for k := range scales {
				if r.IntN(3) == 0 {
					scales[k] = 1
				}
			}
			dstBuf := randVec32(r, off[0], n, specials)
			want := clone32(dstBuf)
			addScaledRows32Ref(want[off[0]:off[0]+n], src, stride, rows, scales)
			ahead := clone32(dstBuf)
			AddScaledRows32(dstBuf[off[0]:off[0]+n], src, stride, rows, scales)
			what := fmt.Sprintf("n=%d stride=%d m=%d off=%v", n, stride, m, off)
			if !sameVec32(t, "AddScaledRows32 "+what, dstBuf, want) {
				return
			}
			AddScaledRowsAhead32(ahead[off[0]:off[0]+n], src, stride, rows, scales)
			if !sameVec32(t, "AddScaledRowsAhead32 "+what, ahead, want) {
				return
			}
			sum, wantSum := clone32(ahead), clone32(ahead)
			clear(wantSum[off[0] : off[0]+n])
			addScaledRows32Ref(wantSum[off[0]:off[0]+n], src, stride, rows, scales)
			SumScaledRows32(sum[off[0]:off[0]+n], src, stride, rows, scales)
			if !sameVec32(t, "SumScaledRows32 "+what, sum, wantSum) {
				return
			}
			// AddMatMul32 over 1 to 9 rows of dst and the first min(m, 40)
			// rows of src.
			mm := min(max(m, 1), numRows)
			nr := 1 + sel%9
			a := randVec32(r, 0, nr*mm, specials)[:nr*mm]
			dstBuf = randVec32(r, off[0], nr*n, specials)
			want = clone32(dstBuf)
			if n == 0 {
				continue
			}
			for row := range nr {
				addScaledRows32Ref(want[off[0]+row*n:off[0]+(row+1)*n], src, stride, identity[:mm], a[row*mm:(row+1)*mm])
			}
			AddMatMul32(dstBuf[off[0]:off[0]+nr*n], n, a, mm, src, stride)
			if !sameVec32(t, fmt.Sprintf("AddMatMul32 rows=%d %s", nr, what), dstBuf, want) {
				return
			}
		}
	}
}

// TestAdamF32 checks AdamF32 against Adam32 on the widened p and g, p
// rounded to float32 after it, with special values among the operands, on
// Adam32's cases (the long one aligned only, for time).
func TestAdamF32(t *testing.T) {
	r := rand.New(rand.NewPCG(59, 60))
	for _, tc := range adam32Cases() {
		n, o := tc.n, tc.off
		if n > 1995 && o != [4]int{} {
			continue
		}
		p, g := randVec32(r, o[0], n, tc.withSpecials), randVec32(r, o[1], n, tc.withSpecials)
		m := adam32Rand32(r, o[2], n, tc.withSpecials, false)
		v := adam32Rand32(r, o[3], n, tc.withSpecials, !tc.withSpecials)
		wp, wm, wv := clone32(p), clone32(m), clone32(v)
		p64 := widen(wp[o[0] : o[0]+n])
		Adam32(p64, widen(g[o[1]:o[1]+n]), wm[o[2]:o[2]+n], wv[o[3]:o[3]+n], tc.c)
		for i, x := range p64 {
			wp[o[0]+i] = float32(x)
		}
		AdamF32(p[o[0]:o[0]+n], g[o[1]:o[1]+n], m[o[2]:o[2]+n], v[o[3]:o[3]+n], tc.c)
		what := tc.String()
		if !sameVec32(t, "p "+what, p, wp) || !sameVec32(t, "m "+what, m, wm) || !sameVec32(t, "v "+what, v, wv) {
			return
		}
	}
}

func TestPanics32(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	for _, c := range []struct {
		name, msg string
		f         func()
	}{
		{"Add32", "lengths differ", func() { Add32(b, a) }},
		{"ScaleTo32", "lengths differ", func() { ScaleTo32(a, 1, b) }},
		{"Tanh32", "lengths differ", func() { Tanh32(a, b) }},
		{"TanhGrad32", "lengths differ", func() { TanhGrad32(b, a) }},
		{"ExpShift32", "lengths differ", func() { ExpShift32(a, b, 0) }},
		{"AdamF32", "lengths differ", func() { AdamF32(a, a, a, b, AdamConst{}) }},
		{"AddScaledRows32", "lengths of rows and scales differ", func() { AddScaledRows32(a, b, 1, []int{0}, nil) }},
		{"AddScaledRows32", "out of range", func() { AddScaledRows32(a, b, 1, []int{0, 2}, a[:2]) }},
		{"AddMatMul32", "shapes do not match", func() { AddMatMul32(a, 3, a, 1, a, 2) }},
		{"AddMatMul32", "shapes do not match", func() { AddMatMul32(a, 3, a, 2, b, 3) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if want := "vec: " + c.name + " "; !strings.HasPrefix(msg, want) || !strings.Contains(msg, c.msg) {
					t.Errorf("recovered %q, want a %q panic", msg, want+"... "+c.msg)
				}
			}()
			c.f()
		})
	}
}
