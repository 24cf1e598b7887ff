package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/decoder/decgraph"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/encoder/encgraph"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/internal/gg"
	"github.com/amvi/amvi/internal/mlp"
)

// Backend selects how a Stepper differentiates the networks.
type Backend int

const (
	// Graph runs compiled Gorgonia graphs.
	Graph Backend = iota
	// Plain runs the graph-free gonum pass.
	Plain
)

// StepStats summarises one step.
type StepStats struct {
	Docs, Tokens int
	Objective    float64 // sum over documents of the estimator's objective estimate (ELBO, or L_S for VIMCO)
}

// Stepper computes minibatch gradients. It reuses its buffers and graphs
// across steps and must not be used by two goroutines at once.
type Stepper struct {
	Model     *Model
	Estimator estimators.Estimator
	Samples   int // codes per document
	Backend   Backend

	x, a, z  []float64
	encWS    mlp.Workspace
	decWS    mlp.Workspace
	surr     encoder.Surrogate
	loglik   decoder.LogLik
	batch    estimators.Batch
	weights  estimators.Weights
	estErr   error
	graphs   map[int]*graphs // by minibatch size
	da, deta []float64
}

type graphs struct {
	enc, dec *gg.Net
}

// NewStepper returns a Stepper drawing samples codes per document.
func NewStepper(m *Model, est estimators.Estimator, samples int, backend Backend) (*Stepper, error) {
	if samples < est.MinSamples() {
		return nil, fmt.Errorf("model: estimator %s needs at least %d samples, got %d", est.Name(), est.MinSamples(), samples)
	}
	st := &Stepper{Model: m, Estimator: est, Samples: samples, Backend: backend, graphs: map[int]*graphs{}}
	st.surr = encoder.Surrogate{K: m.K(), Alpha: m.Alpha}
	st.loglik = decoder.LogLik{V: m.V(), Weigh: st.weigh}
	return st, nil
}

// weigh runs the estimator once the decoder's forward pass has produced the
// log-likelihoods, and returns the decoder weights (scaled to a mean over
// documents) through w.
func (st *Stepper) weigh(ll, w []float64) {
	st.batch.LogLik = ll
	st.estErr = st.Estimator.Estimate(&st.weights, &st.batch)
	if st.estErr != nil {
		clear(w)
		return
	}
	inv := 1 / float64(st.batch.B)
	for i, v := range st.weights.DecoderWeight {
		w[i] = v * inv
	}
}

// Step computes the gradient of the negated objective (a loss, ready for a
// minimiser) over docs into g, drawing codes from rng.
func (st *Stepper) Step(docs []data.Document, rng *rand.Rand, g *Grads) (StepStats, error) {
	m := st.Model
	B, S, K, V := len(docs), st.Samples, m.K(), m.V()
	if B == 0 {
		return StepStats{}, fmt.Errorf("model: empty minibatch")
	}
	var gr *graphs
	if st.Backend == Graph {
		var err error
		if gr, err = st.graphsFor(B); err != nil {
			return StepStats{}, err
		}
		st.x = gr.enc.Input
	} else {
		st.x = grow(st.x, B*V)
	}
	m.Enc.FillInput(st.x, docs)
	st.a = grow(st.a, B*K)
	copy(st.a, m.Enc.Logits(&st.encWS, st.x))
	st.z = grow(st.z, B*S*K)
	encoder.Sample(st.z, st.a, K, S, rng)

	b := &st.batch
	b.B, b.S, b.Input, b.InputDim = B, S, st.x, V
	b.LogPrior = grow(b.LogPrior, B*S)
	b.LogQ = grow(b.LogQ, B*S)
	b.KL = grow(b.KL, B)
	stats := StepStats{Docs: B}
	for d := 0; d < B; d++ {
		ad := st.a[d*K : (d+1)*K]
		b.KL[d] = encoder.KL(ad, m.Alpha)
		for s := 0; s < S; s++ {
			i := d*S + s
			zi := st.z[i*K : (i+1)*K]
			b.LogPrior[i] = encoder.LogPrior(zi, m.Alpha)
			b.LogQ[i] = encoder.LogQ(zi, ad)
		}
		stats.Tokens += docs[d].Tokens()
	}

	// Decoder: forward, estimator (inside the head), backward.
	st.loglik.Reset(docs, S)
	st.estErr = nil
	if gr != nil {
		copy(gr.dec.Input, st.z)
		if _, err := gr.dec.Run(g.Dec); err != nil {
			return stats, fmt.Errorf("model: decoder graph: %w", err)
		}
	} else {
		eta := m.Dec.Logits(&st.decWS, st.z)
		st.loglik.Loss(eta)
		st.deta = grow(st.deta, len(eta))
		st.loglik.Grad(st.deta, eta)
		m.Dec.Net.Backward(&st.decWS, st.z, st.deta, g.Dec)
	}
	if st.estErr != nil {
		return stats, fmt.Errorf("model: estimator: %w", st.estErr)
	}

	// Encoder: surrogate with the advantages as constants.
	st.surr.Set(st.z, st.weights.Advantage, S)
	st.surr.KLWeight = st.weights.KLWeight
	st.surr.Scale = 1 / float64(B)
	if gr != nil {
		if _, err := gr.enc.Run(g.Enc); err != nil {
			return stats, fmt.Errorf("model: encoder graph: %w", err)
		}
	} else {
		st.da = grow(st.da, B*K)
		st.surr.Grad(st.da, st.a)
		m.Enc.Net.Backward(&st.encWS, st.x, st.da, g.Enc)
	}
	for _, o := range st.weights.Objective {
		stats.Objective += o
	}
	if math.IsNaN(stats.Objective) || math.IsInf(stats.Objective, 0) {
		return stats, fmt.Errorf("model: objective %v: %w", stats.Objective, estimators.ErrNotFinite)
	}
	return stats, nil
}

func (st *Stepper) graphsFor(B int) (*graphs, error) {
	if gr, ok := st.graphs[B]; ok {
		return gr, nil
	}
	enc, err := encgraph.New(st.Model.Enc, B, &st.surr)
	if err != nil {
		return nil, err
	}
	dec, err := decgraph.New(st.Model.Dec, B*st.Samples, &st.loglik)
	if err != nil {
		return nil, err
	}
	gr := &graphs{enc: enc, dec: dec}
	st.graphs[B] = gr
	return gr, nil
}

// Weights returns the estimator's weights from the last Step, valid until
// the next.
func (st *Stepper) Weights() *estimators.Weights { return &st.weights }

// Close releases the Stepper's graphs.
func (st *Stepper) Close() error {
	for _, gr := range st.graphs {
		gr.enc.Close()
		gr.dec.Close()
	}
	st.graphs = map[int]*graphs{}
	return nil
}

func grow(s []float64, n int) []float64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float64, n)
}
