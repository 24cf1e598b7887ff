package vec

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

// tanhULPs returns how many float64 values lie between got and want (of
// any signs; −0 and +0 count as one value apart), or MaxUint64 if exactly
// one of them is NaN. Two NaNs are 0 apart.
func tanhULPs(got, want float64) uint64 {
	if got != got || want != want {
		if got != got && want != want {
			return 0
		}
		return math.MaxUint64
	}
	// Map the floats onto the integers in order: −0 → −1, +0 → 0.
	ord := func(v float64) int64 {
		b := int64(math.Float64bits(v))
		if b < 0 {
			return -(b & math.MaxInt64) - 1
		}
		return b
	}
	a, b := ord(got), ord(want)
	if a > b {
		return uint64(a - b)
	}
	return uint64(b - a)
}

// bigTanh returns tanh(x) correctly rounded, from 320-bit arithmetic:
// u = e^{2|x|} − 1 by the Taylor series of expm1 at 2|x|/2^10, doubled
// back with (1+u)² − 1 = u·(2+u) ten times, and tanh|x| = u/(u+2). No step
// cancels, so the result is good to far more than 53 bits.
func bigTanh(x float64) float64 {
	if x != x || x == 0 || math.IsInf(x, 0) {
		return math.Tanh(x)
	}
	a := math.Abs(x)
	if a > 40 {
		return math.Copysign(1, x)
	}
	const prec = 320
	nf := func() *big.Float { return new(big.Float).SetPrec(prec) }
	y := nf().SetFloat64(math.Ldexp(2*a, -10)) // exact
	u, term := nf(), nf().Set(y)
	eps := nf().SetMantExp(big.NewFloat(1), -prec)
	for k := 2; ; k++ {
		u.Add(u, term)
		if term.Cmp(nf().Mul(u, eps)) < 0 {
			break
		}
		term.Mul(term, y)
		term.Quo(term, nf().SetInt64(int64(k)))
	}
	two := nf().SetInt64(2)
	for range 10 {
		u.Mul(u, nf().Add(two, u))
	}
	t, _ := nf().Quo(u, nf().Add(u, two)).Float64()
	return math.Copysign(t, x)
}

type tanhTestSet struct {
	name string
	x    []float64
}

// forTanhKernels runs f as a subtest for each assembly Tanh kernel the CPU
// has; it skips where there is none.
func forTanhKernels(t *testing.T, f func(t *testing.T, k tanhKernel)) {
	ks := tanhAsmKernels()
	if len(ks) == 0 {
		t.Skip("no assembly kernels in this build or on this CPU")
	}
	for _, k := range ks {
		t.Run(k.name, func(t *testing.T) { f(t, k) })
	}
}

// tanhAPI is Tanh itself, at whatever level the package runs.
var tanhAPI = tanhKernel{"api", Tanh}

// tanhTestSets are the accuracy tests' inputs, from a fixed seed: a
// uniform sweep of [−30, 30], extra density on [−1, 1] and around the
// branch point ±0.625, and magnitudes spread over many binades.
func tanhTestSets(scale int) []tanhTestSet {
	r := rand.New(rand.NewPCG(21, 22))
	uniform := func(n int, lo, hi float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = lo + (hi-lo)*r.Float64()
		}
		return x
	}
	binades := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = math.Ldexp(0.5+0.5*r.Float64(), r.IntN(70)-64)
			if r.IntN(2) == 0 {
				x[i] = -x[i]
			}
		}
		return x
	}
	// Both sides of 0.625 bit by bit, and of −0.625.
	near := func(n int) []float64 {
		x := make([]float64, 0, 2*n)
		for i := -n / 2; i < n/2; i++ {
			v := math.Float64frombits(math.Float64bits(0.625) + uint64(int64(i)))
			x = append(x, v, -v)
		}
		return x
	}
	return []tanhTestSet{
		{"[-30,30]", uniform(3*scale, -30, 30)},
		{"[-1,1]", uniform(3*scale, -1, 1)},
		{"[-3,3]", uniform(scale, -3, 3)},
		{"[0.55,0.7]", uniform(scale, 0.55, 0.7)},
		{"[-0.7,-0.55]", uniform(scale, -0.7, -0.55)},
		{"0.625±ulps", near(scale / 10)},
		{"[18,20]", uniform(scale/10, 18, 20)},
		{"binades", binades(scale)},
	}
}

// TestTanhAccuracy checks each assembly kernel against math.Tanh on 10⁷
// points (fewer with -short): within 2 ulp, as documented. It logs the
// largest error of each set.
func TestTanhAccuracy(t *testing.T) {
	if len(tanhAsmKernels()) == 0 {
		t.Skip("no assembly kernels in this build or on this CPU")
	}
	scale := 1_000_000
	if testing.Short() {
		scale = 100_000
	}
	sets := tanhTestSets(scale)
	forTanhKernels(t, func(t *testing.T, k tanhKernel) { checkTanhAccuracy(t, k, sets) })
}

func checkTanhAccuracy(t *testing.T, k tanhKernel, sets []tanhTestSet) {
	total := 0
	var worstAll uint64
	for _, c := range sets {
		got := make([]float64, len(c.x))
		k.run(got, c.x)
		var worst uint64
		for i, v := range c.x {
			want := math.Tanh(v)
			u := tanhULPs(got[i], want)
			if u > 2 {
				t.Fatalf("%s: tanh(%v) = %v (%#x), math.Tanh gives %v (%#x): %d ulp", c.name,
					v, got[i], math.Float64bits(got[i]), want, math.Float64bits(want), int64(u))
			}
			worst = max(worst, u)
		}
		t.Logf("%-13s %8d points: max %d ulp from math.Tanh", c.name, len(c.x), worst)
		total += len(c.x)
		worstAll = max(worstAll, worst)
	}
	t.Logf("all %d points: max %d ulp from math.Tanh", total, worstAll)
}

// TestTanhCorrectlyRounded checks each assembly kernel against tanh
// correctly rounded, from big.Float arithmetic, on fewer points: within
// 1 ulp. It logs how often the kernel and math.Tanh are off by 0, 1 and
// 2+ ulp.
func TestTanhCorrectlyRounded(t *testing.T) {
	scale := 6000
	if testing.Short() {
		scale = 600
	}
	sets := tanhTestSets(scale)
	forTanhKernels(t, func(t *testing.T, k tanhKernel) {
		for _, c := range sets {
			checkTanhCorrectlyRounded(t, k, c)
		}
	})
}

func checkTanhCorrectlyRounded(t *testing.T, k tanhKernel, c tanhTestSet) {
	got := make([]float64, len(c.x))
	k.run(got, c.x)
	var asmHist, goHist [3]int
	for i, v := range c.x {
		want := bigTanh(v)
		u := tanhULPs(got[i], want)
		if u > 1 {
			t.Fatalf("%s: tanh(%v) = %v, correctly rounded %v: %d ulp", c.name, v, got[i], want, int64(u))
		}
		asmHist[min(u, 2)]++
		goHist[min(tanhULPs(math.Tanh(v), want), 2)]++
	}
	t.Logf("%-13s %6d points: asm off by 0/1/2+ ulp %v, math.Tanh %v", c.name, len(c.x), asmHist, goHist)
}

func TestTanhSpecial(t *testing.T) {
	for _, k := range append([]tanhKernel{tanhAPI}, tanhAsmKernels()...) {
		t.Run(k.name, func(t *testing.T) { checkTanhSpecial(t, k) })
	}
}

func checkTanhSpecial(t *testing.T, k tanhKernel) {
	negZero := math.Copysign(0, -1)
	cases := []struct{ x, want float64 }{
		{0, 0},
		{negZero, negZero},
		{math.Inf(1), 1},
		{math.Inf(-1), -1},
		{math.NaN(), math.NaN()},
		{math.SmallestNonzeroFloat64, math.SmallestNonzeroFloat64},
		{-math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64},
		{0x1p-1030, 0x1p-1030},
		{-0x1.8p-1040, -0x1.8p-1040},
		{0x1p-1022, 0x1p-1022},
		{1e-300, 1e-300},
		{-1e-30, -1e-30},
		{0x1p-30, 0x1p-30},
		{19.1, 1},
		{-22, -1},
		{30, 1},
		{1e300, 1},
		{-math.MaxFloat64, -1},
		{math.MaxFloat64, 1},
	}
	// Lengths through every loop (4-, 8- and 16-wide) and the masked tails.
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17} {
		for _, c := range cases {
			x := make([]float64, n)
			for i := range x {
				x[i] = c.x
			}
			got := make([]float64, n)
			k.run(got, x)
			for i, g := range got {
				if !same(g, c.want) {
					t.Errorf("n=%d: tanh(%v)[%d] = %v (%#x), want %v", n, c.x, i, g, math.Float64bits(g), c.want)
				}
			}
		}
	}
}

// TestTanhTails runs every length 0..12 and some longer ones, at assorted
// offsets, out of place and in place, mixing in special values: the
// result must not depend on the position of an element (loop or tail),
// must stay within 2 ulp of math.Tanh, and nothing past the end may be
// written.
func TestTanhTails(t *testing.T) {
	for _, k := range append([]tanhKernel{tanhAPI}, tanhAsmKernels()...) {
		t.Run(k.name, func(t *testing.T) { checkTanhTails(t, k) })
	}
}

func checkTanhTails(t *testing.T, k tanhKernel) {
	r := rand.New(rand.NewPCG(23, 24))
	lengths := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 17, 23, 24, 25, 33, 500, 1001}
	const pad = 5
	for _, n := range lengths {
		for _, off := range []int{0, 1, 3} {
			x := make([]float64, off+n+pad)
			for i := range x {
				if r.IntN(8) == 0 {
					x[i] = specials[r.IntN(len(specials))]
				} else {
					x[i] = 8 * (2*r.Float64() - 1)
				}
			}
			xs := x[off : off+n]
			orig := append([]float64(nil), x...)
			dst := make([]float64, off+n+pad)
			for i := range dst {
				dst[i] = 42
			}
			k.run(dst[off:off+n], xs)
			for i := range dst {
				if (i < off || i >= off+n) && dst[i] != 42 {
					t.Fatalf("n=%d off=%d: dst[%d] overwritten", n, off, i)
				}
			}
			for i, v := range xs {
				if u := tanhULPs(dst[off+i], math.Tanh(v)); u > 2 {
					t.Fatalf("n=%d off=%d: tanh(%v) = %v, math.Tanh %v", n, off, v, dst[off+i], math.Tanh(v))
				}
				// Each element alone, through the tail, gives the same bits.
				one := []float64{0}
				k.run(one, xs[i:i+1])
				if !same(one[0], dst[off+i]) {
					t.Fatalf("n=%d off=%d: [%d] = %v in the vector, %v alone", n, off, i, dst[off+i], one[0])
				}
			}
			for i := range x {
				if !same(x[i], orig[i]) {
					t.Fatalf("n=%d off=%d: x[%d] changed", n, off, i)
				}
			}
			// In place.
			k.run(xs, xs)
			for i := range x {
				want := orig[i]
				if i >= off && i < off+n {
					want = dst[i]
				}
				if !same(x[i], want) {
					t.Fatalf("n=%d off=%d in place: x[%d] = %v, want %v", n, off, i, x[i], want)
				}
			}
		}
	}
}

// TestTanhAVX512SameAsAVX2 checks that the two assembly kernels agree bit
// for bit, as their identical operation sequences promise.
func TestTanhAVX512SameAsAVX2(t *testing.T) {
	ks := tanhAsmKernels()
	if len(ks) < 2 {
		t.Skip("the CPU lacks AVX-512")
	}
	r := rand.New(rand.NewPCG(31, 32))
	sets := tanhTestSets(100_000)
	sets = append(sets, tanhTestSet{"specials", append([]float64(nil), specials...)})
	for _, c := range sets {
		for _, n := range []int{len(c.x), len(c.x) - 1 - r.IntN(15)} {
			if n < 0 {
				continue
			}
			a, b := make([]float64, n), make([]float64, n)
			ks[0].run(a, c.x[:n])
			ks[1].run(b, c.x[:n])
			for i := range a {
				if !same(a[i], b[i]) {
					t.Fatalf("%s: tanh(%v): %s %v, %s %v", c.name, c.x[i], ks[0].name, a[i], ks[1].name, b[i])
				}
			}
		}
	}
}

func TestTanhGradBitIdentical(t *testing.T) {
	skipWithoutAsm(t)
	r := rand.New(rand.NewPCG(25, 26))
	const pad = 5
	val := func() float64 {
		switch r.IntN(8) {
		case 0:
			return specials[r.IntN(len(specials))]
		case 1:
			return math.Ldexp(r.Float64()-0.5, r.IntN(41)-20)
		}
		return 2*r.Float64() - 1 // tanh outputs
	}
	var lengths []int
	for n := 0; n <= 40; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 500, 1995, 32000)
	for _, n := range lengths {
		for _, off := range [][2]int{{0, 0}, {3, 1}, {1, 3}} {
			d := make([]float64, off[0]+n+pad)
			y := make([]float64, off[1]+n+pad)
			for i := range d {
				d[i] = val()
			}
			for i := range y {
				y[i] = val()
			}
			got, want := append([]float64(nil), d...), append([]float64(nil), d...)
			TanhGrad(got[off[0]:off[0]+n], y[off[1]:off[1]+n])
			tanhGradGo(want[off[0]:off[0]+n], y[off[1]:off[1]+n])
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("n=%d off=%v: d[%d] = %v (%#x), want %v (%#x)", n, off, i,
						got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
				}
			}
			// In place: d is y.
			got, want = append([]float64(nil), y...), append([]float64(nil), y...)
			TanhGrad(got[off[1]:off[1]+n], got[off[1]:off[1]+n])
			tanhGradGo(want[off[1]:off[1]+n], want[off[1]:off[1]+n])
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("n=%d in place: d[%d] = %v, want %v", n, i, got[i], want[i])
				}
			}
		}
	}
}

// TestTanhGoFallback runs the exported functions with the assembly off:
// Tanh is math.Tanh exactly, TanhGrad the plain loop.
func TestTanhGoFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	withGoKernels(func() {
		for _, n := range []int{0, 1, 7, 33} {
			x := make([]float64, n)
			for i := range x {
				x[i] = 6 * (2*r.Float64() - 1)
			}
			got := make([]float64, n)
			Tanh(got, x)
			for i, v := range x {
				if !same(got[i], math.Tanh(v)) {
					t.Errorf("Tanh(%v) = %v, want math.Tanh's %v", v, got[i], math.Tanh(v))
				}
			}
			d, want := append([]float64(nil), x...), append([]float64(nil), x...)
			TanhGrad(d, got)
			for i, y := range got {
				want[i] *= 1 - float64(y*y)
			}
			for i := range d {
				if !same(d[i], want[i]) {
					t.Errorf("TanhGrad [%d] = %v, want %v", i, d[i], want[i])
				}
			}
		}
	})
}

func TestTanhLengthMismatchPanics(t *testing.T) {
	a, b := make([]float64, 3), make([]float64, 4)
	for name, f := range map[string]func(){
		"Tanh":         func() { Tanh(a, b) },
		"Tanh short":   func() { Tanh(b, a) },
		"TanhGrad":     func() { TanhGrad(a, b) },
		"TanhGrad y":   func() { TanhGrad(b, a) },
		"Tanh nil dst": func() { Tanh(nil, a) },
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

// tanhBenchData are pre-activations of a hidden layer: mostly within ±3,
// some beyond the branch point and a few saturated.
func tanhBenchData(n int) []float64 {
	r := rand.New(rand.NewPCG(29, 30))
	x := make([]float64, n)
	for i := range x {
		x[i] = 1.5 * r.NormFloat64()
	}
	return x
}

// BenchmarkTanh runs each assembly kernel the CPU has, Tanh itself (the
// best of them) and the Go loop of math.Tanh.
func BenchmarkTanh(b *testing.B) {
	ks := append(tanhAsmKernels(), tanhAPI, tanhKernel{"go", tanhGo[float64]})
	for _, k := range ks {
		for _, n := range []int{500, 32000} {
			b.Run(fmt.Sprintf("%s/n=%d", k.name, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(8 * n))
				x, dst := tanhBenchData(n), make([]float64, n)
				for b.Loop() {
					k.run(dst, x)
				}
			})
		}
	}
}

func BenchmarkTanhGrad(b *testing.B) {
	benchKernels(b, []int{500, 32000}, func(b *testing.B, n int) {
		y, d := tanhBenchData(n), tanhBenchData(n)
		Tanh(y, y)
		for i := range d {
			d[i] = 1 // keeps d finite over the iterations
		}
		for b.Loop() {
			TanhGrad(d, y)
		}
	})
}
