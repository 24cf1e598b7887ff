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

// TestAdamMixedFloat32 holds UpdateMixed's float32 tensors to Update's
// float64 ones: from the same float32 values, gradients and moments, each
// step's float32 parameter is the float64 update rounded to float32, and
// the moments are the same bits (the float64 side is reset to the float32
// values after each step). The float64 tensor after the float32 ones is
// updated with its own moments. Mutation: UpdateMixed giving the float64
// tensors the float32 tensors' moments (a.M[:n] for a.M[n:]) fails it.
func TestAdamMixedFloat32(t *testing.T) {
	const n = 1000
	p32, g32 := make([]float32, n), make([]float32, n)
	p64, g64 := make([]float64, n), make([]float64, n)
	q, gq := []float64{0.5, -1}, []float64{0, 0}
	qRef := []float64{0.5, -1}
	for i := range p32 {
		p32[i] = float32(i%7) - 3
	}
	a := NewAdamMixed([][]float32{p32}, [][]float64{q}, 0.01)
	ref := NewAdam([][]float64{p64, qRef}, 0.01)
	for step := 1; step <= 50; step++ {
		for i := range p32 {
			p64[i] = float64(p32[i])
			g32[i] = float32(math.Sin(float64(i*step))) * p32[i]
			g64[i] = float64(g32[i])
		}
		gq[0], gq[1] = q[0]-1, q[1]+2
		a.UpdateMixed([][]float32{p32}, [][]float32{g32}, [][]float64{q}, [][]float64{gq})
		ref.Update([][]float64{p64, qRef}, [][]float64{g64, {qRef[0] - 1, qRef[1] + 2}})
		for i := range p32 {
			if p32[i] != float32(p64[i]) || a.M[0][i] != ref.M[0][i] || a.V[0][i] != ref.V[0][i] {
				t.Fatalf("step %d: p[%d] = %v, float64 update rounded %v", step, i, p32[i], float32(p64[i]))
			}
		}
		if q[0] != qRef[0] || q[1] != qRef[1] {
			t.Fatalf("step %d: float64 tensor %v, want %v", step, q, qRef)
		}
	}
}

// TestAdamScale holds an Adam with a rate per tensor (Scale) to separate
// Adams of one tensor each at LR × Scale[i], bit for bit, over 50 steps:
// a scale of 1 is the unscaled Adam exactly.
func TestAdamScale(t *testing.T) {
	target := []float64{1, -2, 3, 0.5}
	for _, tc := range []struct {
		name  string
		scale []float64
	}{
		{"nil", nil},
		{"ones", []float64{1, 1, 1}},
		{"mixed", []float64{12.5, 1, 0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const lr = 0.01
			params := [][]float64{{0, 0, 0, 0}, {1, 1}, {-1}}
			grads := [][]float64{make([]float64, 4), make([]float64, 2), make([]float64, 1)}
			a := NewAdam(params, lr)
			a.Scale = tc.scale
			one := make([]*Adam, len(params))
			ref := make([][]float64, len(params))
			for i, p := range params {
				s := 1.0
				if tc.scale != nil {
					s = tc.scale[i]
				}
				ref[i] = append([]float64(nil), p...)
				one[i] = NewAdam([][]float64{ref[i]}, lr*s)
			}
			grad := func(p, g []float64) {
				for j := range p {
					g[j] = 2 * (p[j] - target[j])
				}
			}
			for step := 0; step < 50; step++ {
				for i, p := range params {
					grad(p, grads[i])
				}
				a.Update(params, grads)
				for i := range ref {
					g := make([]float64, len(ref[i]))
					grad(ref[i], g)
					one[i].Update([][]float64{ref[i]}, [][]float64{g})
				}
			}
			for i := range params {
				for j := range params[i] {
					if params[i][j] != ref[i][j] {
						t.Errorf("tensor %d[%d] = %.17g, alone at its rate %.17g", i, j, params[i][j], ref[i][j])
					}
				}
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("a Scale of the wrong length did not panic")
		}
	}()
	a := NewAdam([][]float64{{0}, {0}}, 0.1)
	a.Scale = []float64{1}
	a.Update([][]float64{{0}, {0}}, [][]float64{{1}, {1}})
}

// TestAdamScaleMixed holds UpdateMixed's scales, float32 tensors' first, to
// separate Adams at LR × Scale[i], bit for bit.
func TestAdamScaleMixed(t *testing.T) {
	const lr = 0.01
	p32, q := []float32{1, -1, 2}, []float64{0.5, -0.5}
	r32, rq := []float32{1, -1, 2}, []float64{0.5, -0.5}
	a := NewAdamMixed([][]float32{p32}, [][]float64{q}, lr)
	a.Scale = []float64{4, 0.25}
	one32 := NewAdamMixed([][]float32{r32}, nil, lr*4)
	one64 := NewAdam([][]float64{rq}, lr*0.25)
	g32 := func(p []float32) [][]float32 { return [][]float32{{p[0] - 3, p[1], p[2] + 1}} }
	g64 := func(p []float64) [][]float64 { return [][]float64{{p[0] - 1, p[1] + 2}} }
	for step := 0; step < 50; step++ {
		a.UpdateMixed([][]float32{p32}, g32(p32), [][]float64{q}, g64(q))
		one32.UpdateMixed([][]float32{r32}, g32(r32), nil, nil)
		one64.Update([][]float64{rq}, g64(rq))
	}
	for i := range p32 {
		if p32[i] != r32[i] {
			t.Errorf("float32 tensor %v, alone at its rate %v", p32, r32)
			break
		}
	}
	if q[0] != rq[0] || q[1] != rq[1] {
		t.Errorf("float64 tensor %v, alone at its rate %v", q, rq)
	}
}
