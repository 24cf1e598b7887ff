package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/decoder/decgraph"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/encoder/encgraph"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/internal/gg"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
)

// Backend selects how a Stepper differentiates the networks.
type Backend int

const (
	// Graph runs compiled Gorgonia graphs.
	Graph Backend = iota
	// Plain runs package mlp's sparse, multi-core pass (the default).
	Plain
)

// StepStats summarises one step.
type StepStats struct {
	Docs, Tokens int
	Objective    float64 // sum over documents of the estimator's objective estimate (ELBO, or L_S for VIMCO)
}

// Stepper computes minibatch gradients. It reuses its buffers and graphs
// across steps and must not be used by two goroutines at once.
//
// With Workers > 1 it splits each minibatch into that many contiguous shards
// and runs the decoder and encoder passes of the shards in parallel, each
// worker with its own graphs; the estimator still sees the whole minibatch
// (the workers meet once all shards' log-likelihoods are known), and the
// shards' gradients are summed in shard order. Sampling happens before the
// split, so the codes drawn do not depend on Workers, and the gradients
// differ from a single worker's only by the order of floating-point sums.
type Stepper struct {
	Model     *Model
	Estimator estimators.Estimator
	Samples   int // codes per document
	Backend   Backend

	x, a, z []float64
	xs      mlp.Sparse // the encoder input, for the Plain backend
	q       encoder.Posterior
	encWS   mlp.Workspace
	batch   estimators.Batch
	weights estimators.Weights
	workers []*worker

	// Rendezvous of the workers around the estimator.
	llReady   sync.WaitGroup
	estimated chan struct{}
	estErr    error
}

// worker computes one shard's passes.
type worker struct {
	st           *Stepper
	lo, hi       int // documents [lo, hi) of the minibatch
	surr         encoder.Surrogate
	loglik       decoder.LogLik
	grads        *Grads
	graphs       map[int]*graphs // by shard size
	encWS, decWS mlp.Workspace
	da           []float64
	zs, xs       mlp.Sparse
	arrived      bool
	err          error
}

type graphs struct {
	enc, dec *gg.Net
}

// NewStepper returns a Stepper drawing samples codes per document, with the
// given number of parallel workers (at least 1).
func NewStepper(m *Model, est estimators.Estimator, samples int, backend Backend, workers int) (*Stepper, error) {
	if samples < est.MinSamples() {
		return nil, fmt.Errorf("model: estimator %s needs at least %d samples, got %d", est.Name(), est.MinSamples(), samples)
	}
	if workers < 1 {
		return nil, fmt.Errorf("model: %d workers", workers)
	}
	st := &Stepper{Model: m, Estimator: est, Samples: samples, Backend: backend}
	for i := 0; i < workers; i++ {
		w := &worker{st: st, graphs: map[int]*graphs{}}
		w.surr = encoder.Surrogate{K: m.K(), Alpha: m.Alpha}
		// The Plain pass lets the likelihood overwrite the logits; a
		// Gorgonia graph owns its own.
		w.loglik = decoder.LogLik{V: m.V(), Weigh: w.weigh, InPlace: backend == Plain}
		if workers > 1 {
			w.grads = m.NewGrads()
		}
		st.workers = append(st.workers, w)
	}
	return st, nil
}

// Step computes the gradient of the negated objective (a loss, ready for a
// minimiser) over docs into g, drawing codes from rng.
func (st *Stepper) Step(docs []data.Document, rng *rand.Rand, g *Grads) (StepStats, error) {
	m := st.Model
	B, S, K, V := len(docs), st.Samples, m.K(), m.V()
	if B == 0 {
		return StepStats{}, fmt.Errorf("model: empty minibatch")
	}
	// Encode and sample the whole minibatch in this goroutine: rng is not
	// safe for concurrent use, and the draws must not depend on Workers.
	b := &st.batch
	b.B, b.S, b.InputDim = B, S, V
	st.a = scratch.Grow(st.a, B*K)
	if st.Backend == Plain {
		// The encoder's first layer (and the NVIL baseline's) reads only
		// the words present.
		m.Enc.FillSparse(&st.xs, docs)
		b.Input, b.InputSparse = nil, &st.xs
		copy(st.a, m.Enc.Net.ForwardSparse(&st.encWS, &st.xs))
	} else {
		st.x = scratch.Grow(st.x, B*V)
		m.Enc.FillInput(st.x, docs)
		b.Input, b.InputSparse = st.x, nil
		copy(st.a, m.Enc.Logits(&st.encWS, st.x))
	}
	st.z = scratch.Grow(st.z, B*S*K)
	st.q.Set(st.a, K)
	if sm, ok := st.Estimator.(estimators.Sampler); ok {
		sm.SampleCodes(st.z, st.q.P, K, S, rng) // DisARM's antithetic pairs
	} else {
		st.q.Sample(st.z, S, rng)
	}
	b.K, b.Codes, b.Probs = K, st.z, st.q.P

	b.LogLik = scratch.Grow(b.LogLik, B*S)
	b.LogPrior = scratch.Grow(b.LogPrior, B*S)
	b.LogQ = scratch.Grow(b.LogQ, B*S)
	b.KL = scratch.Grow(b.KL, B)
	stats := StepStats{Docs: B}
	st.q.LogQ(b.LogQ, st.z, S)
	st.q.KL(b.KL, m.Alpha)
	for i := range b.LogPrior {
		b.LogPrior[i] = encoder.LogPrior(st.z[i*K:(i+1)*K], m.Alpha)
	}
	for _, d := range docs {
		stats.Tokens += d.Tokens()
	}

	// Shards: contiguous, sizes differing by at most one; never empty.
	nw := min(len(st.workers), B)
	active := st.workers[:nw]
	for i, w := range active {
		w.lo, w.hi = i*B/nw, (i+1)*B/nw
		w.arrived, w.err = false, nil
		if nw == 1 {
			w.grads = g
		}
	}
	st.estErr = nil
	st.estimated = make(chan struct{})
	st.llReady.Add(nw)
	var done sync.WaitGroup
	for _, w := range active[1:] {
		done.Add(1)
		go func() {
			defer done.Done()
			w.run(docs)
		}()
	}
	// An estimator's own work on the batch (NVIL's baseline network) runs
	// beside the decoder's forward pass and the backward passes.
	ov, overlap := st.Estimator.(estimators.Overlapper)
	var prepared sync.WaitGroup
	if overlap {
		prepared.Add(1)
		go func() {
			defer prepared.Done()
			ov.Prepare(b)
		}()
	}
	done.Add(1)
	go func() {
		// The rendezvous: once every shard's log-likelihoods are in, run
		// the estimator on the whole minibatch and release the workers.
		defer done.Done()
		st.llReady.Wait()
		prepared.Wait()
		st.estErr = st.Estimator.Estimate(&st.weights, b)
		close(st.estimated)
		if overlap {
			ov.Learn()
		}
	}()
	active[0].run(docs)
	done.Wait()
	for _, w := range active {
		if w.err != nil {
			return stats, w.err
		}
	}
	if st.estErr != nil {
		return stats, fmt.Errorf("model: estimator: %w", st.estErr)
	}
	g.sparse = nw == 1 && st.Backend == Plain
	if nw > 1 {
		sumGrads(g, active)
	}
	for _, o := range st.weights.Objective {
		stats.Objective += o
	}
	if math.IsNaN(stats.Objective) || math.IsInf(stats.Objective, 0) {
		return stats, fmt.Errorf("model: objective %v: %w", stats.Objective, estimators.ErrNotFinite)
	}
	return stats, nil
}

// sumGrads writes the sum of the workers' gradients, in worker order, into g.
func sumGrads(g *Grads, ws []*worker) {
	for _, pair := range []struct {
		dst  [][]float64
		part func(*worker) [][]float64
	}{
		{g.Enc.Params(), func(w *worker) [][]float64 { return w.grads.Enc.Params() }},
		{g.Dec.Params(), func(w *worker) [][]float64 { return w.grads.Dec.Params() }},
	} {
		for i, dst := range pair.dst {
			copy(dst, pair.part(ws[0])[i])
			for _, w := range ws[1:] {
				for j, v := range pair.part(w)[i] {
					dst[j] += v
				}
			}
		}
	}
}

// arrive marks the worker's log-likelihoods as written, once.
func (w *worker) arrive() {
	if !w.arrived {
		w.arrived = true
		w.st.llReady.Done()
	}
}

// weigh is the decoder head's callback: it publishes the shard's
// log-likelihoods, waits for the estimator, and returns the shard's decoder
// weights (scaled to a mean over the minibatch) through out.
func (w *worker) weigh(ll, out []float64) {
	st := w.st
	S := st.Samples
	copy(st.batch.LogLik[w.lo*S:w.hi*S], ll)
	w.arrive()
	<-st.estimated
	if st.estErr != nil {
		clear(out)
		return
	}
	inv := 1 / float64(st.batch.B)
	for i, v := range st.weights.DecoderWeight[w.lo*S : w.hi*S] {
		out[i] = v * inv
	}
}

// run computes the shard's decoder and encoder passes into w.grads.
func (w *worker) run(docs []data.Document) {
	defer w.arrive() // never leave the others waiting, whatever happens
	st := w.st
	m := st.Model
	K, V, S := m.K(), m.V(), st.Samples
	n := w.hi - w.lo
	shard := docs[w.lo:w.hi]
	z := st.z[w.lo*S*K : w.hi*S*K]
	var gr *graphs
	if st.Backend == Graph {
		if gr, w.err = w.graphsFor(n); w.err != nil {
			return
		}
	}

	// Decoder: forward, estimator (inside the head), backward.
	w.loglik.Reset(shard, S)
	if gr != nil {
		gr.dec.SetInput(z)
		if _, err := gr.dec.Run(w.grads.Dec); err != nil {
			w.err = fmt.Errorf("model: decoder graph: %w", err)
			return
		}
	} else {
		// The codes are binary: the decoder's first layer adds the weight
		// rows of the ones.
		w.zs.SetDense(z, K)
		eta := m.Dec.Net.ForwardSparse(&w.decWS, &w.zs)
		w.loglik.Loss(eta)
		if st.estErr != nil {
			return
		}
		// The decoder's backward pass and the encoder's are independent:
		// running them at once lets one's serial stretches overlap the
		// other's parallel ones. Each writes only its own gradient and
		// buffers.
		var dec sync.WaitGroup
		dec.Add(1)
		go func() {
			defer dec.Done()
			// In place: the gradient replaces the exponentials that
			// replaced the logits.
			w.loglik.Grad(eta, eta)
			m.Dec.Net.BackwardSparse(&w.decWS, &w.zs, eta, w.grads.Dec, &w.grads.decTouched)
		}()
		defer dec.Wait()
	}
	if st.estErr != nil {
		return
	}

	// Encoder: the surrogate, with the advantages as constants.
	if lg := st.weights.LogitGrad; lg != nil {
		w.surr.SetLogitGrad(lg[w.lo*K : w.hi*K])
	} else {
		w.surr.Set(z, st.weights.Advantage[w.lo*S:w.hi*S], S)
	}
	w.surr.KLWeight = st.weights.KLWeight
	w.surr.Scale = 1 / float64(len(docs))
	if gr != nil {
		gr.enc.SetInput(st.x[w.lo*V : w.hi*V])
		if _, err := gr.enc.Run(w.grads.Enc); err != nil {
			w.err = fmt.Errorf("model: encoder graph: %w", err)
		}
		return
	}
	// A single worker back-propagates through the whole minibatch's forward
	// pass; a shard recomputes its own.
	ws, xs, logits := &st.encWS, &st.xs, st.a
	if len(st.workers) > 1 {
		ws, xs = &w.encWS, &w.xs
		xs.Reset(V)
		for r := w.lo; r < w.hi; r++ {
			for k := st.xs.Ptr[r]; k < st.xs.Ptr[r+1]; k++ {
				xs.Append(st.xs.Col[k], st.xs.Val[k])
			}
			xs.EndRow()
		}
		logits = m.Enc.Net.ForwardSparse(ws, xs)
	}
	w.da = scratch.Grow(w.da, n*K)
	w.surr.Grad(w.da, logits)
	m.Enc.Net.BackwardSparse(ws, xs, w.da, w.grads.Enc, &w.grads.encTouched)
}

func (w *worker) graphsFor(n int) (*graphs, error) {
	if gr, ok := w.graphs[n]; ok {
		return gr, nil
	}
	st := w.st
	enc, err := encgraph.New(st.Model.Enc, n, &w.surr)
	if err != nil {
		return nil, err
	}
	dec, err := decgraph.New(st.Model.Dec, n*st.Samples, &w.loglik)
	if err != nil {
		return nil, err
	}
	gr := &graphs{enc: enc, dec: dec}
	w.graphs[n] = gr
	return gr, nil
}

// Weights returns the estimator's weights from the last Step, valid until
// the next.
func (st *Stepper) Weights() *estimators.Weights { return &st.weights }

// Close releases the Stepper's graphs.
func (st *Stepper) Close() error {
	for _, w := range st.workers {
		for _, gr := range w.graphs {
			gr.enc.Close()
			gr.dec.Close()
		}
		w.graphs = map[int]*graphs{}
	}
	return nil
}
