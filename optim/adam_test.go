package optim

import (
	"math"
	"testing"
)

// TestAdamMatchesTextbook runs Adam on f(x) = Σ (x_i - t_i)² and compares
// every step with the algorithm as printed in Kingma and Ba (Algorithm 1).
func TestAdamMatchesTextbook(t *testing.T) {
	target := []float64{1, -2, 3}
	x := []float64{0, 0, 0}
	ref := []float64{0, 0, 0}
	m, v := make([]float64, 3), make([]float64, 3)
	a := NewAdam([][]float64{x}, 0.1)
	g := make([]float64, 3)
	for step := 1; step <= 200; step++ {
		for i := range x {
			g[i] = 2 * (x[i] - target[i])
		}
		a.Update([][]float64{x}, [][]float64{g})
		for i := range ref {
			gi := 2 * (ref[i] - target[i])
			m[i] = 0.9*m[i] + 0.1*gi
			v[i] = 0.999*v[i] + 0.001*gi*gi
			mh := m[i] / (1 - math.Pow(0.9, float64(step)))
			vh := v[i] / (1 - math.Pow(0.999, float64(step)))
			ref[i] -= 0.1 * mh / (math.Sqrt(vh) + 1e-8)
		}
		for i := range x {
			if math.Abs(x[i]-ref[i]) > 1e-13 {
				t.Fatalf("step %d: x[%d] = %.17g, textbook %.17g", step, i, x[i], ref[i])
			}
		}
	}
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
