package mathx

import (
	"math"
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
