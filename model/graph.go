package model

import (
	"fmt"
	"sync"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vecof"
	"github.com/amvi/amvi/ops"
)

// buildMu serialises graph construction: Gorgonia's writes lazily cached
// hashes into package-level constant nodes (the gradient seed 1 among them)
// that every graph shares.
var buildMu sync.Mutex

// checkOutput reports whether n is a rows×cols matrix of dtype dt.
func checkOutput(n *gorgonia.Node, dt tensor.Dtype, rows, cols int) error {
	if n == nil || n.Dtype() != dt || n.Dims() != 2 || n.Shape()[0] != rows || n.Shape()[1] != cols {
		if n == nil {
			return fmt.Errorf("no output node")
		}
		return fmt.Errorf("the output is %v %v, want a %v %d×%d matrix", n.Dtype(), n.Shape(), dt, rows, cols)
	}
	return nil
}

// tensorDtype is the graphs' dtype for a model's.
func tensorDtype(d Dtype) tensor.Dtype {
	if d == Float32 {
		return tensor.Float32
	}
	return tensor.Float64
}

// encGraph is the encoder's graph for minibatches of rows documents: their
// bags of words in, logits out, and for training the surrogate head.
type encGraph struct {
	rows   int
	x      ops.Sparse // the bags of words (also the estimators' input)
	surr   encoder.Surrogate
	m      *ops.Machine
	logits *gorgonia.Node

	// A float32 graph's input (x's values narrowed) and its logits widened.
	x32 *ops.SparseOf[float32]
	a   []float64
}

func newEncGraph(mod *Model, rows int, train bool) (*encGraph, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	e := &encGraph{rows: rows, surr: encoder.Surrogate{K: mod.K(), Prior: mod.Prior}}
	g := gorgonia.NewGraph()
	var ps gorgonia.Nodes
	var err error
	switch {
	case mod.Enc32 != nil:
		e.x32 = new(ops.SparseOf[float32])
		ps = ops.ParamNodes(g, mod.Enc32, "encoder")
		e.logits, err = ops.MLP(mod.Enc32, ps, func(w, b *gorgonia.Node) (*gorgonia.Node, error) {
			return ops.SparseAffine(e.x32, rows, w, b)
		})
	case mod.Enc.Config.Arch != "":
		ps = ops.ParamNodes(g, mod.Enc.Net, "encoder")
		var a Arch
		if a, err = lookupArch(mod.Enc.Config.Arch); err == nil {
			e.logits, err = a.Build(Input{Rows: rows, Cols: mod.V(), Bag: &e.x}, ps)
		}
	default:
		ps = ops.ParamNodes(g, mod.Enc.Net, "encoder")
		e.logits, err = ops.MLP(mod.Enc.Net, ps, func(w, b *gorgonia.Node) (*gorgonia.Node, error) {
			return ops.SparseAffine(&e.x, rows, w, b)
		})
	}
	if err == nil {
		err = checkOutput(e.logits, tensorDtype(mod.Dtype()), rows, mod.K())
	}
	if err != nil {
		return nil, fmt.Errorf("model: encoder graph: %w", err)
	}
	var cost *gorgonia.Node
	if train {
		if cost, err = ops.Surrogate(e.logits, &e.surr); err != nil {
			return nil, fmt.Errorf("model: encoder graph: %w", err)
		}
	}
	if e.m, err = ops.NewMachine(gorgonia.Nodes{e.logits}, cost, ps); err != nil {
		return nil, fmt.Errorf("model: encoder graph: %w", err)
	}
	return e, nil
}

// forward computes the logits of docs (len(docs) = rows), valid until the
// graph runs again.
func (e *encGraph) forward(enc *encoder.Encoder, docs []data.Document) ([]float64, error) {
	enc.FillSparse(&e.x, docs)
	if e.x32 != nil {
		mlp.ConvertSparse(e.x32, &e.x)
	}
	if err := e.m.Forward(); err != nil {
		return nil, fmt.Errorf("model: encoder: %w", err)
	}
	if e.x32 == nil {
		return e.m.Output(0)
	}
	a, err := e.m.Output32(0)
	if err != nil {
		return nil, err
	}
	e.a = scratch.Grow(e.a, len(a))
	vecof.Convert(e.a, a)
	return e.a, nil
}

// decGraph is the decoder's graph for rows codes: codes in, the
// likelihood head's log-likelihoods out.
type decGraph struct {
	rows int
	z    []float64 // the codes, rows×K: the codes node's value in a float64 graph
	ll   *decoder.LogLik
	lin  *decoder.LinearLogLik // the linear decoder's fused likelihood, in place of ll
	m    *ops.Machine

	// A float32 graph's codes node value (z narrowed) and head.
	z32  []float32
	ll32 *decoder.LogLikOf[float32]
}

func newDecGraph(mod *Model, rows int, train bool) (*decGraph, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	k := mod.K()
	d := &decGraph{rows: rows, z: make([]float64, rows*k)}
	g := gorgonia.NewGraph()
	dt := tensorDtype(mod.Dtype())
	var backing any = d.z
	if dt == tensor.Float32 {
		d.z32 = make([]float32, rows*k)
		backing = d.z32
	}
	z := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(rows, k), gorgonia.WithName("z"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, k), tensor.WithBacking(backing))))
	var ps gorgonia.Nodes
	var eta, cost *gorgonia.Node
	var err error
	first := func(w, b *gorgonia.Node) (*gorgonia.Node, error) { return ops.BinaryAffine(z, w, b) }
	switch {
	case train && fusedLinear(mod, rows):
		// The linear decoder and its likelihood as one operation, without
		// the rows×V logits (design §8). Training's codes are samples, 0s
		// and 1s; evaluation's graph takes any codes (Forward.LogLik takes
		// binary ones past the graph). A float32 network's parameters are
		// widened inside the operation.
		if mod.Dec32 != nil {
			ps = ops.ParamNodes(g, mod.Dec32, "decoder")
		} else {
			ps = ops.ParamNodes(g, mod.Dec.Net, "decoder")
		}
		d.lin = &decoder.LinearLogLik{Train: true}
		if cost, err = ops.LinearLogLik(z, ps[0], ps[1], d.lin); err != nil {
			return nil, fmt.Errorf("model: decoder graph: %w", err)
		}
	case mod.Dec32 != nil:
		ps = ops.ParamNodes(g, mod.Dec32, "decoder")
		eta, err = ops.MLP(mod.Dec32, ps, first)
	case mod.Dec.Config.Arch != "":
		ps = ops.ParamNodes(g, mod.Dec.Net, "decoder")
		var a Arch
		if a, err = lookupArch(mod.Dec.Config.Arch); err == nil {
			eta, err = a.Build(Input{Rows: rows, Cols: k, Codes: z}, ps)
		}
	default:
		ps = ops.ParamNodes(g, mod.Dec.Net, "decoder")
		eta, err = ops.MLP(mod.Dec.Net, ps, first)
	}
	if err == nil && d.lin == nil {
		err = checkOutput(eta, dt, rows, mod.V())
	}
	if err != nil {
		return nil, fmt.Errorf("model: decoder graph: %w", err)
	}
	switch {
	case d.lin != nil:
	case dt == tensor.Float32:
		d.ll32 = &decoder.LogLikOf[float32]{V: mod.V()}
		cost, err = ops.LogLik(eta, d.ll32)
	default:
		d.ll = &decoder.LogLik{V: mod.V()}
		cost, err = ops.LogLik(eta, d.ll)
	}
	if err != nil {
		return nil, fmt.Errorf("model: decoder graph: %w", err)
	}
	trainCost := cost
	if !train {
		trainCost = nil
	}
	if d.m, err = ops.NewMachine(gorgonia.Nodes{cost}, trainCost, ps); err != nil {
		return nil, fmt.Errorf("model: decoder graph: %w", err)
	}
	return d, nil
}

// fusedLinear reports whether a model's training graph for rows codes is
// the linear decoder's fused likelihood (ops.LinearLogLik): the built-in
// decoder of one layer, from fusedMinRows rows in float64 and
// fusedMinRows32 in float32.
func fusedLinear(m *Model, rows int) bool {
	least := fusedMinRows
	if m.Dec32 != nil {
		least = fusedMinRows32
	}
	return rows >= least && builtinLinear(m)
}

// builtinLinear reports whether m's decoder is the built-in linear one,
// K → V in one layer.
func builtinLinear(m *Model) bool {
	return m.Dec.Config.Arch == "" && len(m.Dec.Net.Layers) == 1
}

// fusedMinRows is the fewest rows for which the fused likelihood is used:
// its tables of exponentials cost the same at any number of rows (192
// rows of V for K = 50). Measured on 20 Newsgroups (V = 1995, K = 50,
// batch 64, one core, whole runs of bench/speed interleaved with the
// separate layer and head, 5 pairs), the fused graph's time over theirs:
// 1.19 at 64 rows (NVIL, S = 1), 1.03 at 128, 0.89 at 256 and 0.82 at 512
// (RLOO, S = 2, 4 and 8).
const fusedMinRows = 256

// fusedMinRows32 is fusedMinRows for float32 networks, whose separate
// layer and head run on float32 kernels of twice the lanes while the fused
// likelihood computes in float64. Measured on 20 Newsgroups (K = 50,
// bench/speed -dtype float32, the separate graph's binary against the
// fused one's, three interleaved pairs each, 2-core AMD EPYC without
// AVX-512), the fused graph's documents a second over the separate one's:
// 0.81–0.97 at 512 rows (RLOO, S = 8), 1.02–1.10 at 1,024 (S = 16),
// 1.19–1.57 at 2,048 (S = 32, two pairs); cmd/train's default (K = 100,
// S = 32: 2,048 rows) took 0.75–0.82 of the separate graph's time.
const fusedMinRows32 = 1024

// forward computes log p(x_b|z_bs) for the codes in d.z, S per document,
// into LL.
func (d *decGraph) forward(docs []data.Document, samples int) error {
	switch {
	case d.lin != nil:
		d.lin.Reset(docs, samples)
	case d.ll32 != nil:
		d.ll32.Reset(docs, samples)
	default:
		d.ll.Reset(docs, samples)
	}
	if d.z32 != nil {
		vecof.Convert(d.z32, d.z) // 0s and 1s: exact
	}
	if err := d.m.Forward(); err != nil {
		return fmt.Errorf("model: decoder: %w", err)
	}
	return nil
}

// lls returns the head's log-likelihoods and weights.
func (d *decGraph) lls() (ll, weights []float64) {
	if d.lin != nil {
		return d.lin.LL, d.lin.Weights
	}
	if d.ll32 != nil {
		return d.ll32.LL, d.ll32.Weights
	}
	return d.ll.LL, d.ll.Weights
}

// backward runs the backward half into g's decoder gradient.
func (d *decGraph) backward(g *Grads) error {
	if d.z32 != nil {
		return d.m.Backward32(g.Dec32.Params(), g.decTouched)
	}
	return d.m.Backward(g.Dec.Params(), g.decTouched)
}

// backward runs the backward half into g's encoder gradient.
func (e *encGraph) backward(g *Grads) error {
	if e.x32 != nil {
		return e.m.Backward32(g.Enc32.Params(), g.encTouched)
	}
	return e.m.Backward(g.Enc.Params(), g.encTouched)
}

// Forward is the forward pass of a model's networks through their graphs,
// for evaluation: the same graphs and operations as a training step's,
// without their backward halves. A Forward must not be used by two
// goroutines at once; it keeps one graph per batch size it has seen.
type Forward struct {
	m    *Model
	encs map[int]*encGraph
	decs map[int]*decGraph
	lin  decoder.LinearLogLik // a linear decoder's likelihood
	wide mlp.Layer            // a float32 model's linear decoder, widened
}

// NewForward returns a forward pass over m's parameters (read at each
// call, so later updates to m are seen).
//
// A Forward closed with Close is kept, with its graphs, for the model's next
// NewForward: evaluating every epoch then builds no graphs after the first
// (building them each time kept every one alive: 6.8 GB of resident memory
// after 100 epochs of 20 Newsgroups).
func (m *Model) NewForward() *Forward {
	if f := m.forwards.get(); f != nil {
		return f
	}
	return &Forward{m: m, encs: map[int]*encGraph{}, decs: map[int]*decGraph{}}
}

// forwardPool holds a model's closed Forwards.
type forwardPool struct {
	mu   sync.Mutex
	free []*Forward
}

func (p *forwardPool) get() *Forward {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		f := p.free[n-1]
		p.free = p.free[:n-1]
		return f
	}
	return nil
}

// put keeps f, and reports whether it did.
func (p *forwardPool) put(f *Forward) bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, f)
	return true
}

// Logits returns the encoder's logits of docs (len(docs)×K), valid until
// the next call.
func (f *Forward) Logits(docs []data.Document) ([]float64, error) {
	if err := data.CheckDocuments(docs, f.m.V()); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	e, ok := f.encs[len(docs)]
	if !ok {
		var err error
		if e, err = newEncGraph(f.m, len(docs), false); err != nil {
			return nil, err
		}
		f.encs[len(docs)] = e
	}
	return e.forward(f.m.Enc, docs)
}

// LogLik returns log p(x_b|z_bs) for the codes z (len(docs)·S×K, sample s
// of document b in row b·S+s), valid until the next call. For a model with
// the linear decoder and binary codes it skips the graph and its R×V
// logits: decoder.LinearLogLik gives the graph's results up to rounding,
// from tables kept while the decoder's weights stay the same. A float32
// model's decoder weights are widened to float64 (exactly) for it, so its
// logits are the float32 weights' exact sums rounded once in float64, where
// the float32 graph rounds each partial sum to float32.
func (f *Forward) LogLik(docs []data.Document, z []float64, samples int) ([]float64, error) {
	rows := len(docs) * samples
	if len(z) != rows*f.m.K() {
		return nil, fmt.Errorf("model: %d code values for %d documents × %d samples of K=%d", len(z), len(docs), samples, f.m.K())
	}
	if err := data.CheckDocuments(docs, f.m.V()); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if l, ok := f.linearDecoder(); ok && f.lin.Compute(l, docs, z, samples) {
		return f.lin.LL, nil
	}
	d, ok := f.decs[rows]
	if !ok {
		var err error
		if d, err = newDecGraph(f.m, rows, false); err != nil {
			return nil, err
		}
		f.decs[rows] = d
	}
	copy(d.z, z)
	if err := d.forward(docs, samples); err != nil {
		return nil, err
	}
	ll, _ := d.lls()
	return ll, nil
}

// linearDecoder returns the decoder's layer, in float64, when the decoder
// is the built-in linear one, K → V: a float64 model's own, or a float32
// model's widened into f.wide (read at each call, as the graphs read their
// parameters).
func (f *Forward) linearDecoder() (mlp.Layer, bool) {
	m := f.m
	if !builtinLinear(m) {
		return mlp.Layer{}, false
	}
	if m.Dec32 == nil {
		return m.Dec.Net.Layers[0], true
	}
	l := m.Dec32.Layers[0]
	f.wide.In, f.wide.Out = l.In, l.Out
	f.wide.W = scratch.Grow(f.wide.W, len(l.W))
	f.wide.B = scratch.Grow(f.wide.B, len(l.B))
	vecof.Convert(f.wide.W, l.W)
	vecof.Convert(f.wide.B, l.B)
	return f.wide, true
}

// Close releases the graphs, or keeps them for the model's next
// NewForward. f must not be used afterwards.
func (f *Forward) Close() error {
	if f.m.forwards.put(f) {
		return nil
	}
	for _, e := range f.encs {
		e.m.Close()
	}
	for _, d := range f.decs {
		d.m.Close()
	}
	f.encs, f.decs = map[int]*encGraph{}, map[int]*decGraph{}
	return nil
}
