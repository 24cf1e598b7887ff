package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/ops"
)

// u32 is float32's unit roundoff, 2^-24.
const u32 = 0x1p-24

// dtypeTol is the tolerance of a float32 result against the float64 path
// on the same (float32-representable) parameters and inputs: the
// worst-case bound of a float32 sum of n products, γ_n ≈ n·u (Higham,
// "Accuracy and Stability of Numerical Algorithms", §3.1), for the longest
// sum n in the network, compounded over its layers, with a factor 2 for
// the rounding of each layer's input to float32. It is relative to the
// largest magnitude in the tensor compared (normwise: elements near zero
// carry the absolute error of their neighbours' sums).
func dtypeTol(layers, n int) float64 { return 2 * float64(layers) * float64(n) * u32 }

// normDiff returns max|a−b| / max|b|.
func normDiff[T mlp.Float](a []T, b []float64) float64 {
	d, m := 0.0, 0.0
	for i := range b {
		d = max(d, math.Abs(float64(a[i])-b[i]))
		m = max(m, math.Abs(b[i]))
	}
	return d / max(m, 1e-300)
}

// encGraph is an encoder graph (SparseAffine, Activate, Affine, Surrogate)
// of element type T.
type encGraph[T mlp.Float] struct {
	net    *mlp.NetOf[T]
	x      ops.SparseOf[T]
	surr   *encoder.Surrogate
	m      *ops.Machine
	cost   *gorgonia.Node
	grad   *mlp.NetOf[T]
	logits func() ([]T, error)
}

func newEncGraph[T mlp.Float](t *testing.T, src *mlp.Net, rows int, k int) *encGraph[T] {
	e := &encGraph[T]{net: mlp.NewZeroOf[T](src.Sizes(), src.Act)}
	mlp.Convert(e.net, src)
	e.grad = e.net.ZeroClone()
	e.surr = &encoder.Surrogate{K: k, Prior: encoder.NewPrior(k, 0.3), KLWeight: 1, Scale: 0.25}
	g := gorgonia.NewGraph()
	ps := ops.ParamNodes(g, e.net, "net")
	logits, err := ops.MLP(e.net, ps, func(w, b *gorgonia.Node) (*gorgonia.Node, error) { return ops.SparseAffine(&e.x, rows, w, b) })
	if err != nil {
		t.Fatal(err)
	}
	if e.cost, err = ops.Surrogate(logits, e.surr); err != nil {
		t.Fatal(err)
	}
	if e.m, err = ops.NewMachine(gorgonia.Nodes{logits}, e.cost, ps); err != nil {
		t.Fatal(err)
	}
	e.logits = func() ([]T, error) {
		switch any(e.net).(type) {
		case *mlp.NetOf[float32]:
			a, err := e.m.Output32(0)
			return any(a).([]T), err
		}
		a, err := e.m.Output(0)
		return any(a).([]T), err
	}
	return e
}

func (e *encGraph[T]) backward() error {
	switch g := any(e.grad).(type) {
	case *mlp.NetOf[float32]:
		return e.m.Backward32(g.Params(), nil)
	}
	return e.m.Backward(any(e.grad).(*mlp.Net).Params(), nil)
}

func costOf(n *gorgonia.Node) float64 { return float64(*n.Value().(*gorgonia.F64)) }

// roundTo32 rounds every parameter of n to float32, so that both paths
// start from the same values.
func roundTo32(n *mlp.Net) {
	for _, p := range n.Params() {
		for i, v := range p {
			p[i] = float64(float32(v))
		}
	}
}

// TestFloat32EncoderMatchesFloat64 runs the encoder's operations in
// float32 and in float64 on the same parameters and inputs and compares
// the logits, the surrogate's loss and every gradient within dtypeTol.
// Mutations: the float32 Surrogate's gradient left in its float64 buffer
// (not narrowed into dst), or the float32 AddScaledRows adding only half
// of its rows, fail it.
func TestFloat32EncoderMatchesFloat64(t *testing.T) {
	for _, procs := range []int{1, 2} {
		for _, tc := range []struct {
			sizes []int
			rows  int
			act   ops.Activation
		}{
			{[]int{30, 8, 6}, 5, ops.Tanh},
			{[]int{30, 8, 6}, 5, ops.Sigmoid},
			{[]int{300, 120, 70, 40}, 96, ops.Tanh}, // every loop splits
			{[]int{300, 120, 40}, 96, ops.ReLU},
		} {
			t.Run(fmt.Sprintf("procs=%d/%v/%s", procs, tc.sizes, tc.act), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				rng := rand.New(rand.NewPCG(uint64(tc.rows), uint64(tc.act)))
				src := mlp.New(tc.sizes, tc.act, rng)
				perturb(rng, src, 0.05)
				roundTo32(src)
				v, k := tc.sizes[0], tc.sizes[len(tc.sizes)-1]
				e32 := newEncGraph[float32](t, src, tc.rows, k)
				e64 := newEncGraph[float64](t, src, tc.rows, k)
				defer e32.m.Close()
				defer e64.m.Close()
				enc := &encoder.Encoder{Config: encoder.Config{V: v, K: k, Input: encoder.InputLog1p}}
				n := max(tc.rows, tc.sizes[0])
				for _, s := range tc.sizes {
					n = max(n, s)
				}
				tol := dtypeTol(len(tc.sizes)-1, n)
				for run := range 3 {
					docs := randomDocs(rng, tc.rows, v, 1+rng.IntN(v/3+1))
					enc.FillSparse(&e64.x, docs)
					mlp.ConvertSparse(&e32.x, &e64.x)
					mlp.ConvertSparse(&e64.x, &e32.x) // the float32 values, exactly
					if err := e32.m.Forward(); err != nil {
						t.Fatal(err)
					}
					if err := e64.m.Forward(); err != nil {
						t.Fatal(err)
					}
					a32, _ := e32.logits()
					a64, _ := e64.logits()
					if d := normDiff(a32, a64); d > tol {
						t.Errorf("run %d: logits differ by %.3g (tolerance %.3g)", run, d, tol)
					}
					z := make([]float64, tc.rows*2*k)
					encoder.Sample(z, a64, k, 2, rng)
					adv := make([]float64, tc.rows*2)
					for i := range adv {
						adv[i] = rng.NormFloat64()
					}
					e32.surr.Set(z, adv, 2)
					e64.surr.Set(z, adv, 2)
					if err := e32.backward(); err != nil {
						t.Fatal(err)
					}
					if err := e64.backward(); err != nil {
						t.Fatal(err)
					}
					c32, c64 := costOf(e32.cost), costOf(e64.cost)
					// The loss is a float64 sum of terms of the logits, each
					// off by at most tol·max|a|: compare it to the sum of
					// their magnitudes.
					scale := 0.0
					for i, aj := range a64 {
						scale += math.Abs(e64.surr.Coef[i]) * (1 + math.Abs(aj))
					}
					if math.Abs(c32-c64) > 4*tol*max(scale, 1)*e64.surr.Scale {
						t.Errorf("run %d: cost %.9g, float64 %.9g", run, c32, c64)
					}
					for i, p := range e64.grad.Params() {
						if d := normDiff(e32.grad.Params()[i], p); d > 4*tol {
							t.Errorf("run %d: gradient %d differs by %.3g (tolerance %.3g)", run, i, d, 4*tol)
						}
					}
				}
			})
		}
	}
}

// decGraph is a decoder graph (BinaryAffine, Activate, Affine, LogLik) of
// element type T.
type decGraph[T mlp.Float] struct {
	net  *mlp.NetOf[T]
	z    []T
	ll   decoder.LogLikOf[T]
	m    *ops.Machine
	cost *gorgonia.Node
	grad *mlp.NetOf[T]
}

func newDecGraph[T mlp.Float](t *testing.T, src *mlp.Net, rows int) *decGraph[T] {
	sizes := src.Sizes()
	k, v := sizes[0], sizes[len(sizes)-1]
	d := &decGraph[T]{net: mlp.NewZeroOf[T](sizes, src.Act), z: make([]T, rows*k)}
	d.ll.V = v
	mlp.Convert(d.net, src)
	d.grad = d.net.ZeroClone()
	g := gorgonia.NewGraph()
	ps := ops.ParamNodes(g, d.net, "net")
	dt := tensor.Float64
	if _, ok := any(d.z).([]float32); ok {
		dt = tensor.Float32
	}
	z := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(rows, k), gorgonia.WithName("z"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, k), tensor.WithBacking(d.z))))
	eta, err := ops.MLP(d.net, ps, func(w, b *gorgonia.Node) (*gorgonia.Node, error) { return ops.BinaryAffine(z, w, b) })
	if err != nil {
		t.Fatal(err)
	}
	if d.cost, err = ops.LogLik(eta, &d.ll); err != nil {
		t.Fatal(err)
	}
	if d.m, err = ops.NewMachine(gorgonia.Nodes{d.cost}, d.cost, ps); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *decGraph[T]) backward() error {
	switch g := any(d.grad).(type) {
	case *mlp.NetOf[float32]:
		return d.m.Backward32(g.Params(), nil)
	}
	return d.m.Backward(any(d.grad).(*mlp.Net).Params(), nil)
}

// TestFloat32DecoderMatchesFloat64 is TestFloat32EncoderMatchesFloat64 for
// the decoder, on BinaryAffine's row-by-row path and its tables: the
// log-likelihoods (float64 sums of float32 logits and exponentials) and
// every gradient. The worst-case bounds are loose: the LL differences are
// 1e-5 to 2e-3 of theirs (logged). Mutation: the float32 ScaleTo off by
// 1e-3 of its factor fails the gradients.
func TestFloat32DecoderMatchesFloat64(t *testing.T) {
	for _, procs := range []int{1, 2} {
		for _, tc := range []struct {
			sizes      []int
			docs, samp int
			act        ops.Activation
		}{
			{[]int{6, 5, 30}, 4, 3, ops.Tanh},
			{[]int{50, 600}, 32, 8, ops.Identity}, // 256 rows: the tables
			{[]int{13, 40, 300}, 40, 4, ops.ReLU}, // 160 rows, K not a multiple of 4
		} {
			t.Run(fmt.Sprintf("procs=%d/%v/%d×%d", procs, tc.sizes, tc.docs, tc.samp), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				rng := rand.New(rand.NewPCG(uint64(tc.sizes[0]), uint64(tc.docs)))
				src := mlp.New(tc.sizes, tc.act, rng)
				perturb(rng, src, 0.05)
				roundTo32(src)
				rows := tc.docs * tc.samp
				v := tc.sizes[len(tc.sizes)-1]
				d32, d64 := newDecGraph[float32](t, src, rows), newDecGraph[float64](t, src, rows)
				defer d32.m.Close()
				defer d64.m.Close()
				n := rows
				for _, s := range tc.sizes {
					n = max(n, s)
				}
				tol := dtypeTol(len(tc.sizes), n)
				for run := range 2 {
					docs := randomDocs(rng, tc.docs, v, 1+rng.IntN(v/2))
					for i := range d64.z {
						d64.z[i] = float64(rng.IntN(2))
						d32.z[i] = float32(d64.z[i])
					}
					d32.ll.Reset(docs, tc.samp)
					d64.ll.Reset(docs, tc.samp)
					for r := range d64.ll.Weights {
						d64.ll.Weights[r] = rng.Float64() / float64(rows)
						d32.ll.Weights[r] = d64.ll.Weights[r]
					}
					if err := d32.m.Forward(); err != nil {
						t.Fatal(err)
					}
					if err := d64.m.Forward(); err != nil {
						t.Fatal(err)
					}
					// LL[r] = Σ x η − N·lse: each logit is off by at most
					// tol·max|η|, so LL by 2N times that.
					var ws mlp.Workspace
					big := 0.0
					for _, e := range src.Forward(&ws, d64.z) {
						big = max(big, math.Abs(e))
					}
					worst := 0.0
					for r, want := range d64.ll.LL {
						nTok := float64(docs[r/tc.samp].Tokens())
						lim := 2 * nTok * tol * max(big, 1)
						worst = max(worst, math.Abs(d32.ll.LL[r]-want)/lim)
						if math.Abs(d32.ll.LL[r]-want) > lim {
							t.Fatalf("run %d: LL[%d] = %.9g, float64 %.9g (limit %.3g)", run, r, d32.ll.LL[r], want, lim)
						}
					}
					t.Logf("run %d: LL at %.3g of its limit", run, worst)
					if err := d32.backward(); err != nil {
						t.Fatal(err)
					}
					if err := d64.backward(); err != nil {
						t.Fatal(err)
					}
					for i, p := range d64.grad.Params() {
						if dd := normDiff(d32.grad.Params()[i], p); dd > 4*tol {
							t.Errorf("run %d: gradient %d differs by %.3g (tolerance %.3g)", run, i, dd, 4*tol)
						}
					}
				}
			})
		}
	}
}

// TestFloat32FiniteDifferences checks the float32 encoder's and decoder's
// gradients against central differences of their float64 losses, moving
// one float32 weight at a time by h = 2^-7. The float32 loss is a
// function of rounded values, so the differences carry a noise of about
// ulp(loss)/h; the tolerance, 2e-3 of the largest gradient, is far above
// it and far below a wrong gradient. Mutation: dropping the decoder's
// g[w] −= w·x correction for float32 fails it.
func TestFloat32FiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const h = 0x1p-7
	// The decoder: K=6 → 5 → V=30, 4 documents × 3 samples.
	src := mlp.New([]int{6, 5, 30}, ops.Tanh, rng)
	roundTo32(src)
	d := newDecGraph[float32](t, src, 12)
	defer d.m.Close()
	docs := randomDocs(rng, 4, 30, 12)
	for i := range d.z {
		d.z[i] = float32(rng.IntN(2))
	}
	d.ll.Reset(docs, 3)
	for r := range d.ll.Weights {
		d.ll.Weights[r] = 1.0 / 12
	}
	loss := func() float64 {
		if err := d.m.Forward(); err != nil {
			t.Fatal(err)
		}
		return d.ll.Weighted()
	}
	checkFD(t, "decoder", d.net, d.grad, loss, func() error {
		if err := d.m.Forward(); err != nil {
			return err
		}
		return d.backward()
	}, h)

	// The encoder: V=30 → 8 → K=6, 5 documents, fixed codes and advantages.
	esrc := mlp.New([]int{30, 8, 6}, ops.Tanh, rng)
	roundTo32(esrc)
	e := newEncGraph[float32](t, esrc, 5, 6)
	defer e.m.Close()
	enc := &encoder.Encoder{Config: encoder.Config{V: 30, K: 6, Input: encoder.InputLog1p}}
	var x64 ops.Sparse
	enc.FillSparse(&x64, randomDocs(rng, 5, 30, 10))
	mlp.ConvertSparse(&e.x, &x64)
	z := make([]float64, 5*2*6)
	for i := range z {
		z[i] = float64(rng.IntN(2))
	}
	adv := make([]float64, 10)
	for i := range adv {
		adv[i] = rng.NormFloat64()
	}
	e.surr.Set(z, adv, 2)
	eloss := func() float64 {
		if err := e.m.Forward(); err != nil {
			t.Fatal(err)
		}
		if err := e.backward(); err != nil { // the cost is computed by the backward half
			t.Fatal(err)
		}
		return costOf(e.cost)
	}
	checkFD(t, "encoder", e.net, e.grad, eloss, func() error {
		if err := e.m.Forward(); err != nil {
			return err
		}
		return e.backward()
	}, h)
}

func checkFD(t *testing.T, what string, net, grad *mlp.NetOf[float32], loss func() float64, run func() error, h float32) {
	t.Helper()
	if err := run(); err != nil {
		t.Fatal(err)
	}
	want := grad.Clone()
	big := 0.0
	for _, p := range want.Params() {
		for _, g := range p {
			big = max(big, math.Abs(float64(g)))
		}
	}
	for i, p := range net.Params() {
		for _, j := range []int{0, len(p) / 2, len(p) - 1} {
			old := p[j]
			p[j] = old + h
			up := loss()
			p[j] = old - h
			down := loss()
			p[j] = old
			fd := (up - down) / (2 * float64(h))
			if g := float64(want.Params()[i][j]); math.Abs(fd-g) > 2e-3*big {
				t.Errorf("%s: parameter %d[%d]: gradient %.6g, central difference %.6g", what, i, j, g, fd)
			}
		}
	}
}

var _ = data.Document{}
