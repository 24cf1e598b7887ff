package optim

import (
	"math"
	"testing"
)

// TestAdamMatchesTextbook runs Adam on f(x) = Σ (x_i - t_i)² and compares
// every step with the algorithm as printed in Kingma and Ba (Algorithm 1),
// twice: with the moments rounded to float32 after each step, as Adam
// stores them, where the two must agree to 1e-13; and all in float64, where
// they must agree to 1e-5 relative. (A float32 moment carries a relative
// rounding error of at most 6e-8 per step; Adam's step divides m by √v, so
// each rounding moves x by at most about 1e-7 of a step of 0.1, and 200
// steps cannot accumulate 1e-5.)
func TestAdamMatchesTextbook(t *testing.T) {
	target := []float64{1, -2, 3}
	x := []float64{0, 0, 0}
	ref, ref64 := []float64{0, 0, 0}, []float64{0, 0, 0}
	m, v := make([]float32, 3), make([]float32, 3)
	m64, v64 := make([]float64, 3), make([]float64, 3)
	a := NewAdam([][]float64{x}, 0.1)
	g := make([]float64, 3)
	worst := 0.0
	for step := 1; step <= 200; step++ {
		for i := range x {
			g[i] = 2 * (x[i] - target[i])
		}
		a.Update([][]float64{x}, [][]float64{g})
		c1, c2 := 1-math.Pow(0.9, float64(step)), 1-math.Pow(0.999, float64(step))
		for i := range ref {
			gi := 2 * (ref[i] - target[i])
			mm := 0.9*float64(m[i]) + 0.1*gi
			vv := 0.999*float64(v[i]) + 0.001*gi*gi
			m[i], v[i] = float32(mm), float32(vv)
			ref[i] -= 0.1 / c1 * mm / (math.Sqrt(vv*(1/c2)) + 1e-8)

			gi = 2 * (ref64[i] - target[i])
			m64[i] = 0.9*m64[i] + 0.1*gi
			v64[i] = 0.999*v64[i] + 0.001*gi*gi
			ref64[i] -= 0.1 * (m64[i] / c1) / (math.Sqrt(v64[i]/c2) + 1e-8)
		}
		for i := range x {
			if math.Abs(x[i]-ref[i]) > 1e-13 {
				t.Fatalf("step %d: x[%d] = %.17g, textbook with float32 moments %.17g", step, i, x[i], ref[i])
			}
			d := math.Abs(x[i]-ref64[i]) / max(math.Abs(ref64[i]), 1e-300)
			worst = max(worst, d)
			if d > 1e-5 {
				t.Fatalf("step %d: x[%d] = %.17g, float64 textbook %.17g", step, i, x[i], ref64[i])
			}
		}
	}
	t.Logf("largest relative distance from the float64 textbook: %.2g", worst)
	for i := range x {
		if math.Abs(x[i]-target[i]) > 1e-2 {
			t.Errorf("did not converge: x = %v", x)
		}
	}
	if a.Step != 200 {
		t.Errorf("Step = %d, want 200", a.Step)
	}
}

func BenchmarkAdamUpdate(b *testing.B) {
	p := [][]float64{make([]float64, 1_000_000)}
	g := [][]float64{make([]float64, 1_000_000)}
	a := NewAdam(p, 1e-3)
	b.ReportAllocs()
	for b.Loop() {
		a.Update(p, g)
	}
}
