package mlp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// loss is a fixed linear functional of the outputs, so its gradient with
// respect to the outputs is the weight vector c.
func loss(n *Net, ws *Workspace, x, c []float64) float64 {
	out := n.Forward(ws, x)
	s := 0.0
	for i, v := range out {
		s += c[i] * v
	}
	return s
}

func TestBackwardMatchesFiniteDifferences(t *testing.T) {
	for _, act := range []Activation{Identity, Tanh, ReLU, Sigmoid, Softplus} {
		t.Run(act.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(act)))
			n := New([]int{5, 4, 3, 2}, act, rng)
			for _, p := range n.Params() {
				for i := range p {
					p[i] += 0.1 * rng.NormFloat64()
				}
			}
			const rows = 3
			x := make([]float64, rows*5)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			c := make([]float64, rows*2)
			for i := range c {
				c[i] = rng.NormFloat64()
			}
			var ws Workspace
			grad := n.ZeroClone()
			loss(n, &ws, x, c)
			n.Backward(&ws, x, c, grad)
			const h = 1e-6
			for pi, p := range n.Params() {
				g := grad.Params()[pi]
				for i := range p {
					old := p[i]
					p[i] = old + h
					up := loss(n, &ws, x, c)
					p[i] = old - h
					down := loss(n, &ws, x, c)
					p[i] = old
					fd := (up - down) / (2 * h)
					// Central differences err by O(h²)·f''' ≈ 1e-12 here, plus
					// rounding ≈ 1e-16/h = 1e-10; ReLU's kink is never this close.
					if math.Abs(fd-g[i]) > 1e-7*max(1, math.Abs(fd)) {
						t.Errorf("param %d[%d]: backward %.10g, finite difference %.10g", pi, i, g[i], fd)
					}
				}
			}
		})
	}
}

func TestNewIsSeeded(t *testing.T) {
	a := New([]int{3, 4, 2}, Tanh, rand.New(rand.NewPCG(7, 7)))
	b := New([]int{3, 4, 2}, Tanh, rand.New(rand.NewPCG(7, 7)))
	for i, p := range a.Params() {
		for j := range p {
			if p[j] != b.Params()[i][j] {
				t.Fatal("same seed gave different weights")
			}
		}
	}
}

func BenchmarkForwardBackward(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := New([]int{2000, 500, 50}, Tanh, rng)
	x := make([]float64, 64*2000)
	for i := range x {
		if rng.Float64() < 0.03 {
			x[i] = float64(1 + rng.IntN(3))
		}
	}
	d := make([]float64, 64*50)
	var ws Workspace
	grad := n.ZeroClone()
	b.ReportAllocs()
	for b.Loop() {
		n.Forward(&ws, x)
		n.Backward(&ws, x, d, grad)
	}
}

// TestTranspose checks the tiled transpose against the definition on
// shapes smaller than a tile, between tiles and across several.
func TestTranspose(t *testing.T) {
	for _, sh := range [][2]int{{1, 1}, {3, 17}, {17, 3}, {16, 16}, {33, 50}, {64, 500}} {
		rows, cols := sh[0], sh[1]
		a := make([]float64, rows*cols)
		for i := range a {
			a[i] = float64(i)
		}
		d := transpose(nil, a, rows, cols)
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				if d[c*rows+r] != a[r*cols+c] {
					t.Fatalf("%d×%d: transpose[%d][%d] = %v, want %v", rows, cols, c, r, d[c*rows+r], a[r*cols+c])
				}
			}
		}
	}
}
