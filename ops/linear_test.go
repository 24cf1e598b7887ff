package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/internal/gg"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/ops"
)

// TestLinearLogLikMatchesReference runs ops.LinearLogLik on a Machine
// against Gorgonia's dense graph of the same linear decoder and LogLik
// (internal/gg), over several runs with the parameters, documents, codes
// and weights changed between them (the weights set after Forward, as an
// estimator sets them), at sizes where the column blocks split over the
// cores and where they do not. The bound is relative, 1e-11 of
// max(1, |reference|): decoder's TestLinearLogLikGradMatchesLogLik
// bounds the difference by about 2e-12 of each element's sum of
// magnitudes at the largest of these shapes; a wiring error (the
// weights of the wrong run, the upstream scale, W and b swapped) is of
// the order of the gradient itself.
func TestLinearLogLikMatchesReference(t *testing.T) {
	for _, procs := range []int{1, 2, 3} {
		for _, tc := range []struct{ k, v, docs, samp int }{
			{6, 30, 4, 3},
			{50, 600, 32, 8},
			{13, 300, 40, 4}, // K not a multiple of 4
		} {
			t.Run(fmt.Sprintf("procs=%d/%d→%d/%d×%d", procs, tc.k, tc.v, tc.docs, tc.samp), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				testLinear(t, tc.k, tc.v, tc.docs, tc.samp)
			})
		}
	}
}

// linearMachine builds the graph ops.LinearLogLik(z, W, b) for net's one
// layer, z the codes node over zv (len(zv)/In rows), and its Machine, in
// net's dtype.
func linearMachine[T mlp.Float](t *testing.T, net *mlp.NetOf[T], zv []T) (*decoder.LinearLogLik, *gorgonia.Node, *ops.Machine) {
	t.Helper()
	k := net.Layers[0].In
	g := gorgonia.NewGraph()
	ps := ops.ParamNodes(g, net, "net")
	dt := tensor.Float64
	if _, is32 := any(zv).([]float32); is32 {
		dt = tensor.Float32
	}
	z := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(len(zv)/k, k), gorgonia.WithName("z"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(len(zv)/k, k), tensor.WithBacking(zv))))
	lin := new(decoder.LinearLogLik)
	cost, err := ops.LinearLogLik(z, ps[0], ps[1], lin)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ops.NewMachine(gorgonia.Nodes{cost}, cost, ps)
	if err != nil {
		t.Fatal(err)
	}
	return lin, cost, m
}

func testLinear(t *testing.T, k, v, nd, S int) {
	rng := rand.New(rand.NewPCG(uint64(k), uint64(v)))
	net := mlp.New([]int{k, v}, ops.Identity, rng)
	rows := nd * S
	refLL := &decoder.LogLik{V: v}
	zv := make([]float64, rows*k)
	lin, cost, m := linearMachine(t, net, zv)
	defer m.Close()
	ref, err := gg.NewNet(net, rows, refLL, "reference")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()

	grad, refGrad := net.ZeroClone(), net.ZeroClone()
	touched := []*ops.Touched{new(ops.Touched), new(ops.Touched)}
	for run := 0; run < 3; run++ {
		perturb(rng, net, 0.1)
		docs := randomDocs(rng, nd, v, 1+rng.IntN(20))
		for i := range zv {
			zv[i] = float64(rng.IntN(2))
		}
		lin.Reset(docs, S)
		refLL.Reset(docs, S)
		if err := m.Forward(); err != nil {
			t.Fatal(err)
		}
		for i, l := range lin.LL {
			lin.Weights[i] = math.Tanh(l/100) + rng.NormFloat64()
			refLL.Weights[i] = lin.Weights[i]
		}
		if err := m.Backward(flatGrads(grad), touched); err != nil {
			t.Fatal(err)
		}
		if len(touched[0].Rows) != k {
			t.Errorf("run %d: %d rows of the weight gradient listed as touched, want all %d", run, len(touched[0].Rows), k)
		}
		ref.SetInput(zv)
		want, err := ref.Run(refGrad)
		if err != nil {
			t.Fatal(err)
		}
		if d := relDiff(lin.LL, refLL.LL); d > 1e-11 {
			t.Errorf("run %d: log-likelihoods differ from the reference by %.3g", run, d)
		}
		got := float64(*cost.Value().(*gorgonia.F64))
		if math.Abs(got-want) > 1e-11*max(1, math.Abs(want)) {
			t.Errorf("run %d: cost %.17g, reference %.17g", run, got, want)
		}
		assertGrads(t, fmt.Sprintf("run %d", run), grad, refGrad, 1e-11)
	}
}

// TestLinearLogLikRefusesNonBinary checks that a run on codes other than 0
// and 1 fails with an error, and that the operation refuses codes of
// another dtype than its parameters'.
func TestLinearLogLikRefusesNonBinary(t *testing.T) {
	lin, _, m := linearMachine(t, mlp.NewZero([]int{3, 5}, ops.Identity), []float64{1, 0, 0.5})
	defer m.Close()
	lin.Reset(randomDocs(rand.New(rand.NewPCG(1, 2)), 1, 5, 3), 1)
	if err := m.Forward(); err == nil {
		t.Error("a code of 0.5 accepted")
	}

	net32 := mlp.NewZeroOf[float32]([]int{3, 5}, ops.Identity)
	g32 := gorgonia.NewGraph()
	ps32 := ops.ParamNodes(g32, net32, "net")
	z64 := gorgonia.NewMatrix(g32, tensor.Float64, gorgonia.WithShape(1, 3), gorgonia.WithName("z"))
	if _, err := ops.LinearLogLik(z64, ps32[0], ps32[1], lin); err == nil {
		t.Error("float64 codes for float32 parameters accepted")
	}
}

// TestLinearLogLikFloat32IsWidenedFloat64 runs the float32 operation and
// the float64 one on the same float32 parameters and codes: the float32
// one widens them exactly and computes in float64, so its log-likelihoods
// and cost must be the float64 operation's bit for bit and its gradients
// those rounded to float32 once, over runs with the parameters, documents,
// codes and weights changed between them. Mutations: a bias or codes not
// widened again after the first run, or a gradient not rounded from the
// float64 one, fail it.
func TestLinearLogLikFloat32IsWidenedFloat64(t *testing.T) {
	const k, v, nd, S = 13, 300, 20, 4
	rng := rand.New(rand.NewPCG(13, 300))
	net := mlp.New([]int{k, v}, ops.Identity, rng)
	net32 := mlp.NewZeroOf[float32]([]int{k, v}, ops.Identity)
	rows := nd * S
	zv, zv32 := make([]float64, rows*k), make([]float32, rows*k)
	lin, cost, m := linearMachine(t, net, zv)
	defer m.Close()
	lin32, cost32, m32 := linearMachine(t, net32, zv32)
	defer m32.Close()
	grad, grad32 := net.ZeroClone(), mlp.NewZeroOf[float32]([]int{k, v}, ops.Identity)
	for run := range 3 {
		perturb(rng, net, 0.1)
		for _, p := range net.Params() {
			for i := range p {
				p[i] = float64(float32(p[i]))
			}
		}
		mlp.Convert(net32, net)
		docs := randomDocs(rng, nd, v, 1+rng.IntN(20))
		for i := range zv {
			zv[i] = float64(rng.IntN(2))
			zv32[i] = float32(zv[i])
		}
		lin.Reset(docs, S)
		lin32.Reset(docs, S)
		if err := m.Forward(); err != nil {
			t.Fatal(err)
		}
		if err := m32.Forward(); err != nil {
			t.Fatal(err)
		}
		for i, l := range lin.LL {
			if math.Float64bits(lin32.LL[i]) != math.Float64bits(l) {
				t.Fatalf("run %d: row %d log-likelihood %.17g, float64 %.17g", run, i, lin32.LL[i], l)
			}
			lin.Weights[i] = math.Tanh(l/100) + rng.NormFloat64()
			lin32.Weights[i] = lin.Weights[i]
		}
		if err := m.Backward(flatGrads(grad), nil); err != nil {
			t.Fatal(err)
		}
		if err := m32.Backward32(grad32.Params(), nil); err != nil {
			t.Fatal(err)
		}
		if got, want := *cost32.Value().(*gorgonia.F64), *cost.Value().(*gorgonia.F64); got != want {
			t.Errorf("run %d: cost %.17g, float64 %.17g", run, float64(got), float64(want))
		}
		for pi, p := range grad.Params() {
			for i, w := range p {
				if got := grad32.Params()[pi][i]; got != float32(w) {
					t.Fatalf("run %d: param %d gradient %d is %v, float64's rounded %v", run, pi, i, got, float32(w))
				}
			}
		}
	}
}
