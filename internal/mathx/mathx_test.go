package mathx

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestExtremeInputs(t *testing.T) {
	for _, x := range []float64{-1e308, -800, -40, -1, 0, 1, 40, 800, 1e308} {
		s, sp, ls := Sigmoid(x), Softplus(x), LogSigmoid(x)
		if math.IsNaN(s) || math.IsNaN(sp) || math.IsNaN(ls) || math.IsInf(ls, 0) && x > -1e300 {
			t.Errorf("x=%g: Sigmoid %g Softplus %g LogSigmoid %g", x, s, sp, ls)
		}
		if s < 0 || s > 1 || sp < 0 {
			t.Errorf("x=%g: out of range: Sigmoid %g Softplus %g", x, s, sp)
		}
	}
	for _, tc := range []struct{ x, sigmoid, softplus float64 }{
		{0, 0.5, math.Ln2},
		{-800, 0, 0},
		{800, 1, 800},
		{-40, math.Exp(-40) / (1 + math.Exp(-40)), math.Log1p(math.Exp(-40))},
		{2, 1 / (1 + math.Exp(-2)), math.Log(1 + math.Exp(2))},
	} {
		if got := Sigmoid(tc.x); math.Abs(got-tc.sigmoid) > 1e-15*max(1, tc.sigmoid) {
			t.Errorf("Sigmoid(%g) = %g, want %g", tc.x, got, tc.sigmoid)
		}
		if got := Softplus(tc.x); math.Abs(got-tc.softplus) > 1e-15*max(1, tc.softplus) {
			t.Errorf("Softplus(%g) = %g, want %g", tc.x, got, tc.softplus)
		}
	}
	if got := LogSigmoid(-800); got != -800 {
		t.Errorf("LogSigmoid(-800) = %g, want -800", got)
	}
	if got := Logit(Sigmoid(1.25)); math.Abs(got-1.25) > 1e-14 {
		t.Errorf("Logit(Sigmoid(1.25)) = %g", got)
	}
}

// TestSigmoidPartsMatchesSeparateCalls requires SigmoidParts to give the
// separate functions' bits everywhere, the extremes and NaN included.
func TestSigmoidPartsMatchesSeparateCalls(t *testing.T) {
	xs := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 0.5, -0.5, 1, -1, 20, -20, 36.8, -36.8,
		40, -40, 709, -709, 745, -745, 800, -800, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100000 {
		xs = append(xs, rng.NormFloat64()*10, rng.NormFloat64()*1e-3)
	}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	for _, x := range xs {
		s, l1, l0 := SigmoidParts(x)
		if !same(s, Sigmoid(x)) || !same(l1, LogSigmoid(x)) || !same(l0, LogSigmoid(-x)) {
			t.Fatalf("SigmoidParts(%v) = %v, %v, %v; separately %v, %v, %v", x, s, l1, l0, Sigmoid(x), LogSigmoid(x), LogSigmoid(-x))
		}
	}
}
