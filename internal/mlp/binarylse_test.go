package mlp

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/amvi/amvi/internal/vec"
)

// lseRef is LSE(z) in plain Go: the outputs summed term by term, their
// maximum, math.Exp and a left-to-right sum. It also returns A, the
// largest over the outputs j of |b_j| + Σ_k z_k·|W_kj|, which bounds the
// magnitude of every partial sum either way of computing LSE.
func lseRef(l Layer, z []float64) (lse, A float64) {
	eta := make([]float64, l.Out)
	m := math.Inf(-1)
	for j := range eta {
		e, a := l.B[j], math.Abs(l.B[j])
		for k, v := range z {
			if v == 1 {
				e += l.W[k*l.Out+j]
				a += math.Abs(l.W[k*l.Out+j])
			}
		}
		eta[j], A = e, max(A, a)
		m = max(m, e)
	}
	s := 0.0
	for _, e := range eta {
		s += math.Exp(e - m)
	}
	return m + math.Log(s), A
}

// lseTol bounds |BinaryLSE − lseRef| for a layer of In inputs and Out
// outputs, A as lseRef returns it and the value lse, in units of
// u = 2⁻⁵³, from the standard bounds for sums (n terms: (n−1)·u of the sum
// of their magnitudes) and products, each side against the exact value:
//   - lseRef: the outputs (In + 1 terms) In·u·A; the shifts x − m, u·2A;
//     math.Exp, 1 ulp; its sum of Out terms in [0, 1], relative (Out−1)·u,
//     which the log turns into an absolute error; m + log s, u·|lse|.
//   - BinaryLSE, with G = ⌈In/4⌉ groups: the tables' sums (at most 5
//     terms) 4u·A in all; the shifts' sum (G terms, each at most A) G·u·G·A;
//     S − m, u·2A a factor, 2G·u·A in all; the exponentials (1 ulp each)
//     and their product (G factors), 2G·u relative; the sum of Out terms
//     (Out−1)·u relative; sh + log s, u·|lse|.
//
// Summed and doubled for slack in the second-order terms.
func lseTol(in, out int, A, lse float64) float64 {
	G := float64((in + lseBits - 1) / lseBits)
	u := 0x1p-53
	return 2 * u * ((float64(in)+2+4+G*G+2*G)*A + float64(2*out) + 2*G + 4 + 2*math.Abs(lse))
}

func randomLayer(rng *rand.Rand, in, out int, sigma float64) Layer {
	l := NewZero([]int{in, out}, Identity).Layers[0]
	for i := range l.W {
		l.W[i] = sigma * rng.NormFloat64()
	}
	for i := range l.B {
		l.B[i] = sigma * rng.NormFloat64()
	}
	return l
}

func randomCodes(rng *rand.Rand, rows, in int, p float64) []float64 {
	z := make([]float64, rows*in)
	for i := range z {
		if rng.Float64() < p {
			z[i] = 1
		}
	}
	return z
}

// TestBinaryLSEMatchesDirect compares BinaryLSE with the direct form on
// layers of every group shape (In not a multiple of 4 among them), widths
// around and above its column blocks, and weights from small to large
// (σ = 60 makes most rows' products underflow, so that those rows take
// the direct path), with Train and without.
func TestBinaryLSEMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, in := range []int{1, 3, 4, 7, 50} {
		for _, out := range []int{1, 5, 255, 257, 1995} {
			for _, sigma := range []float64{0.1, 3, 60} {
				l := randomLayer(rng, in, out, sigma)
				const rows = 40
				z := randomCodes(rng, rows, in, 0.5)
				for k := range in {
					z[k], z[in+k] = 0, 1 // the all-zero code and the all-one code
				}
				for _, train := range []bool{false, true} {
					b := BinaryLSE{Train: train}
					got := make([]float64, rows)
					if !b.LogSumExp(got, l, z) {
						t.Fatal("binary codes refused")
					}
					for r := range rows {
						want, A := lseRef(l, z[r*in:(r+1)*in])
						if tol := lseTol(in, out, A, want); !(math.Abs(got[r]-want) <= tol) {
							t.Errorf("Train %v In %d Out %d σ %g row %d: %.17g, want %.17g within %.3g", train, in, out, sigma, r, got[r], want, tol)
						}
					}
				}
			}
		}
	}
}

// TestBinaryLSEUnderflow checks a row whose products all underflow: each
// group's table row has its maximum where the other's is e^-800 below, so
// every product is 0 and the row is computed directly.
func TestBinaryLSEUnderflow(t *testing.T) {
	l := NewZero([]int{8, 2}, Identity).Layers[0]
	l.W[0*2+1] = -800 // input 0, output 1
	l.W[4*2+0] = -800 // input 4, output 0
	z := []float64{1, 0, 0, 0, 1, 0, 0, 0}
	var b BinaryLSE
	got := make([]float64, 1)
	b.LogSumExp(got, l, z)
	if want := -800 + math.Log(2); got[0] != want {
		t.Errorf("LSE %v, want %v", got[0], want)
	}
}

// TestBinaryLSEIndependentOfRows checks that a row's value does not depend
// on the other rows of the call (nor on the calls before it), and that
// tables kept from a call are rebuilt when a weight changes in place, with
// Train and without.
func TestBinaryLSEIndependentOfRows(t *testing.T) {
	for _, train := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(7, 8))
		l := randomLayer(rng, 50, 700, 1)
		const rows = 30
		z := randomCodes(rng, rows, 50, 0.3)
		all, one := BinaryLSE{Train: train}, BinaryLSE{Train: train}
		got := make([]float64, rows)
		all.LogSumExp(got, l, z)
		for r := range rows {
			v := make([]float64, 1)
			one.LogSumExp(v, l, z[r*50:(r+1)*50])
			if v[0] != got[r] {
				t.Errorf("Train %v, row %d alone: %v, among %d rows: %v", train, r, v[0], rows, got[r])
			}
		}
		z[0] = 1
		l.W[0*700+3] += 5 // input 0, output 3, in place
		all.LogSumExp(got[:1], l, z[:50])
		want, A := lseRef(l, z[:50])
		if tol := lseTol(50, 700, A, want); !(math.Abs(got[0]-want) <= tol) {
			t.Errorf("Train %v, after a weight changed: %.17g, want %.17g within %.3g (stale tables?)", train, got[0], want, tol)
		}
	}
}

// TestBinaryLSESumsTheColumns checks each row's value bit for bit against
// its shifts' sum and the log of its products over the layer's columns
// alone, each product in group order, column j into lane j mod 8, the
// lanes added pairwise (a range of lseCols columns at a time with Train):
// the zero columns past Out in the last block add nothing.
func TestBinaryLSESumsTheColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, out := range []int{5, 16, 257, 1995} {
		l := randomLayer(rng, 50, out, 0.3)
		const rows = 7
		z := randomCodes(rng, rows, 50, 0.5)
		for _, train := range []bool{false, true} {
			b := BinaryLSE{Train: train}
			got := make([]float64, rows)
			b.LogSumExp(got, l, z)
			groups, nt := len(b.first)-1, b.off[len(b.first)-1]
			width := out
			if train {
				width = lseCols
			}
			for r := range rows {
				row := b.idx[r*groups : (r+1)*groups]
				sh, s := 0.0, 0.0
				for _, u := range row {
					sh += b.shift[u]
				}
				for c0 := 0; c0 < out; c0 += width {
					var q [8]float64
					for j := c0; j < min(c0+width, out); j++ {
						const blk = vec.RowLanesBlock
						at := j/blk*nt*blk + j%blk
						p := b.tab[at+row[0]*blk]
						for _, u := range row[1:] {
							p *= b.tab[at+u*blk]
						}
						q[j%8] += p
					}
					s += ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]))
				}
				if want := sh + math.Log(s); math.Float64bits(got[r]) != math.Float64bits(want) {
					t.Errorf("Out %d Train %v row %d: %.17g, want %.17g", out, train, r, got[r], want)
				}
			}
		}
	}
}

// TestBinaryLSERefusesNonBinary checks that inputs other than 0 and 1
// are refused, nothing written, whatever their kind (near 0 and 1, huge,
// subnormal, infinite, NaN), and that ±0 and 1 are taken.
func TestBinaryLSERefusesNonBinary(t *testing.T) {
	l := NewZero([]int{3, 4}, Identity).Layers[0]
	var b BinaryLSE
	for _, c := range []struct {
		v    float64
		want bool
	}{
		{0, true}, {math.Copysign(0, -1), true}, {1, true},
		{0.5, false}, {-1, false}, {2, false}, {1 + 0x1p-52, false}, {1 - 0x1p-53, false},
		{0x1p-1074, false}, {-0x1p-1074, false}, {0x1p-540, false}, {1e300, false}, {-1e300, false},
		{math.Inf(1), false}, {math.Inf(-1), false}, {math.NaN(), false},
	} {
		got := []float64{7, 7}
		ok := b.LogSumExp(got, l, []float64{1, 0, 0, 0, c.v, 1})
		if ok != c.want || !ok && (got[0] != 7 || got[1] != 7) {
			t.Errorf("a code of %v: took it %v, wrote %v", c.v, ok, got)
		}
	}
}

// BenchmarkBinaryLSE is evaluation's chunk: 1,024 codes of K=50 through
// V=1995, the tables kept.
func BenchmarkBinaryLSE(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	l := randomLayer(rng, 50, 1995, 0.05)
	z := randomCodes(rng, 1024, 50, 0.5)
	var t BinaryLSE
	dst := make([]float64, 1024)
	for b.Loop() {
		t.LogSumExp(dst, l, z)
	}
	b.ReportMetric(float64(b.N*1024)/b.Elapsed().Seconds(), "rows/s")
}

// softmaxGradRef is SoftmaxGrad in plain Go: each row's outputs, softmax
// through math.Exp, and the sums Σ_r z_rk·(a_r·softmax_rj − c_r·x_⌊r/S⌋j).
// It also returns mag, the same sums of magnitudes (the bias's in row In),
// and the largest A of lseRef over the rows.
func softmaxGradRef(l Layer, z, a []float64, x *Sparse, c []float64) (gw, gb, mag []float64, A float64) {
	gw, gb = make([]float64, l.In*l.Out), make([]float64, l.Out)
	mag = make([]float64, (l.In+1)*l.Out)
	eta := make([]float64, l.Out)
	for r := range a {
		zr := z[r*l.In : (r+1)*l.In]
		lse, ar := lseRef(l, zr)
		A = max(A, ar)
		for j := range eta {
			e := l.B[j]
			for k, v := range zr {
				e += v * l.W[k*l.Out+j]
			}
			p := math.Exp(e - lse)
			g, m := a[r]*p, math.Abs(a[r])*p
			if x != nil {
				d := r / (len(a) / x.Rows)
				for i := x.Ptr[d]; i < x.Ptr[d+1]; i++ {
					if x.Col[i] == j {
						g -= c[r] * x.Val[i]
						m += math.Abs(c[r] * x.Val[i])
					}
				}
			}
			gb[j] += g
			mag[l.In*l.Out+j] += m
			for k, v := range zr {
				if v == 1 {
					gw[k*l.Out+j] += g
					mag[k*l.Out+j] += m
				}
			}
		}
	}
	return gw, gb, mag, A
}

// TestBinaryLSESoftmaxGrad compares SoftmaxGrad with the direct form on
// the layers of TestBinaryLSEMatchesDirect (σ = 60: most rows underflow
// and are added directly), with coefficients of both signs, without x
// and with 8 sparse rows of x for the 40 rows (5 each, columns in every
// block, a row empty); for Out = 5 a single row. The layers without x are
// run without Train, the others with it. The bound,
// relative to the sum of magnitudes of each element's terms: each
// softmax value exp(η − LSE) is off by the errors of η and LSE, each at
// most lseTol at LSE = 0 (its |lse| term is LSE's own rounding, not the
// shift's), and the sums add at most R + 2^lseBits terms each side. And a
// product of G factors in [0, 1] that passes through the subnormals loses
// up to 2⁻¹⁰⁷⁵ at each of its G steps, divided by the row's sum s ≥ 2⁻⁵⁰⁰
// (below it the row is direct): G·2⁻⁵⁷⁵·Σ_r |a_r| in all.
func TestBinaryLSESoftmaxGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, in := range []int{1, 3, 4, 7, 50} {
		for _, out := range []int{1, 5, 255, 257, 1995} {
			for _, sigma := range []float64{0.1, 3, 60} {
				l := randomLayer(rng, in, out, sigma)
				rows := 40
				if out == 5 {
					rows = 1 // fewer rows than a group has codes
				}
				z := randomCodes(rng, rows, in, 0.5)
				for k := range in {
					z[k] = 0
					if rows > 1 {
						z[in+k] = 1
					}
				}
				a := make([]float64, rows)
				for r := range a {
					a[r] = rng.NormFloat64() * 100
				}
				b := BinaryLSE{Train: sigma != 3}
				b.LogSumExp(make([]float64, rows), l, z)
				gw := make([]float64, in*out)
				gb := make([]float64, out)
				for i := range gw {
					gw[i] = math.NaN() // written, not added to
				}
				var x *Sparse
				c := make([]float64, rows)
				if sigma != 3 {
					x = randomSparse(rng, max(rows/5, 1), out)
					for r := range c {
						c[r] = rng.NormFloat64()
					}
				}
				b.SoftmaxGrad(gw, gb, l, a, x, c)
				wgw, wgb, mag, A := softmaxGradRef(l, z, a, x, c)
				rel := 2*lseTol(in, out, A, 0) + 0x1p-52*float64(rows+2+1<<lseBits)
				sumA := 0.0
				for _, v := range a {
					sumA += math.Abs(v)
				}
				abs := float64((in+lseBits-1)/lseBits) * 0x1p-575 * sumA
				for i, want := range append(wgw, wgb...) {
					got := gb[i%out]
					if i < len(gw) {
						got = gw[i]
					}
					if tol := rel*mag[i] + abs; !(math.Abs(got-want) <= tol) {
						t.Fatalf("In %d Out %d σ %g element %d: %.17g, want %.17g within %.3g", in, out, sigma, i, got, want, tol)
					}
				}
			}
		}
	}
}

// randomSparse returns rows sparse rows over cols columns, ascending, each
// column present with probability ½ (row 1 empty), values 1 to 3.
func randomSparse(rng *rand.Rand, rows, cols int) *Sparse {
	x := &Sparse{Rows: rows, Cols: cols, Ptr: []int{0}}
	for r := range rows {
		for j := range cols {
			if r != 1 && rng.IntN(2) == 0 {
				x.Col = append(x.Col, j)
				x.Val = append(x.Val, float64(1+rng.IntN(3)))
			}
		}
		x.Ptr = append(x.Ptr, len(x.Col))
	}
	return x
}

// TestBinaryLSETrainIndependentOfCores checks that Train, which fills the
// tables and sums the rows' products a range of columns at a time, the
// ranges split over the cores, gives the same bits at 1 to 3 cores, for
// the log-sum-exps and SoftmaxGrad, also after a weight changes in place
// (a training step's update); and that its tables are the default's bit
// for bit (only the order of the products' sum differs).
func TestBinaryLSETrainIndependentOfCores(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	l := randomLayer(rng, 50, 1995, 0.3)
	const rows = 300
	z := randomCodes(rng, rows, 50, 0.5)
	a := make([]float64, rows)
	for r := range a {
		a[r] = rng.NormFloat64()
	}
	x := randomSparse(rng, rows/4, 1995)
	run := func(b *BinaryLSE) [][]float64 {
		lse, gw, gb := make([]float64, rows), make([]float64, 50*1995), make([]float64, 1995)
		b.LogSumExp(lse, l, z)
		b.SoftmaxGrad(gw, gb, l, a, x, a)
		return [][]float64{lse, gw, gb, b.tab, b.shift}
	}
	var want [2][][]float64
	for _, procs := range []int{1, 2, 3} {
		func() {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			train := BinaryLSE{Train: true}
			for step := range 2 {
				l.W[7] += 0.5 // in place
				got := run(&train)
				if procs == 1 {
					want[step] = make([][]float64, len(got))
					for i, v := range got {
						want[step][i] = append([]float64(nil), v...)
					}
					var plain BinaryLSE
					p := run(&plain)
					for i := 3; i < 5; i++ {
						for j := range p[i] {
							if math.Float64bits(p[i][j]) != math.Float64bits(got[i][j]) {
								t.Fatalf("step %d, tables %d[%d]: Train %v, default %v", step, i, j, got[i][j], p[i][j])
							}
						}
					}
				}
				for i := range got {
					for j := range got[i] {
						if math.Float64bits(got[i][j]) != math.Float64bits(want[step][i][j]) {
							t.Fatalf("%d cores, step %d, output %d[%d]: %v, at one core %v", procs, step, i, j, got[i][j], want[step][i][j])
						}
					}
				}
			}
		}()
		l.W[7] -= 1 // the same weights for the next core count
	}
}

// BenchmarkBinaryLSETrain is a training step's decoder at 20 Newsgroups'
// shape: 512 codes (64 documents × 8 samples) of K=50 through V=1995,
// the tables built at every call (Train): the log-sum-exps, then the
// softmax's part of the gradient.
func BenchmarkBinaryLSETrain(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	l := randomLayer(rng, 50, 1995, 0.05)
	const rows = 512
	z := randomCodes(rng, rows, 50, 0.5)
	a := make([]float64, rows)
	for r := range a {
		a[r] = rng.NormFloat64()
	}
	// 64 documents of about 85 distinct words, as 20 Newsgroups' are.
	x := &Sparse{Rows: 64, Cols: 1995, Ptr: []int{0}}
	for range 64 {
		for j := rng.IntN(23); j < 1995; j += 1 + rng.IntN(46) {
			x.Col = append(x.Col, j)
			x.Val = append(x.Val, 1)
		}
		x.Ptr = append(x.Ptr, len(x.Col))
	}
	t := BinaryLSE{Train: true}
	dst := make([]float64, rows)
	gw, gb := make([]float64, 50*1995), make([]float64, 1995)
	b.Run("LogSumExp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			t.LogSumExp(dst, l, z)
		}
	})
	b.Run("SoftmaxGrad", func(b *testing.B) {
		b.ReportAllocs()
		t.LogSumExp(dst, l, z)
		for b.Loop() {
			t.SoftmaxGrad(gw, gb, l, a, x, a)
		}
	})
}
