package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestBinaryGradOrder requires the table path's weight and bias gradients
// to be, bit for bit, the sums in the order backwardBinary documents,
// written here as scalar loops from +0: each bucket (a group's code) sums
// its rows of d in ascending order; the bias adds group 0's nonempty
// buckets by code, then the rows whose group-0 code is zero; weight row j
// adds the nonempty buckets whose code has j's bit, by group and code. Both
// dtypes, one and two cores, shapes with one column block and with several
// (Out = 1000 at 512 rows: blocks of 144), inputs not a multiple of the
// group, and an input no row uses (its row must stay zero).
func TestBinaryGradOrder(t *testing.T) {
	for _, tc := range []struct{ rows, in, out int }{
		{130, 9, 33}, {192, 50, 70}, {512, 50, 1000}, {256, 7, 300},
	} {
		for _, procs := range []int{1, 2} {
			t.Run(fmt.Sprintf("%dx%d→%d/procs=%d", tc.rows, tc.in, tc.out, procs), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				binaryGradOrder[float64](t, tc.rows, tc.in, tc.out)
				binaryGradOrder[float32](t, tc.rows, tc.in, tc.out)
			})
		}
	}
}

func binaryGradOrder[T Float](t *testing.T, rows, in, out int) {
	rng := rand.New(rand.NewPCG(uint64(rows), uint64(in*out)))
	fill := func(n int) []T {
		x := make([]T, n)
		for i := range x {
			x[i] = T(rng.NormFloat64())
		}
		return x
	}
	l := LayerOf[T]{In: in, Out: out, W: fill(in * out), B: fill(out)}
	dense := make([]T, rows*in)
	for i := range dense {
		if i%in != 1 && rng.Float64() < 0.5 {
			dense[i] = 1
		}
	}
	var x SparseOf[T]
	x.SetDense(dense, in)
	var s ScratchOf[T]
	l.AffineSparse(&s, make([]T, rows*out), &x)
	if !s.plan.used {
		t.Fatal("the table path was not taken")
	}
	d := fill(rows * out)
	gw, gb := make([]T, in*out), fill(out)
	var touched Touched
	l.SparseGrad(&s, gw, gb, d, &x, &touched)

	groups := (in + groupBits - 1) / groupBits
	code := func(r, g int) int {
		c := 0
		for b := 0; b < groupBits && g*groupBits+b < in; b++ {
			if dense[r*in+g*groupBits+b] != 0 {
				c |= 1 << b
			}
		}
		return c
	}
	same := func(what string, i int, got, want T) {
		t.Helper()
		if g, w := float64(got), float64(want); math.Float64bits(g) != math.Float64bits(w) {
			t.Fatalf("%T %s[%d] = %v, want %v", got, what, i, got, want)
		}
	}
	for i := 0; i < out; i++ {
		// sums[g][c]: bucket (g, c)'s sum in column i; nil if empty.
		sums := make([][]*T, groups)
		for g := range sums {
			sums[g] = make([]*T, 1<<groupBits)
			for r := 0; r < rows; r++ {
				if c := code(r, g); c != 0 {
					if sums[g][c] == nil {
						sums[g][c] = new(T)
					}
					*sums[g][c] += d[r*out+i]
				}
			}
		}
		var bias T
		for c := 1; c < 1<<groupBits; c++ {
			if sums[0][c] != nil {
				bias += *sums[0][c]
			}
		}
		for r := 0; r < rows; r++ {
			if code(r, 0) == 0 {
				bias += d[r*out+i]
			}
		}
		same("bias gradient", i, gb[i], bias)
		for j := 0; j < in; j++ {
			var w T
			g, bit := j/groupBits, j%groupBits
			for c := 1; c < 1<<groupBits; c++ {
				if c&(1<<bit) != 0 && sums[g][c] != nil {
					w += *sums[g][c]
				}
			}
			same(fmt.Sprintf("weight gradient row %d", j), i, gw[j*out+i], w)
		}
	}
}
