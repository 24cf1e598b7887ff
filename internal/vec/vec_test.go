package vec

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// specials are the values mixed into the random inputs.
var specials = []float64{
	0, math.Copysign(0, -1), 1, -1,
	math.Inf(1), math.Inf(-1), math.NaN(),
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	0x1p-1022, 0x1p-1030, -0x1.8p-1040, // smallest normal, subnormals
	math.MaxFloat64, -math.MaxFloat64, 1e300, -1e300, 1e-300,
}

// testLengths are the vector lengths of the bit-identity tests: every
// length up to 70 (all the tail shapes around 4- to 16-wide blocks), the
// output layer's 1995 and a long odd one.
func testLengths() []int {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1995, 1000003)
}

// offsets are the starting offsets of the operands within their backing
// arrays, for misaligned subslices; the first is the destination's.
var offsets = [][2]int{{0, 0}, {3, 1}, {1, 3}, {2, 2}}

// guard is how many elements past each operand are checked to be untouched.
const guard = 5

// randVec returns off+n+guard random values of assorted magnitudes; with
// withSpecials, about one in eight is taken from specials.
func randVec(r *rand.Rand, off, n int, withSpecials bool) []float64 {
	x := make([]float64, off+n+guard)
	for i := range x {
		if withSpecials && r.IntN(8) == 0 {
			x[i] = specials[r.IntN(len(specials))]
			continue
		}
		x[i] = math.Ldexp(r.Float64()-0.5, r.IntN(41)-20)
	}
	return x
}

// same reports whether a and b are the same float64, bit for bit, or both
// NaN (NaN payloads depend on operand order, which Go leaves open).
func same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

// sameVec reports the first index where got and want differ.
func sameVec(t *testing.T, what string, got, want []float64) bool {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: lengths %d and %d", what, len(got), len(want))
	}
	for i := range got {
		if !same(got[i], want[i]) {
			t.Errorf("%s: [%d] = %v (%#x), want %v (%#x)", what, i,
				got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
			return false
		}
	}
	return true
}

func clone(x []float64) []float64 { return append([]float64(nil), x...) }

func skipWithoutAsm(t testing.TB) {
	t.Helper()
	if !asmKernels() {
		t.Skip("no assembly kernels in this build or on this CPU")
	}
}

func TestAddBitIdentical(t *testing.T) {
	skipWithoutAsm(t)
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range testLengths() {
		for k, off := range offsets {
			withSpecials := k%2 == 1
			dst := randVec(r, off[0], n, withSpecials)
			x := randVec(r, off[1], n, withSpecials)
			got, want := clone(dst), clone(dst)
			add(got[off[0]:off[0]+n], x[off[1]:off[1]+n])
			addGo(want[off[0]:off[0]+n], x[off[1]:off[1]+n])
			if !sameVec(t, fmt.Sprintf("n=%d off=%v", n, off), got, want) {
				return
			}
		}
	}
}

func TestMaxSameAsGo(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	negZero := math.Copysign(0, -1)
	payload := math.Float64frombits(0x7ff8000000001234)
	check := func(x []float64) {
		t.Helper()
		got, want := Max(x), maxGo(x)
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("Max(%v) = %v (%#x), want %v (%#x)", x, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	for _, n := range testLengths() {
		for k, off := range offsets {
			x := randVec(r, off[1], n, k%2 == 1)[off[1] : off[1]+n]
			check(x)
			if n == 0 {
				continue
			}
			// Non-positive values with zeros of both signs: the answer is
			// the first zero.
			for i := range x {
				x[i] = -math.Abs(x[i])
				if x[i] != x[i] || r.IntN(4) == 0 {
					x[i] = [2]float64{0, negZero}[r.IntN(2)]
				}
			}
			check(x)
			x[r.IntN(n)] = math.Inf(-1)
			check(x)
			// The first of two NaNs, with its payload.
			x[r.IntN(n)] = payload
			x[r.IntN(n)] = math.NaN()
			check(x)
		}
	}
	check([]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)})
}

// ulps returns how many float64 values lie between got and want, both
// non-negative (+Inf counts as the value after MaxFloat64); NaN must match
// NaN.
func ulps(got, want float64) uint64 {
	if got != got || want != want || got < 0 || want < 0 {
		if same(got, want) {
			return 0
		}
		return math.MaxUint64
	}
	a, b := math.Float64bits(got), math.Float64bits(want)
	if a > b {
		return a - b
	}
	return b - a
}

// expRef is math.Exp, except where math.Exp overflows below the overflow
// threshold: the amd64 assembly of math.Exp returns +Inf once its exponent
// k = round(t·log2 e) reaches 1024, for t ≥ 709.437, although e^t is
// finite up to t = 709.7827. There it is bigExp.
func expRef(t float64) float64 {
	y := math.Exp(t)
	if math.IsInf(y, 1) && t < 709.8 {
		return bigExp(t)
	}
	return y
}

// checkExp checks ExpShift(x, shift) element-wise against math.Exp and
// returns the largest error in ulps.
func checkExp(t *testing.T, x []float64, shift float64) uint64 {
	t.Helper()
	dst := make([]float64, len(x)+guard)
	for i := len(x); i < len(dst); i++ {
		dst[i] = 42
	}
	expShift(dst[:len(x)], x, shift)
	var worst uint64
	for i, v := range x {
		want := expRef(v - shift)
		u := ulps(dst[i], want)
		if u > 2 {
			t.Fatalf("exp(%v - %v) = %v (%#x), math.Exp gives %v (%#x): %d ulp", v, shift,
				dst[i], math.Float64bits(dst[i]), want, math.Float64bits(want), int64(u))
		}
		worst = max(worst, u)
	}
	for i := len(x); i < len(dst); i++ {
		if dst[i] != 42 {
			t.Fatalf("n=%d: dst[%d] overwritten", len(x), i)
		}
	}
	return worst
}

func TestExpShiftAccuracy(t *testing.T) {
	skipWithoutAsm(t)
	r := rand.New(rand.NewPCG(9, 10))
	uniform := func(n int, lo, hi float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = lo + (hi-lo)*r.Float64()
		}
		return x
	}
	n := 1 << 21
	if testing.Short() {
		n = 1 << 16
	}
	for _, c := range []struct {
		name   string
		x      []float64
		shift  float64
		maxUlp uint64
	}{
		{"[-745,710]", uniform(n+3, -745, 710), 0, 0},
		{"[-50,0]", uniform(n+1, -50, 0), 0, 0},
		{"[-1,1]", uniform(n, -1, 1), 0, 0},
		{"subnormal results", uniform(n/4+2, -745.2, -708), 0, 0},
		{"near overflow", uniform(n/4+1, 700, 709.79), 0, 0},
		{"tiny", uniform(n/4, -1e-9, 1e-9), 0, 0},
		{"shifted", uniform(n/4+3, -20, 30), 30.25, 0},
	} {
		worst := checkExp(t, c.x, c.shift)
		t.Logf("%-18s %8d points: max error %d ulp", c.name, len(c.x), worst)
	}
}

// bigExp returns e^t correctly rounded (but for double rounding into
// subnormals), from 2^k·e^r, r = t − k·ln 2, in 200-bit arithmetic.
func bigExp(t float64) float64 {
	const prec = 200
	ln2, _ := new(big.Float).SetPrec(prec).SetString(
		"0.693147180559945309417232121458176568075500134360255254120680009493393621969694715605863326996418687542")
	k := math.Round(t / math.Ln2)
	r := new(big.Float).SetPrec(prec).SetFloat64(t)
	r.Sub(r, new(big.Float).SetPrec(prec).Mul(ln2, big.NewFloat(k)))
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for i := int64(1); i < 40; i++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(i))
		sum.Add(sum, term)
	}
	f, _ := sum.SetMantExp(sum, int(k)).Float64()
	return f
}

// TestExpShiftCorrectlyRounded checks the kernel against e^t computed in
// 200-bit arithmetic: it is within 1 ulp (math.Exp's own error is what
// makes the comparison with math.Exp need 2).
func TestExpShiftCorrectlyRounded(t *testing.T) {
	skipWithoutAsm(t)
	r := rand.New(rand.NewPCG(17, 18))
	n := 30000
	if testing.Short() {
		n = 3000
	}
	x := make([]float64, n)
	for i := range x {
		switch i % 3 {
		case 0:
			x[i] = -745.2 + 1455*r.Float64()
		case 1:
			x[i] = -50 * r.Float64()
		default:
			x[i] = 2*r.Float64() - 1
		}
	}
	dst := make([]float64, n)
	expShift(dst, x, 0)
	var hist [3]int
	for i, v := range x {
		u := ulps(dst[i], bigExp(v))
		if u > 1 {
			t.Fatalf("exp(%v) = %v, correctly rounded %v: %d ulp", v, dst[i], bigExp(v), int64(u))
		}
		hist[u]++
	}
	t.Logf("%d points: %d correctly rounded, %d within 1 ulp", n, hist[0], hist[1])
}

func TestExpShiftSpecial(t *testing.T) {
	skipWithoutAsm(t)
	vals := []float64{
		math.Inf(-1), math.Inf(1), math.NaN(), 0, math.Copysign(0, -1),
		-708.4, -708.39, -709, -745.1, -745.13, -745.14, -745.2, -746, -1000, -1e300,
		709.78, 709.782712893384, 709.79, 710, 1e300, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e-300, -1e-20, 1e-16,
		0.5 * math.Ln2, -0.5 * math.Ln2, math.Ln2, 1, -1,
	}
	for _, shift := range []float64{0, 1, -1, 700, math.Inf(1), math.Inf(-1), math.NaN()} {
		for _, v := range vals {
			// v at every position of vectors of 1 to 11 elements, so that it
			// goes through the 8-wide, 4-wide and masked paths.
			for n := 1; n <= 11; n++ {
				for at := 0; at < n; at++ {
					x := make([]float64, n)
					for i := range x {
						x[i] = -float64(i) / 3
					}
					x[at] = v
					checkExp(t, x, shift)
				}
			}
		}
	}
}

// exactSum returns the sum of x rounded once.
func exactSum(x []float64) float64 {
	s := new(big.Float).SetPrec(2200)
	for _, v := range x {
		s.Add(s, big.NewFloat(v))
	}
	f, _ := s.Float64()
	return f
}

// TestExpShiftSum checks the sum that ExpShift returns on softmax rows.
// The kernel adds in eight interleaved partial sums and the Go loop from
// left to right, so the two differ in rounding: the partial sums land
// within 1e-15 of the exact sum of the terms, whereas the Go loop's
// running sum of 1995 terms drifts by up to about 5e-15, so the comparison
// with the Go loop allows 1e-14.
func TestExpShiftSum(t *testing.T) {
	skipWithoutAsm(t)
	r := rand.New(rand.NewPCG(11, 12))
	var worstExact, worstGo float64
	for trial := 0; trial < 300; trial++ {
		n := 1995
		if trial%4 == 1 {
			n = trial
		}
		x := make([]float64, n)
		for i := range x {
			x[i] = -50 * r.Float64()
		}
		shift := 0.0
		if n > 0 {
			shift = Max(x)
		}
		dst := make([]float64, n)
		got := expShift(dst, x, shift)
		exact := exactSum(dst)
		want := expShiftGo(make([]float64, n), x, shift)
		if n == 0 {
			if got != 0 || want != 0 {
				t.Fatalf("empty sums %v and %v", got, want)
			}
			continue
		}
		relExact := math.Abs(got-exact) / exact
		relGo := math.Abs(got-want) / want
		if !(relExact <= 1e-15) || !(relGo <= 1e-14) {
			t.Fatalf("n=%d: sum %v; exact sum of the terms %v (relative error %g); Go loop %v (relative difference %g)",
				n, got, exact, relExact, want, relGo)
		}
		worstExact, worstGo = max(worstExact, relExact), max(worstGo, relGo)
	}
	t.Logf("largest relative error of the sum: %g from the exact sum of the terms, %g from the Go loop's", worstExact, worstGo)

	for _, c := range []struct {
		x    []float64
		want float64
	}{
		{[]float64{0, 1, math.NaN(), 2, 3}, math.NaN()},
		{[]float64{0, 1, math.Inf(1), 2, 3, 4}, math.Inf(1)},
		{[]float64{math.Inf(-1), 0, math.Inf(-1)}, 1},
		{[]float64{}, 0},
	} {
		got := expShift(make([]float64, len(c.x)), c.x, 0)
		if !same(got, c.want) {
			t.Errorf("sum of exp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// TestGoFallback runs the exported API with the assembly switched off (on
// builds without it, as it is anyway) and checks it against the Go loops.
func TestGoFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	withGoKernels(func() {
		for _, n := range []int{0, 1, 7, 33} {
			x, y := randVec(r, 0, n, true)[:n], randVec(r, 0, n, true)[:n]
			got, want := clone(y), clone(y)
			Add(got, x)
			addGo(want, x)
			sameVec(t, "Add", got, want)
			s1 := ExpShift(got, x, 1)
			s2 := expShiftGo(want, x, 1)
			sameVec(t, "ExpShift", append(got, s1), append(want, s2))
			if a, b := Max(x), maxGo(x); !same(a, b) {
				t.Errorf("Max = %v, want %v", a, b)
			}
		}
	})
}

func TestLengthMismatchPanics(t *testing.T) {
	a, b := make([]float64, 3), make([]float64, 4)
	for name, f := range map[string]func(){
		"Add":      func() { Add(b, a) },
		"ExpShift": func() { ExpShift(a, b, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "vec: ") || !strings.Contains(msg, "lengths differ") {
					t.Errorf("recovered %q, want a \"vec: ... lengths differ\" panic", msg)
				}
			}()
			f()
		})
	}
}

var benchSink float64

// benchKernels runs each kernel's benchmark on the assembly (where there is
// any) and on the Go loop.
func benchKernels(b *testing.B, sizes []int, run func(b *testing.B, n int)) {
	paths := []string{"go"}
	if asmKernels() {
		paths = []string{"asm", "go"}
	}
	for _, path := range paths {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s/n=%d", path, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(8 * n))
				if path == "go" {
					withGoKernels(func() { run(b, n) })
				} else {
					run(b, n)
				}
			})
		}
	}
}

func benchData(n int) []float64 {
	r := rand.New(rand.NewPCG(15, 16))
	x := make([]float64, n)
	for i := range x {
		x[i] = -50 * r.Float64()
	}
	return x
}

func BenchmarkAdd(b *testing.B) {
	benchKernels(b, []int{500, 1995}, func(b *testing.B, n int) {
		x, dst := benchData(n), benchData(n)
		for b.Loop() {
			Add(dst, x)
		}
	})
}

func BenchmarkExpShift(b *testing.B) {
	benchKernels(b, []int{500, 1995}, func(b *testing.B, n int) {
		x, dst := benchData(n), make([]float64, n)
		shift := maxGo(x)
		for b.Loop() {
			benchSink += ExpShift(dst, x, shift)
		}
	})
}

func BenchmarkMax(b *testing.B) {
	benchKernels(b, []int{500, 1995}, func(b *testing.B, n int) {
		x := benchData(n)
		for b.Loop() {
			benchSink += Max(x)
		}
	})
}
