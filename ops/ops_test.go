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
	"github.com/amvi/amvi/internal/gg"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/ops"
)

// randomDocs returns rows documents over v words.
func randomDocs(rng *rand.Rand, rows, v, words int) []data.Document {
	docs := make([]data.Document, rows)
	for r := range docs {
		seen := map[int]bool{}
		for range words {
			w := rng.IntN(v)
			if !seen[w] {
				seen[w] = true
			}
		}
		for w := 0; w < v; w++ {
			if seen[w] {
				docs[r].Words = append(docs[r].Words, w)
				docs[r].Counts = append(docs[r].Counts, 1+rng.IntN(3))
			}
		}
	}
	return docs
}

func perturb(rng *rand.Rand, net *mlp.Net, scale float64) {
	for _, p := range net.Params() {
		for i := range p {
			p[i] += scale * rng.NormFloat64()
		}
	}
}

// flatGrads returns the gradient network's parameters as slices for
// Machine.Backward.
func flatGrads(n *mlp.Net) [][]float64 { return n.Params() }

// relDiff returns the largest |a-b|/max(1,|b|).
func relDiff(a, b []float64) float64 {
	worst := 0.0
	for i := range b {
		worst = max(worst, math.Abs(a[i]-b[i])/max(1, math.Abs(b[i])))
	}
	return worst
}

// gradsOf copies a reference gradient network, whose first layer gg
// wrote as one augmented matrix, into comparable slices.
func assertGrads(t *testing.T, what string, got, want *mlp.Net, tol float64) {
	t.Helper()
	for i, p := range want.Params() {
		if d := relDiff(got.Params()[i], p); d > tol {
			t.Errorf("%s: parameter %d differs from the reference by %.3g", what, i, d)
		}
	}
}

// TestEncoderMatchesReference runs an encoder built from ops.SparseAffine,
// ops.Activate, ops.Affine and ops.Surrogate against Gorgonia's dense graph of the same
// network (internal/gg: Mul, BroadcastAdd and Gorgonia's activations),
// over several runs with the parameters, documents and advantages
// changed between them, for every activation and at sizes where every
// loop splits over the cores and where none does.
func TestEncoderMatchesReference(t *testing.T) {
	for _, procs := range []int{1, 2, 3} {
		for _, tc := range []struct {
			sizes []int
			rows  int
			acts  []ops.Activation
		}{
			{[]int{30, 8, 6}, 5, []ops.Activation{ops.Identity, ops.Tanh, ops.ReLU, ops.Sigmoid, ops.Softplus}},
			{[]int{300, 120, 70, 40}, 96, []ops.Activation{ops.Tanh, ops.ReLU}}, // every loop splits
		} {
			for _, act := range tc.acts {
				t.Run(fmt.Sprintf("procs=%d/%v/%s", procs, tc.sizes, act), func(t *testing.T) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					testEncoder(t, tc.sizes, tc.rows, act)
				})
			}
		}
	}
}

func testEncoder(t *testing.T, sizes []int, rows int, act ops.Activation) {
	rng := rand.New(rand.NewPCG(uint64(len(sizes)), uint64(act)))
	net := mlp.New(sizes, act, rng)
	v, k := sizes[0], sizes[len(sizes)-1]
	enc := &encoder.Encoder{Config: encoder.Config{V: v, K: k, Input: encoder.InputLog1p}, Net: net}
	surr := &encoder.Surrogate{K: k, Prior: encoder.NewPrior(k, 0.3), KLWeight: 1, Scale: 0.25}
	refSurr := &encoder.Surrogate{K: k, Prior: encoder.NewPrior(k, 0.3), KLWeight: 1, Scale: 0.25}

	g := gorgonia.NewGraph()
	ps := ops.ParamNodes(g, net, "net")
	var x ops.Sparse
	logits, err := ops.MLP(net, ps, func(w, b *gorgonia.Node) (*gorgonia.Node, error) { return ops.SparseAffine(&x, rows, w, b) })
	if err != nil {
		t.Fatal(err)
	}
	cost, err := ops.Surrogate(logits, surr)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ops.NewMachine(gorgonia.Nodes{logits}, cost, ps)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ref, err := gg.NewNet(net, rows, refSurr, "reference")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()

	grad, refGrad := net.ZeroClone(), net.ZeroClone()
	dense := make([]float64, rows*v)
	for run := 0; run < 3; run++ {
		perturb(rng, net, 0.1)
		docs := randomDocs(rng, rows, v, 1+rng.IntN(v/3+1))
		enc.FillSparse(&x, docs)
		enc.FillInput(dense, docs)
		if err := m.Forward(); err != nil {
			t.Fatal(err)
		}
		a, err := m.Output(0)
		if err != nil {
			t.Fatal(err)
		}
		var ws mlp.Workspace
		if d := relDiff(a, net.Forward(&ws, dense)); d > 1e-12 {
			t.Errorf("run %d: logits differ from mlp's dense pass by %.3g", run, d)
		}
		// The advantages depend on the logits' samples, as in a step.
		z := make([]float64, rows*2*k)
		encoder.Sample(z, a, k, 2, rng)
		adv := make([]float64, rows*2)
		for i := range adv {
			adv[i] = rng.NormFloat64()
		}
		surr.Set(z, adv, 2)
		refSurr.Set(z, adv, 2)
		if err := m.Backward(flatGrads(grad), nil); err != nil {
			t.Fatal(err)
		}
		ref.SetInput(dense)
		want, err := ref.Run(refGrad)
		if err != nil {
			t.Fatal(err)
		}
		got := float64(*cost.Value().(*gorgonia.F64))
		if math.Abs(got-want) > 1e-12*max(1, math.Abs(want)) {
			t.Errorf("run %d: cost %.17g, reference %.17g", run, got, want)
		}
		assertGrads(t, fmt.Sprintf("run %d", run), grad, refGrad, 1e-12)
		rowsTouched, ok := m.Touched(0)
		if !ok {
			t.Fatal("the sparse layer's weight gradient reports no touched rows")
		}
		assertTouched(t, rowsTouched, &x, grad.Layers[0])
	}
}

// assertTouched checks that rows lists exactly x's columns and that every
// other row of the layer's weight gradient is zero.
func assertTouched(t *testing.T, rows []int, x *ops.Sparse, g mlp.Layer) {
	t.Helper()
	used := map[int]bool{}
	for _, c := range x.Col {
		used[c] = true
	}
	if len(rows) != len(used) {
		t.Errorf("%d touched rows, the input uses %d columns", len(rows), len(used))
	}
	for i, r := range rows {
		if !used[r] || (i > 0 && rows[i-1] >= r) {
			t.Errorf("touched rows %v are not the input's columns in order", rows)
			break
		}
	}
	for r := 0; r < g.In; r++ {
		if used[r] {
			continue
		}
		for _, v := range g.W[r*g.Out : (r+1)*g.Out] {
			if v != 0 {
				t.Fatalf("row %d of the weight gradient is not touched but holds %v", r, v)
			}
		}
	}
}

// TestDecoderMatchesReference runs a decoder built from ops.BinaryAffine (on
// its row-by-row path and, from 128 rows, its tabulated one), ops.Activate,
// ops.Affine and ops.LogLik against Gorgonia's dense graph of the same network.
func TestDecoderMatchesReference(t *testing.T) {
	for _, procs := range []int{1, 2, 3} {
		for _, tc := range []struct {
			sizes      []int
			docs, samp int
			act        ops.Activation
		}{
			{[]int{6, 30}, 4, 3, ops.Identity},
			{[]int{6, 5, 30}, 4, 3, ops.Tanh},
			{[]int{50, 600}, 32, 8, ops.Identity}, // 256 rows: the tables
			{[]int{13, 40, 300}, 40, 4, ops.ReLU}, // 160 rows, K not a multiple of 4
		} {
			t.Run(fmt.Sprintf("procs=%d/%v/%d×%d", procs, tc.sizes, tc.docs, tc.samp), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				testDecoder(t, tc.sizes, tc.docs, tc.samp, tc.act)
			})
		}
	}
}

func testDecoder(t *testing.T, sizes []int, nd, S int, act ops.Activation) {
	rng := rand.New(rand.NewPCG(uint64(sizes[0]), uint64(nd)))
	net := mlp.New(sizes, act, rng)
	k, v := sizes[0], sizes[len(sizes)-1]
	rows := nd * S
	ll := &decoder.LogLik{V: v}
	refLL := &decoder.LogLik{V: v}

	g := gorgonia.NewGraph()
	ps := ops.ParamNodes(g, net, "net")
	zv := make([]float64, rows*k)
	z := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(rows, k), gorgonia.WithName("z"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, k), tensor.WithBacking(zv))))
	eta, err := ops.MLP(net, ps, func(w, b *gorgonia.Node) (*gorgonia.Node, error) { return ops.BinaryAffine(z, w, b) })
	if err != nil {
		t.Fatal(err)
	}
	cost, err := ops.LogLik(eta, ll)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ops.NewMachine(gorgonia.Nodes{cost}, cost, ps)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ref, err := gg.NewNet(net, rows, refLL, "reference")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()

	grad, refGrad := net.ZeroClone(), net.ZeroClone()
	for run := 0; run < 3; run++ {
		perturb(rng, net, 0.1)
		docs := randomDocs(rng, nd, v, 1+rng.IntN(20))
		for i := range zv {
			zv[i] = float64(rng.IntN(2))
		}
		ll.Reset(docs, S)
		refLL.Reset(docs, S)
		if err := m.Forward(); err != nil {
			t.Fatal(err)
		}
		// The weights depend on the log-likelihoods, as an estimator's do.
		for i, l := range ll.LL {
			ll.Weights[i] = math.Tanh(l/100) + rng.NormFloat64()
			refLL.Weights[i] = ll.Weights[i]
		}
		if err := m.Backward(flatGrads(grad), nil); err != nil {
			t.Fatal(err)
		}
		ref.SetInput(zv)
		want, err := ref.Run(refGrad)
		if err != nil {
			t.Fatal(err)
		}
		if d := relDiff(ll.LL, refLL.LL); d > 1e-12 {
			t.Errorf("run %d: log-likelihoods differ from the reference by %.3g", run, d)
		}
		got := float64(*cost.Value().(*gorgonia.F64))
		if math.Abs(got-want) > 1e-12*max(1, math.Abs(want)) {
			t.Errorf("run %d: cost %.17g, reference %.17g", run, got, want)
		}
		assertGrads(t, fmt.Sprintf("run %d", run), grad, refGrad, 1e-12)
	}
}

// TestResidualMatchesFiniteDifferences checks the gradients of a graph
// that mixes this package's operations with Gorgonia's own (a residual
// connection through gorgonia.Add, which Backward runs again) against
// central finite differences of the cost.
func TestResidualMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const v, h, k, rows = 12, 5, 3, 4
	net := mlp.New([]int{v, h, h, k}, ops.Identity, rng)
	enc := &encoder.Encoder{Config: encoder.Config{V: v, K: k, Input: encoder.InputCounts}, Net: net}
	surr := &encoder.Surrogate{K: k, Prior: encoder.NewPrior(k, 0.4), KLWeight: 1, Scale: 0.5}
	g := gorgonia.NewGraph()
	ps := ops.ParamNodes(g, net, "net")
	var x ops.Sparse
	h0, err := ops.SparseAffine(&x, rows, ps[0], ps[1])
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := ops.Activate(h0, ops.Softplus)
	p1, _ := ops.Affine(h1, ps[2], ps[3])
	h2, _ := ops.Activate(p1, ops.Tanh)
	r, err := gorgonia.Add(h1, h2)
	if err != nil {
		t.Fatal(err)
	}
	logits, _ := ops.Affine(r, ps[4], ps[5])
	cost, err := ops.Surrogate(logits, surr)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ops.NewMachine(gorgonia.Nodes{logits}, cost, ps)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	enc.FillSparse(&x, randomDocs(rng, rows, v, 5))
	z := make([]float64, rows*2*k)
	for i := range z {
		z[i] = float64(rng.IntN(2))
	}
	adv := []float64{1, -2, 0.5, 3, -1, 0.25, 2, -0.5}
	surr.Set(z, adv, 2)
	grad := net.ZeroClone()
	run := func() float64 {
		if err := m.Forward(); err != nil {
			t.Fatal(err)
		}
		if err := m.Backward(grad.Params(), nil); err != nil {
			t.Fatal(err)
		}
		return float64(*cost.Value().(*gorgonia.F64))
	}
	run()
	want := net.ZeroClone()
	for i, p := range grad.Params() {
		copy(want.Params()[i], p)
	}
	const step = 1e-6
	for pi, p := range net.Params() {
		for j := range p {
			old := p[j]
			p[j] = old + step
			up := run()
			p[j] = old - step
			down := run()
			p[j] = old
			fd := (up - down) / (2 * step)
			// O(1) costs: rounding ≈ 1e-16/1e-6 in the quotient.
			if g := want.Params()[pi][j]; math.Abs(fd-g) > 1e-7*max(1, math.Abs(fd)) {
				t.Errorf("parameter %d[%d]: gradient %.10g, finite difference %.10g", pi, j, g, fd)
			}
		}
	}
}

// TestNeverMerged builds two identical operations on one node and
// requires two nodes: Gorgonia's hashing merges equal operations on equal
// inputs (the trap that makes LogSoftMax return SoftMax).
func TestNeverMerged(t *testing.T) {
	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(2, 3), gorgonia.WithName("x"))
	a, err := ops.Activate(x, ops.Tanh)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ops.Activate(x, ops.Tanh)
	if err != nil {
		t.Fatal(err)
	}
	if a == b || a.Hashcode() == b.Hashcode() {
		t.Error("two ops.Activate operations on one node were merged")
	}
}
