package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/amvi/amvi/internal/vecof"
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
// shapes smaller than a tile, between tiles and across several, with row
// counts in a tile that are and are not multiples of four.
func TestTranspose(t *testing.T) {
	for _, sh := range [][2]int{{1, 1}, {3, 17}, {17, 3}, {16, 16}, {22, 7}, {33, 50}, {64, 500}, {500, 50}} {
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

// TestDenseGradsMatchRows requires WeightGrad and InputGrad (vec.AddMatMul
// over blocks of rows) to give, bit for bit, their definition as one
// vec.AddScaledRows per output row from a cleared row, in both dtypes, on
// one and two cores, at shapes where the loops split and where they do
// not, with row counts that are and are not multiples of AddMatMul's four.
func TestDenseGradsMatchRows(t *testing.T) {
	for _, sh := range [][3]int{{1, 3, 2}, {7, 9, 5}, {64, 500, 50}, {65, 50, 500}, {130, 33, 70}} {
		for _, procs := range []int{1, 2} {
			t.Run(fmt.Sprintf("rows=%d/%d→%d/procs=%d", sh[0], sh[1], sh[2], procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				denseGradsMatchRows[float64](t, sh[0], sh[1], sh[2])
				denseGradsMatchRows[float32](t, sh[0], sh[1], sh[2])
			})
		}
	}
}

func denseGradsMatchRows[T Float](t *testing.T, rows, in, outs int) {
	rng := rand.New(rand.NewPCG(uint64(rows), uint64(in)))
	fill := func(n int) []T {
		x := make([]T, n)
		for i := range x {
			x[i] = T(rng.NormFloat64())
		}
		return x
	}
	l := LayerOf[T]{In: in, Out: outs, W: fill(in * outs)}
	x, d := fill(rows*in), fill(rows*outs)
	var s ScratchOf[T]
	gw, din := fill(in*outs), fill(rows*in) // not zero: both are written over
	l.WeightGrad(&s, gw, x, d, rows)
	l.InputGrad(&s, din, d, rows)

	idx := make([]int, max(rows, outs))
	for i := range idx {
		idx[i] = i
	}
	col := make([]T, rows)
	for u := 0; u < in; u++ {
		for r := range col {
			col[r] = x[r*in+u]
		}
		want := make([]T, outs)
		vecof.AddScaledRows(want, d, outs, idx[:rows], col)
		for j, w := range want {
			if g := gw[u*outs+j]; math.Float64bits(float64(g)) != math.Float64bits(float64(w)) {
				t.Fatalf("%T WeightGrad[%d][%d] = %v, want %v", g, u, j, g, w)
			}
		}
	}
	wT := make([]T, outs*in)
	for u := 0; u < in; u++ {
		for j := 0; j < outs; j++ {
			wT[j*in+u] = l.W[u*outs+j]
		}
	}
	for r := 0; r < rows; r++ {
		want := make([]T, in)
		vecof.AddScaledRows(want, wT, in, idx[:outs], d[r*outs:(r+1)*outs])
		for u, w := range want {
			if g := din[r*in+u]; math.Float64bits(float64(g)) != math.Float64bits(float64(w)) {
				t.Fatalf("%T InputGrad[%d][%d] = %v, want %v", g, r, u, g, w)
			}
		}
	}
}
