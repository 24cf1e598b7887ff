package estimators

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/amvi/amvi/internal/mlp"
)

// nvilBatches returns n batches of B documents with one code each over V
// words, sparse log1p counts, whose log-likelihood is a fixed linear
// function of the words plus noise: a signal the baseline network can
// learn.
func nvilBatches(n, B, V int, rng *rand.Rand) []*Batch {
	w := make([]float64, V)
	for i := range w {
		w[i] = -5 * rng.Float64()
	}
	batches := make([]*Batch, n)
	for k := range batches {
		b := &Batch{B: B, S: 1, InputDim: V, InputSparse: new(mlp.Sparse)}
		b.InputSparse.Reset(V)
		for range B {
			ll := 0.0
			for c := range V {
				if rng.Float64() < 0.2 {
					x := math.Log1p(float64(1 + rng.IntN(3)))
					b.InputSparse.Append(c, x)
					ll += w[c] * x
				}
			}
			b.InputSparse.EndRow()
			b.LogLik = append(b.LogLik, ll+rng.NormFloat64())
			b.LogPrior = append(b.LogPrior, -2)
			b.LogQ = append(b.LogQ, -1)
			b.KL = append(b.KL, 1)
		}
		batches[k] = b
	}
	return batches
}

// TestNVILFloat32Baseline trains NVIL's baseline network in float32 and in
// float64 from the same initial weights on the same 200 batches, then
// requires the float32 estimator's predictions on a new batch to be Net32's
// own (bit for bit) and to lie within 0.5% of the float64 network's
// (normwise; measured 1e-7 to 9e-4 over seeds 1-12, float32 rounding
// amplified by Adam's normalisation), the float64 network having moved
// well away from its untrained predictions (a constant 0). After Widen, Net
// must hold the float32 weights exactly, and Narrow must round them back
// to the same bits. Mutations: a Float32 estimator that runs and trains
// the float64 network (newBaselineRun(e.Net, …)) fails the first check; one
// whose Adam step does nothing fails the second.
func TestNVILFloat32Baseline(t *testing.T) {
	const B, V = 32, 40
	rng := rand.New(rand.NewPCG(1, 2))
	batches := nvilBatches(201, B, V, rng)
	e64 := NewNVIL(NVILConfig{InputDim: V, Seed: 3})
	e32 := NewNVIL(NVILConfig{InputDim: V, Seed: 3, Float32: true})
	if e32.Net32 == nil || e64.Net32 != nil {
		t.Fatalf("Net32 %v with Float32, %v without", e32.Net32 != nil, e64.Net32 != nil)
	}
	var w Weights
	for _, b := range batches[:200] {
		for _, e := range []*NVIL{e64, e32} {
			if err := e.Estimate(&w, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	test := batches[200]
	p64, p32 := make([]float64, B), make([]float64, B)
	e64.run.predict(p64, test)
	e32.run.predict(p32, test)
	diff, norm := 0.0, 0.0
	for i := range p64 {
		diff += (p32[i] - p64[i]) * (p32[i] - p64[i])
		norm += p64[i] * p64[i]
	}
	diff, norm = math.Sqrt(diff), math.Sqrt(norm)
	t.Logf("predictions: ‖p64‖ = %.4g, ‖p32 - p64‖ = %.3g", norm, diff)
	if norm < 1 {
		t.Fatalf("the float64 baseline did not learn: ‖p64‖ = %.3g", norm)
	}
	var ws mlp.WorkspaceOf[float32]
	var x32 mlp.SparseOf[float32]
	mlp.ConvertSparse(&x32, test.InputSparse)
	for i, v := range e32.Net32.ForwardSparse(&ws, &x32) {
		if float64(v) != p32[i] {
			t.Fatalf("float32 prediction %d is %v, Net32's %v", i, p32[i], v)
		}
	}
	if diff > 0.005*norm {
		t.Errorf("float32 predictions differ from float64 by %.3g, ‖p64‖ = %.3g", diff, norm)
	}

	e32.Widen()
	p := e32.Net32.Params()
	for i, q := range e32.Net.Params() {
		for j, v := range q {
			if v != float64(p[i][j]) {
				t.Fatalf("after Widen, Net parameter %d[%d] = %v, Net32 %v", i, j, v, p[i][j])
			}
		}
	}
	want := e32.Net32.Clone()
	e32.Narrow()
	for i, q := range want.Params() {
		for j, v := range q {
			if p[i][j] != v {
				t.Fatalf("Narrow after Widen changed parameter %d[%d]: %v, was %v", i, j, p[i][j], v)
			}
		}
	}
}
