package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/amvi/amvi/internal/vecof"
)

// TestSparseMatchesDense checks ForwardSparse and BackwardSparse against the
// dense passes over four calls whose inputs use different columns (the last
// none at all), so that rows written by one call must be cleared by the
// next.
func TestSparseMatchesDense(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sizes []int
		act   Activation
	}{
		{"linear", []int{40, 7}, Identity},
		{"one hidden", []int{40, 9, 5}, Tanh},
		{"two hidden", []int{40, 9, 8, 3}, ReLU},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			n := New(tc.sizes, tc.act, rng)
			for i := range n.Layers {
				for j := range n.Layers[i].B {
					n.Layers[i].B[j] = rng.NormFloat64()
				}
			}
			const rows = 6
			in, out := n.In(), n.Out()
			sparseGrad, denseGrad := n.ZeroClone(), n.ZeroClone()
			var touched Touched
			var x Sparse
			var ws, wsDense Workspace
			for call := 0; call < 4; call++ { // the fourth call has no nonzeros
				dense := make([]float64, rows*in)
				for i := range dense {
					// Each call uses a different third of the columns, mostly zeros.
					if c := i % in; c/(in/3+1) == call && rng.Float64() < 0.3 {
						dense[i] = float64(rng.IntN(5) + 1)
					}
				}
				x.SetDense(dense, in)
				got := append([]float64(nil), n.ForwardSparse(&ws, &x)...)
				want := n.Forward(&wsDense, dense)
				assertClose(t, "outputs", got, want)
				dOut := make([]float64, rows*out)
				for i := range dOut {
					dOut[i] = rng.NormFloat64()
				}
				n.BackwardSparse(&ws, &x, dOut, sparseGrad, &touched)
				n.Backward(&wsDense, dense, dOut, denseGrad)
				for i, p := range sparseGrad.Params() {
					assertClose(t, "gradient", p, denseGrad.Params()[i])
				}
				used := map[int]bool{}
				for _, c := range x.Col {
					used[c] = true
				}
				if len(touched.Rows) != len(used) {
					t.Fatalf("call %d: touched %v, want the %d used columns", call, touched.Rows, len(used))
				}
				for i, c := range touched.Rows {
					if !used[c] || (i > 0 && touched.Rows[i-1] >= c) {
						t.Fatalf("call %d: touched %v is not the ascending used columns", call, touched.Rows)
					}
				}
			}
		})
	}
}

func assertClose(t *testing.T, what string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, dense pass %v", what, i, got[i], want[i])
		}
	}
}

func TestSparseDenseRoundTrip(t *testing.T) {
	x := []float64{0, 2, 0, 0, 0, 0, 1.5, 0, -1}
	var s Sparse
	s.SetDense(x, 3)
	if s.Rows != 3 || len(s.Col) != 3 {
		t.Fatalf("SetDense: %d rows, %d nonzeros; want 3, 3", s.Rows, len(s.Col))
	}
	back := make([]float64, len(x))
	s.Dense(back)
	for i := range x {
		if back[i] != x[i] {
			t.Fatalf("Dense = %v, want %v", back, x)
		}
	}
}

// TestSetDenseMatchesAppend holds SetDense to the rows built entry by entry
// with Append and EndRow, on one Sparse reused for shrinking and growing
// inputs: empty rows, a trailing zero, −0 (dropped, as 0) and NaN (kept).
func TestSetDenseMatchesAppend(t *testing.T) {
	nan, negZero := math.NaN(), math.Copysign(0, -1)
	var s Sparse
	for _, tc := range []struct {
		x    []float64
		cols int
	}{
		{[]float64{1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0}, 3},
		{[]float64{0, negZero, 2}, 1},
		{[]float64{nan, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 5},
		{[]float64{0, 0, 0, 0}, 2},
	} {
		s.SetDense(tc.x, tc.cols)
		var want Sparse
		want.Reset(tc.cols)
		for r := 0; r < len(tc.x)/tc.cols; r++ {
			for c, v := range tc.x[r*tc.cols : (r+1)*tc.cols] {
				if v != 0 {
					want.Append(c, v)
				}
			}
			want.EndRow()
		}
		same := s.Rows == want.Rows && s.Cols == want.Cols && slices.Equal(s.Ptr, want.Ptr) &&
			slices.Equal(s.Col, want.Col) && len(s.Val) == len(want.Val)
		for i := 0; same && i < len(s.Val); i++ {
			same = math.Float64bits(s.Val[i]) == math.Float64bits(want.Val[i])
		}
		if !same {
			t.Errorf("SetDense(%v, %d) = %+v, want %+v", tc.x, tc.cols, s, want)
		}
	}
}

func BenchmarkForwardBackwardSparse(b *testing.B) {
	// The encoder's shape on 20 Newsgroups: 64 documents of ~60 distinct
	// words over V=2000, hidden 500, K=50.
	rng := rand.New(rand.NewPCG(1, 2))
	n := New([]int{2000, 500, 50}, Tanh, rng)
	var x Sparse
	x.Reset(2000)
	for r := 0; r < 64; r++ {
		for _, c := range rng.Perm(2000)[:60] {
			x.Append(c, float64(rng.IntN(3)+1))
		}
		x.EndRow()
	}
	grad := n.ZeroClone()
	dOut := make([]float64, 64*50)
	for i := range dOut {
		dOut[i] = rng.NormFloat64()
	}
	var ws Workspace
	var touched Touched
	b.ReportAllocs()
	for b.Loop() {
		n.ForwardSparse(&ws, &x)
		n.BackwardSparse(&ws, &x, dOut, grad, &touched)
	}
}

// TestBinaryTablesMatchDense checks the table path that ForwardSparse and
// BackwardSparse take for binary inputs (the decoder's codes) against the
// dense passes, over consecutive calls with different rows set, for input
// sizes that do and do not fill the last group.
func TestBinaryTablesMatchDense(t *testing.T) {
	for _, tc := range []struct {
		sizes []int
		p     float64 // probability of a one
	}{{[]int{50, 70}, 0.5}, {[]int{9, 33}, 0.8}, {[]int{12, 6, 40}, 0.6}, {[]int{50, 70}, 0.98}} {
		rng := rand.New(rand.NewPCG(3, uint64(tc.sizes[0])))
		n := New(tc.sizes, Tanh, rng)
		for i := range n.Layers {
			for j := range n.Layers[i].B {
				n.Layers[i].B[j] = rng.NormFloat64()
			}
		}
		in, out := n.In(), n.Out()
		sparseGrad, denseGrad := n.ZeroClone(), n.ZeroClone()
		var touched Touched
		var x Sparse
		var ws, wsDense Workspace
		for call, rows := range []int{192, 130, 256} {
			dense := make([]float64, rows*in)
			for i := range dense {
				// The first call leaves input 1 unused, so the next call's
				// gradient row for it must be written, and the second call
				// leaves input 2 unused, so its row must be cleared.
				if c := i % in; rng.Float64() < tc.p && !(call == 0 && c == 1) && !(call == 1 && c == 2) {
					dense[i] = 1
				}
			}
			x.SetDense(dense, in)
			got := append([]float64(nil), n.ForwardSparse(&ws, &x)...)
			if !ws.s.plan.used {
				t.Fatalf("sizes %v call %d: the table path was not taken", tc.sizes, call)
			}
			assertClose(t, "outputs", got, n.Forward(&wsDense, dense))
			dOut := make([]float64, rows*out)
			for i := range dOut {
				dOut[i] = rng.NormFloat64()
			}
			n.BackwardSparse(&ws, &x, dOut, sparseGrad, &touched)
			n.Backward(&wsDense, dense, dOut, denseGrad)
			for i, p := range sparseGrad.Params() {
				assertClose(t, "gradient", p, denseGrad.Params()[i])
			}
		}
	}
}

// TestBinaryTablesReused checks that forward calls on one Scratch, which
// keep their tables from call to call, give bit for bit a fresh Scratch's
// outputs (whose tables are built anew) when the weights or the bias are
// written in place between the calls, unchanged, or after a backward call
// has written its sums over the tables.
func TestBinaryTablesReused(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	l := New([]int{50, 300}, Identity, rng).Layers[0]
	for j := range l.B {
		l.B[j] = rng.NormFloat64()
	}
	rows := 200
	dense := randomCodes(rng, rows, l.In, 0.5)
	var x Sparse
	x.SetDense(dense, l.In)
	pre, want := make([]float64, rows*l.Out), make([]float64, rows*l.Out)
	d := make([]float64, rows*l.Out)
	gw, gb := make([]float64, l.In*l.Out), make([]float64, l.Out)
	var s Scratch
	var touched Touched
	for _, step := range []string{"first", "second", "same", "same", "W", "same", "B", "backward", "same", "W"} {
		switch step {
		case "W":
			l.W[7*l.Out+250] += 1 // a column in the last block
		case "B":
			l.B[3] = -l.B[3]
		case "backward":
			for i := range d {
				d[i] = rng.NormFloat64()
			}
			l.SparseGrad(&s, gw, gb, d, &x, &touched)
			continue
		}
		l.AffineSparse(&s, pre, &x)
		if !s.plan.used {
			t.Fatalf("%s: the table path was not taken", step)
		}
		var fresh Scratch
		l.AffineSparse(&fresh, want, &x)
		for i := range want {
			if math.Float64bits(pre[i]) != math.Float64bits(want[i]) {
				t.Fatalf("after %q: output %d is %v, a fresh Scratch's %v", step, i, pre[i], want[i])
			}
		}
	}
	var ds Scratch
	l.Affine(&ds, want, dense, rows)
	assertClose(t, "outputs", pre, want)
}

// TestTouchedUpdate checks the touched rows (the input's columns, each
// once, ascending) and the stale ones (the previous rows not among them)
// over consecutive inputs, where the marks are read in order (inputs that
// use much of the width) and where the columns are sorted (few columns of
// a wide input).
func TestTouchedUpdate(t *testing.T) {
	for _, tc := range []struct {
		in   int
		rows [][]int // each input's columns, row by row
	}{
		{50, [][]int{{3, 1, 3, 49}, {1, 2}, {0, 49, 2}}},
		{100000, [][]int{{90000, 7, 7}, {7, 12}, {}}},
	} {
		var touched Touched
		prev := map[int]bool{}
		for call, cols := range tc.rows {
			var x Sparse
			x.Reset(tc.in)
			for _, c := range cols {
				x.Append(c, 1)
			}
			x.EndRow()
			touched.update(x.Col, tc.in)
			used := map[int]bool{}
			for _, c := range cols {
				used[c] = true
			}
			var want, stale []int
			for c := 0; c < tc.in; c++ {
				if used[c] {
					want = append(want, c)
				} else if prev[c] {
					stale = append(stale, c)
				}
			}
			slices.Sort(touched.stale)
			if !slices.Equal(touched.Rows, want) || !slices.Equal(touched.stale, stale) {
				t.Errorf("in %d, call %d: rows %v stale %v, want %v and %v", tc.in, call, touched.Rows, touched.stale, want, stale)
			}
			prev = used
		}
	}
}

// TestAffineSparseLargeWeights checks AffineSparse on weights larger than
// the level-2 cache (which it reads with the prefetching kernel) against
// one vec.AddScaledRows per row over all the columns, bit for bit, in both
// dtypes, on one core and on all of them. Mutation: vecof.AddScaledRowsAhead
// passing the float64 kernel half of the rows fails it.
func TestAffineSparseLargeWeights(t *testing.T) {
	for _, tc := range []struct{ in, out, rows int }{
		{2000, 500, 9},  // the encoder's first layer
		{2000, 100, 70}, // NVIL's baseline network's
		{700, 200, 3},
		{300, 1000, 5}, // wider than the kernel's blocks, stride > block
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.in, tc.out), func(t *testing.T) {
			affineSparseLarge[float64](t, tc.in, tc.out, tc.rows)
			affineSparseLarge[float32](t, tc.in, tc.out, tc.rows)
		})
	}
}

func affineSparseLarge[T Float](t *testing.T, in, out, rows int) {
	if in*out <= l2Doubles {
		t.Fatalf("%d×%d weights fit the level-2 cache: the test would not reach the prefetching path", in, out)
	}
	rng := rand.New(rand.NewPCG(uint64(in), uint64(out)))
	l := NewZeroOf[T]([]int{in, out}, Identity).Layers[0]
	for j := range l.W {
		l.W[j] = T(rng.NormFloat64())
	}
	for j := range l.B {
		l.B[j] = T(rng.NormFloat64())
	}
	var x SparseOf[T]
	x.Reset(in)
	for r := 0; r < rows; r++ {
		for c := 0; c < in; c++ {
			if rng.IntN(25) == 0 {
				x.Append(c, T(rng.IntN(4)+1)*T(0.37))
			}
		}
		x.EndRow()
	}
	want := make([]T, rows*out)
	for r := 0; r < rows; r++ {
		p := want[r*out : (r+1)*out]
		copy(p, l.B)
		k0, k1 := x.Ptr[r], x.Ptr[r+1]
		vecof.AddScaledRows(p, l.W, out, x.Col[k0:k1], x.Val[k0:k1])
	}
	for _, serial := range []bool{false, true} {
		s := ScratchOf[T]{Serial: serial}
		got := make([]T, rows*out)
		l.AffineSparse(&s, got, &x)
		for i := range got {
			if got[i] != want[i] || math.Signbit(float64(got[i])) != math.Signbit(float64(want[i])) {
				t.Fatalf("%T serial=%v: pre[%d] = %v, want %v", got[i], serial, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkFirstLayerWeightGrad times the encoder's first-layer weight
// gradient on one core (the rows of BenchmarkFirstLayerGather's 64
// documents, as SparseGrad gathers them from d) written as clear then
// vec.AddScaledRows ("clear") and as vec.SumScaledRows ("sum"), alternated,
// after 32 MiB have been written (the gradient rows out of cache, as in a
// step) and d and the transposed input read back in (as they are, fresh,
// in a step).
func BenchmarkFirstLayerWeightGrad(b *testing.B) {
	b.Run("float64", func(b *testing.B) { benchFirstLayerWeightGrad[float64](b) })
	b.Run("float32", func(b *testing.B) { benchFirstLayerWeightGrad[float32](b) })
}

func benchFirstLayerWeightGrad[T Float](b *testing.B) {
	const V, H, B = 2000, 500, 64
	rng := rand.New(rand.NewPCG(1, 2))
	x := firstLayerInput[T](rng, V, B)
	d := make([]T, B*H)
	for i := range d {
		d[i] = T(rng.NormFloat64())
	}
	gw := make([]T, V*H)
	var touched Touched
	touched.update(x.Col, V)
	var csc SparseOf[T]
	csc.transpose(x)
	flush := make([]float64, 4<<20)
	var sink T
	for round := range 3 {
		for _, kernel := range []string{"clear", "sum"} {
			b.Run(fmt.Sprintf("%s/%d", kernel, round), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					for i := range flush {
						flush[i]++
					}
					for _, v := range d {
						sink += v
					}
					for i, v := range csc.Val {
						sink += v + T(csc.Col[i])
					}
					b.StartTimer()
					for _, c := range touched.Rows {
						k0, k1 := csc.Ptr[c], csc.Ptr[c+1]
						g := gw[c*H : (c+1)*H]
						if kernel == "sum" {
							vecof.SumScaledRows(g, d, H, csc.Col[k0:k1], csc.Val[k0:k1])
						} else {
							clear(g)
							vecof.AddScaledRows(g, d, H, csc.Col[k0:k1], csc.Val[k0:k1])
						}
					}
				}
			})
		}
	}
	if sink == 0.5 {
		b.Log(sink)
	}
}

// firstLayerInput returns B documents of 88 tokens over V words, drawn as
// testmodel.Docs draws them (a skewed vocabulary), with log1p counts.
func firstLayerInput[T Float](rng *rand.Rand, V, B int) *SparseOf[T] {
	x := new(SparseOf[T])
	x.Reset(V)
	counts := make([]int, V)
	for range B {
		clear(counts)
		for range 88 {
			counts[int(float64(V)*rng.Float64()*rng.Float64())]++
		}
		for c, n := range counts {
			if n > 0 {
				x.Append(c, T(math.Log1p(float64(n))))
			}
		}
		x.EndRow()
	}
	return x
}

// BenchmarkFirstLayerGather times the encoder's first-layer forward on one
// core (64 documents of 88 tokens over V=2000, H=500, as sparseRows runs
// it) with vec.AddScaledRows and with the prefetching
// vec.AddScaledRowsAhead, alternated: with W left in cache by the last call
// ("cached"), and after 32 MiB have been written ("memory"), as in a
// training step, where Adam and the other networks pass through the cache
// between two forwards.
func BenchmarkFirstLayerGather(b *testing.B) {
	b.Run("float64", func(b *testing.B) { benchFirstLayerGather[float64](b) })
	b.Run("float32", func(b *testing.B) { benchFirstLayerGather[float32](b) })
}

func benchFirstLayerGather[T Float](b *testing.B) {
	const V, H, B = 2000, 500, 64
	rng := rand.New(rand.NewPCG(1, 2))
	l := NewZeroOf[T]([]int{V, H}, Identity).Layers[0]
	for i := range l.W {
		l.W[i] = T(rng.NormFloat64())
	}
	x := firstLayerInput[T](rng, V, B)
	pre := make([]T, B*H)
	flush := make([]float64, 4<<20)
	for _, where := range []string{"cached", "memory"} {
		for round := range 3 {
			for _, kernel := range []string{"plain", "ahead"} {
				add := vecof.AddScaledRows[T]
				if kernel == "ahead" {
					add = vecof.AddScaledRowsAhead[T]
				}
				b.Run(fmt.Sprintf("%s/%s/%d", where, kernel, round), func(b *testing.B) {
					for b.Loop() {
						if where == "memory" {
							b.StopTimer()
							for i := range flush {
								flush[i]++
							}
							b.StartTimer()
						}
						for r := range B {
							p := pre[r*H : (r+1)*H]
							copy(p, l.B)
							k0, k1 := x.Ptr[r], x.Ptr[r+1]
							add(p, l.W, H, x.Col[k0:k1], x.Val[k0:k1])
						}
					}
				})
			}
		}
	}
}

// BenchmarkBinaryDecoder times the decoder's layer at RLOO S=8 on 20
// Newsgroups (512 binary codes of K = 50, p = 0.5, onto V = 1995): the
// table forward and the bucket weight gradient.
func BenchmarkBinaryDecoder(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	l := New([]int{50, 1995}, Identity, rng).Layers[0]
	rows := 512
	var x Sparse
	x.SetDense(randomCodes(rng, rows, l.In, 0.5), l.In)
	pre, d := make([]float64, rows*l.Out), make([]float64, rows*l.Out)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	gw, gb := make([]float64, l.In*l.Out), make([]float64, l.Out)
	var s Scratch
	var touched Touched
	for b.Loop() {
		l.W[0] += 1e-9 // the weights change every step in training
		l.AffineSparse(&s, pre, &x)
		l.SparseGrad(&s, gw, gb, d, &x, &touched)
	}
}
