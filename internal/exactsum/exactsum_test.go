package exactsum

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// values returns n float64s spread over the whole exponent range, with both
// signs, subnormals and exact cancellations.
func values(n int, rng *rand.Rand) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		switch rng.IntN(4) {
		case 0: // any finite float64 but the largest few binades
			xs[i] = math.Float64frombits(rng.Uint64N(0x7fe0000000000000))
		case 1: // subnormal
			xs[i] = math.Float64frombits(rng.Uint64N(1 << 52))
		case 2: // a value of ordinary size
			xs[i] = rng.NormFloat64() * 1e3
		default: // the negation of an earlier value
			if i > 0 {
				xs[i] = -xs[rng.IntN(i)]
			}
		}
		if rng.IntN(2) == 0 {
			xs[i] = -xs[i]
		}
	}
	return xs
}

// ratSum is the reference: the exact sum of x_i·y_i (y nil: of x_i) in big.Rat.
func ratSum(xs, ys []float64) *big.Rat {
	sum, t := new(big.Rat), new(big.Rat)
	for i, x := range xs {
		t.SetFloat64(x)
		if ys != nil {
			t.Mul(t, new(big.Rat).SetFloat64(ys[i]))
		}
		sum.Add(sum, t)
	}
	return sum
}

func nearest(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

func TestSumIsExactAndOrderFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		xs := values(1+rng.IntN(200), rng)
		var s Sum
		for _, x := range xs {
			s.Add(x)
		}
		if got, want := s.Float64(), nearest(ratSum(xs, nil)); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("trial %d: sum %g, exact sum rounded %g", trial, got, want)
		}
		n := 1 + rng.IntN(1000)
		if got, want := s.Div(n), nearest(new(big.Rat).Quo(ratSum(xs, nil), big.NewRat(int64(n), 1))); got != want {
			t.Fatalf("trial %d: sum/%d %g, exact %g", trial, n, got, want)
		}
		rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		var u Sum
		for _, x := range xs {
			u.Add(x)
		}
		if !s.Equal(&u) {
			t.Fatalf("trial %d: the sum changed with the order of its terms", trial)
		}
	}
}

// TestCancellation checks sums whose float64 evaluation loses everything:
// a plain float64 loop would give 0, +Inf and 0 here.
func TestCancellation(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{1e100, 1, -1e100}, 1},
		{[]float64{math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64}, math.MaxFloat64},
		{[]float64{1, math.SmallestNonzeroFloat64, -1}, math.SmallestNonzeroFloat64},
		{nil, 0},
	} {
		var s Sum
		for _, x := range tc.xs {
			s.Add(x)
		}
		if got := s.Float64(); got != tc.want {
			t.Errorf("sum of %v = %g, want %g", tc.xs, got, tc.want)
		}
	}
}

func TestAddProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		n := 1 + rng.IntN(100)
		xs, ys := values(n, rng), values(n, rng)
		var s Sum
		for i := range xs {
			s.AddProduct(xs[i], ys[i])
		}
		if got, want := s.Float64(), nearest(ratSum(xs, ys)); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("trial %d: sum of products %g, exact %g", trial, got, want)
		}
	}
	// Products that overflow or underflow in float64 are still exact.
	var s Sum
	s.AddProduct(math.MaxFloat64, 2)
	s.AddProduct(math.MaxFloat64, -1.5)
	if got := s.Float64(); got != math.MaxFloat64/2 {
		t.Errorf("MaxFloat64·2 − MaxFloat64·1.5 = %g", got)
	}
	var u Sum
	u.AddProduct(math.SmallestNonzeroFloat64, 0.5)
	u.AddProduct(math.SmallestNonzeroFloat64, 0.5)
	if got := u.Float64(); got != math.SmallestNonzeroFloat64 {
		t.Errorf("two halves of the smallest subnormal = %g", got)
	}
}

func TestSquaredDeviations(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 30 {
		n := 1 + rng.IntN(300)
		xs := make([]float64, n)
		shift := rng.NormFloat64() * 1e8 // a large mean, the case sum-of-squares formulas lose
		for i := range xs {
			xs[i] = shift + rng.NormFloat64()
		}
		var sum, sq Sum
		for _, x := range xs {
			sum.Add(x)
			sq.AddProduct(x, x)
		}
		mean := new(big.Rat).Quo(ratSum(xs, nil), big.NewRat(int64(n), 1))
		ss, d := new(big.Rat), new(big.Rat)
		for _, x := range xs {
			d.Sub(new(big.Rat).SetFloat64(x), mean)
			ss.Add(ss, d.Mul(d, d))
		}
		if got, want := SquaredDeviations(&sum, &sq, n), nearest(ss); got != want {
			t.Fatalf("trial %d: squared deviations %g, exact %g", trial, got, want)
		}
	}
}

func TestNonFinite(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{1, inf, 2}, inf},
		{[]float64{-inf, 1}, -inf},
		{[]float64{inf, -inf}, math.NaN()},
		{[]float64{1, math.NaN()}, math.NaN()},
	} {
		var s Sum
		for _, x := range tc.xs {
			s.Add(x)
		}
		if got := s.Float64(); !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("sum of %v = %g, want %g", tc.xs, got, tc.want)
		}
	}
	var p Sum
	p.AddProduct(inf, 0)
	if !math.IsNaN(p.Float64()) {
		t.Errorf("Inf·0 summed to %g, want NaN", p.Float64())
	}
	var s, sq Sum
	s.Add(math.NaN())
	if !math.IsNaN(SquaredDeviations(&s, &sq, 1)) {
		t.Error("squared deviations of a NaN term are not NaN")
	}
}

func TestMergeAndJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	xs := values(500, rng)
	xs = append(xs, math.Inf(1), math.NaN())
	var all Sum
	parts := make([]Sum, 7)
	for i, x := range xs {
		all.Add(x)
		parts[i%7].Add(x)
	}
	var merged Sum
	for i := range parts {
		b, err := json.Marshal(&parts[i])
		if err != nil {
			t.Fatal(err)
		}
		var back Sum
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !back.Equal(&parts[i]) {
			t.Fatalf("%s read back as a different sum", b)
		}
		merged.Merge(&back)
	}
	if !merged.Equal(&all) {
		t.Error("the merged parts differ from the whole")
	}
	for _, bad := range []string{`{"hex":""}`, `{"hex":"xyz"}`, `{"hex":"+1"}`, `{"hex":"1","nan":-1}`, `[1]`} {
		var s Sum
		if err := json.Unmarshal([]byte(bad), &s); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: error %v, want ErrSyntax", bad, err)
		}
	}
}

func TestPanics(t *testing.T) {
	for name, fn := range map[string]func(){
		"Div":               func() { new(Sum).Div(0) },
		"SquaredDeviations": func() { SquaredDeviations(new(Sum), new(Sum), 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a zero count did not panic", name)
				}
			}()
			fn()
		}()
	}
}

func BenchmarkAdd(b *testing.B) {
	b.ReportAllocs()
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = rng.NormFloat64() * 100
	}
	var s Sum
	for i := 0; b.Loop(); i++ {
		s.Add(xs[i%len(xs)])
	}
}
