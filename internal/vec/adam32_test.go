package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/amvi/amvi/internal/par"
)

// adam32BenchN is the parameter count of the training step's Adam update.
const adam32BenchN = 1_130_000

// adam32Evict is the size of the buffer written between the iterations of
// the cold benchmarks, twice the L3, to push the operands out of the caches.
const adam32Evict = 64 << 20

var adam32EvictBuf []byte

func adam32EvictCaches() {
	if adam32EvictBuf == nil {
		adam32EvictBuf = make([]byte, adam32Evict)
	}
	for i := 0; i < len(adam32EvictBuf); i += 64 {
		adam32EvictBuf[i]++
	}
}

// benchAdamPair runs update over both cores as the training step does,
// warm (the operands left in the caches by the previous iteration, as far
// as they fit) or cold (evicted before each iteration, outside the timing).
func benchAdamPair(b *testing.B, update func(lo, hi int)) {
	for _, cold := range []bool{false, true} {
		name := "warm"
		if cold {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			par.For(adam32BenchN, 1<<14, update)
			for b.Loop() {
				if cold {
					b.StopTimer()
					adam32EvictCaches()
					b.StartTimer()
				}
				par.For(adam32BenchN, 1<<14, update)
			}
		})
	}
}

func adam32BenchData() (p, g []float64, m, v []float32) {
	r := rand.New(rand.NewPCG(11, 12))
	n := adam32BenchN
	p, g = make([]float64, n), make([]float64, n)
	m, v = make([]float32, n), make([]float32, n)
	for i := range n {
		p[i] = r.NormFloat64()
		g[i] = 1e-3 * r.NormFloat64()
		m[i], v[i] = float32(1e-4*r.NormFloat64()), float32(1e-6*r.Float64())
	}
	return
}

// BenchmarkAdam32 runs Adam32 on the training step's 1.13M parameters split
// over the cores (40 bytes of traffic per parameter).
func BenchmarkAdam32(b *testing.B) {
	p, g, m, v := adam32BenchData()
	c := AdamConst{Beta1: 0.9, Beta2: 0.999, Step: 1e-3, C2: 0.01, Eps: 1e-8}
	benchAdamPair(b, func(lo, hi int) { Adam32(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], c) })
}

// adam32Guard is how many elements past each operand are checked to be
// untouched.
const adam32Guard = 9

// adam32Specials64 are the values mixed into p and g: signed zeros,
// infinities, NaN, subnormals, and magnitudes whose squares (in v) or
// products (in m) overflow float32 or float64.
var adam32Specials64 = []float64{
	0, math.Copysign(0, -1), 1, -1,
	math.Inf(1), math.Inf(-1), math.NaN(),
	math.SmallestNonzeroFloat64, -0x1.8p-1040, 0x1p-1022,
	1e-40, -1e-45, // float32 subnormals once in m
	1e20, -3e19, // g*g beyond float32
	4e38, -1e39, // beyond float32 in m
	math.MaxFloat64, -1e300, 1e160,
}

// adam32Specials32 are the values mixed into m and v.
var adam32Specials32 = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, 0x1p-126, 0x1.8p-140,
	math.MaxFloat32, -math.MaxFloat32, 3e38,
}

// adam32Rand64 returns off+n+adam32Guard random values of assorted
// magnitudes; with withSpecials, about one in six is a special.
func adam32Rand64(r *rand.Rand, off, n int, withSpecials bool) []float64 {
	x := make([]float64, off+n+adam32Guard)
	for i := range x {
		if withSpecials && r.IntN(6) == 0 {
			x[i] = adam32Specials64[r.IntN(len(adam32Specials64))]
			continue
		}
		x[i] = math.Ldexp(r.Float64()-0.5, r.IntN(41)-20)
	}
	return x
}

// adam32Rand32 is adam32Rand64 for m and v; nonNeg keeps the values ≥ 0,
// as v is in training.
func adam32Rand32(r *rand.Rand, off, n int, withSpecials, nonNeg bool) []float32 {
	x := make([]float32, off+n+adam32Guard)
	for i := range x {
		if withSpecials && r.IntN(6) == 0 {
			x[i] = adam32Specials32[r.IntN(len(adam32Specials32))]
			continue
		}
		x[i] = float32(math.Ldexp(r.Float64()-0.5, r.IntN(41)-30))
		if nonNeg {
			x[i] = float32(math.Abs(float64(x[i])))
		}
	}
	return x
}

// adam32Same reports whether a and b are the same bits, or both NaN (NaN
// payloads depend on operand order, which Go leaves open).
func adam32Same(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

func adam32Same32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// adam32SameVec checks got against want over the whole backing arrays,
// the guard elements past the operands included.
func adam32SameVec[T float32 | float64](t *testing.T, what string, got, want []T) bool {
	t.Helper()
	for i := range want {
		var ok bool
		switch g := any(got[i]).(type) {
		case float32:
			ok = adam32Same32(g, any(want[i]).(float32))
		case float64:
			ok = adam32Same(g, any(want[i]).(float64))
		}
		if !ok {
			t.Errorf("%s: index %d: got %v, want %v", what, i, got[i], want[i])
			return false
		}
	}
	return true
}

// adam32Consts are the per-step constants of the bit-identity tests.
var adam32Consts = []AdamConst{
	{Beta1: 0.9, Beta2: 0.999, Step: 1e-3 / (1 - 0.9), C2: 1 - 0.999, Eps: 1e-8},
	{Beta1: 0.9, Beta2: 0.999, Step: 1e-3 / (1 - math.Pow(0.9, 1000)), C2: 1 - math.Pow(0.999, 1000), Eps: 1e-8},
	{Beta1: 0.8, Beta2: 0.95, Step: 0.3, C2: 0.1, Eps: 0},
	{Beta1: 0.123, Beta2: 0.456, Step: -2.5, C2: 7, Eps: 1e-300},
	{Beta1: 0, Beta2: 0, Step: 1, C2: 1, Eps: 1},
}

type adam32Case struct {
	n            int
	off          [4]int // offsets of p, g, m and v in their arrays
	withSpecials bool
	c            AdamConst
}

func (tc adam32Case) String() string {
	return fmt.Sprintf("n=%d off=%v specials=%v %+v", tc.n, tc.off, tc.withSpecials, tc.c)
}

// adam32Cases are every length up to 70 (all the tail shapes of 4-, 8- and
// 16-wide blocks), the output layer's 1995 and a long odd one, each at
// several misalignments, with and without special values.
func adam32Cases() []adam32Case {
	var ns []int
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 1995, 1000003)
	offs := [][4]int{{0, 0, 0, 0}, {3, 1, 2, 1}, {1, 3, 3, 2}, {2, 2, 1, 3}}
	var cs []adam32Case
	for _, n := range ns {
		for k, off := range offs {
			cs = append(cs, adam32Case{n, off, k%2 == 1, adam32Consts[(n+k)%len(adam32Consts)]})
		}
	}
	return cs
}

// checkAdam32 runs update and adam32Go on the same random operands of tc
// and reports whether they agree bit for bit, guards included.
func checkAdam32(t *testing.T, r *rand.Rand, tc adam32Case, update func(p, g []float64, m, v []float32, c AdamConst)) bool {
	t.Helper()
	o, n := tc.off, tc.n
	p := adam32Rand64(r, o[0], n, tc.withSpecials)
	g := adam32Rand64(r, o[1], n, tc.withSpecials)
	m := adam32Rand32(r, o[2], n, tc.withSpecials, false)
	v := adam32Rand32(r, o[3], n, tc.withSpecials, !tc.withSpecials)
	wp, wg := append([]float64(nil), p...), append([]float64(nil), g...)
	wm, wv := append([]float32(nil), m...), append([]float32(nil), v...)
	update(p[o[0]:o[0]+n], g[o[1]:o[1]+n], m[o[2]:o[2]+n], v[o[3]:o[3]+n], tc.c)
	adam32Go(wp[o[0]:o[0]+n], wg[o[1]:o[1]+n], wm[o[2]:o[2]+n], wv[o[3]:o[3]+n], tc.c)
	return adam32SameVec(t, "p: "+tc.String(), p, wp) &&
		adam32SameVec(t, "g: "+tc.String(), g, wg) &&
		adam32SameVec(t, "m: "+tc.String(), m, wm) &&
		adam32SameVec(t, "v: "+tc.String(), v, wv)
}

// TestAdam32BitIdentical compares each assembly kernel the CPU has with
// the Go loop.
func TestAdam32BitIdentical(t *testing.T) {
	ks := adam32AsmKernels()
	if len(ks) == 0 {
		t.Skip("no assembly kernels in this build or on this CPU")
	}
	for _, k := range ks {
		t.Run(k.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(21, 22))
			for _, tc := range adam32Cases() {
				if !checkAdam32(t, r, tc, k.fn) {
					return
				}
			}
		})
	}
}

// TestAdam32API checks that Adam32, at whatever level the package runs,
// gives the Go loop's bits.
func TestAdam32API(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, tc := range adam32Cases() {
		if tc.n > 2000 {
			continue
		}
		if !checkAdam32(t, r, tc, Adam32) {
			return
		}
	}
}

// TestAdam32Specials checks single elements of special values against
// their expected results: the rounding of m and v to float32 (to
// subnormals, to zero, to ±Inf) and a p computed from the unrounded
// moments (finite where the rounded ones would give Inf/Inf or 1/0).
func TestAdam32Specials(t *testing.T) {
	// With these constants and m = v = 0, mm = g/2, vv = (g/2)*g and
	// p = 0 - mm/sqrt(vv).
	c := AdamConst{Beta1: 0.5, Beta2: 0.5, Step: 1, C2: 1, Eps: 0}
	inf, nan := math.Inf(1), math.NaN()
	fromZero := func(g float64) float64 { return 0 - (0.5*g)/math.Sqrt((0.5*g)*g) }
	for _, tc := range []struct {
		g, m, v      float64
		wantM, wantV float32
		wantP        float64
	}{
		{g: 0, wantM: 0, wantV: 0, wantP: nan}, // 0/0
		{g: 2, wantM: 1, wantV: 2, wantP: fromZero(2)},
		{g: 1e20, wantM: 5e19, wantV: float32(inf), wantP: fromZero(1e20)},
		{g: 1e39, wantM: float32(inf), wantV: float32(inf), wantP: fromZero(1e39)},
		{g: -1e39, wantM: float32(-inf), wantV: float32(inf), wantP: fromZero(-1e39)},
		{g: 1 + 0x1p-30, wantM: 0.5, wantV: 0.5, wantP: fromZero(1 + 0x1p-30)},
		{g: 0x1p-140, wantM: 0x1p-141, wantV: 0, wantP: fromZero(0x1p-140)},
		{g: -0x1p-160, wantM: float32(math.Copysign(0, -1)), wantV: 0, wantP: fromZero(-0x1p-160)},
		{g: 0, m: 0, v: inf, wantM: 0, wantV: float32(inf), wantP: 0},
		{g: 1, m: nan, v: 1, wantM: float32(nan), wantV: 1, wantP: nan},
		{g: 1, m: 1, v: inf, wantM: 1, wantV: float32(inf), wantP: 0},
	} {
		check := func(name string, update func(p, g []float64, m, v []float32, c AdamConst)) {
			p, g := []float64{0}, []float64{tc.g}
			m, v := []float32{float32(tc.m)}, []float32{float32(tc.v)}
			update(p, g, m, v, c)
			if !adam32Same32(m[0], tc.wantM) || !adam32Same32(v[0], tc.wantV) {
				t.Errorf("%s g=%g m=%g v=%g: moments %g, %g, want %g, %g", name, tc.g, tc.m, tc.v, m[0], v[0], tc.wantM, tc.wantV)
			}
			if !adam32Same(p[0], tc.wantP) {
				t.Errorf("%s g=%g m=%g v=%g: p %g, want %g", name, tc.g, tc.m, tc.v, p[0], tc.wantP)
			}
		}
		check("go", adam32Go)
		for _, k := range adam32AsmKernels() {
			check(k.name, k.fn)
		}
	}
}

func TestAdam32LengthMismatchPanics(t *testing.T) {
	a, b := make([]float64, 4), make([]float64, 3)
	a32, b32 := make([]float32, 4), make([]float32, 3)
	for name, f := range map[string]func(){
		"g": func() { Adam32(a, b, a32, a32, AdamConst{}) },
		"p": func() { Adam32(b, a, a32, a32, AdamConst{}) },
		"m": func() { Adam32(a, a, b32, a32, AdamConst{}) },
		"v": func() { Adam32(a, a, a32, b32, AdamConst{}) },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "vec: ") {
					t.Errorf("%s: recovered %q, want a vec: panic", name, msg)
				}
			}()
			f()
		}()
	}
}

// adam64 is Adam with float64 moments, in adam32Go's order of operations.
func adam64(p, g, m, v []float64, c AdamConst) {
	ic2 := 1 / c.C2
	for j, gj := range g {
		m[j] = float64(c.Beta1*m[j]) + float64((1-c.Beta1)*gj)
		v[j] = float64(c.Beta2*v[j]) + float64((1-c.Beta2)*gj*gj)
		p[j] -= float64(c.Step*m[j]) / (math.Sqrt(float64(v[j]*ic2)) + c.Eps)
	}
}

// TestAdam32TracksAdam runs Adam with float64 moments (adam64) and Adam32
// side by side for 1000 steps on a smooth problem, an ill-conditioned quadratic whose minimum is not
// reached in that time, and checks that the parameters stay within 1e-6
// relative of each other.
func TestAdam32TracksAdam(t *testing.T) {
	const n, steps = 1000, 1000
	const lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
	r := rand.New(rand.NewPCG(25, 26))
	a, target := make([]float64, n), make([]float64, n)
	p64, p32 := make([]float64, n), make([]float64, n)
	for i := range n {
		a[i] = math.Exp(4 * (r.Float64() - 0.5)) // curvatures over e^±2
		target[i] = 3 * r.NormFloat64()
		p64[i] = r.NormFloat64()
		p32[i] = p64[i]
	}
	m64, v64 := make([]float64, n), make([]float64, n)
	m32, v32 := make([]float32, n), make([]float32, n)
	g64, g32 := make([]float64, n), make([]float64, n)
	grad := func(g, p []float64) {
		for i := range g {
			g[i] = a[i] * (p[i] - target[i])
		}
	}
	worst := 0.0
	for s := 1; s <= steps; s++ {
		c := AdamConst{Beta1: b1, Beta2: b2, Step: lr / (1 - math.Pow(b1, float64(s))), C2: 1 - math.Pow(b2, float64(s)), Eps: eps}
		grad(g64, p64)
		grad(g32, p32)
		adam64(p64, g64, m64, v64, c)
		Adam32(p32, g32, m32, v32, c)
		for i := range p64 {
			d := math.Abs(p32[i]-p64[i]) / math.Max(math.Abs(p64[i]), 1)
			worst = math.Max(worst, d)
		}
	}
	t.Logf("largest relative difference of p over %d steps: %.3g", steps, worst)
	if worst > 1e-6 {
		t.Errorf("Adam32 drifted %.3g relative from float64 Adam, want ≤ 1e-6", worst)
	}
}
