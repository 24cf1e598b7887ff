package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/internal/scratch"
)

// StepStats summarises one step.
type StepStats struct {
	Docs, Tokens int
	Objective    float64 // sum over documents of the estimator's objective estimate (ELBO, or L_S for VIMCO)
}

// Stepper computes minibatch gradients (design §8): the encoder's graph
// forward, codes sampled from q(z|x), the decoder's graph forward, the
// estimator, and both graphs' backward halves at once, each network on its
// own goroutine. It keeps one pair of graphs per minibatch size and must
// not be used by two goroutines at once.
type Stepper struct {
	Model     *Model
	Estimator estimators.Estimator
	Samples   int // codes per document

	encs    map[int]*encGraph
	decs    map[int]*decGraph
	q       encoder.Posterior
	batch   estimators.Batch
	weights estimators.Weights
}

// NewStepper returns a Stepper drawing samples codes per document.
func NewStepper(m *Model, est estimators.Estimator, samples int) (*Stepper, error) {
	if samples < est.MinSamples() {
		return nil, fmt.Errorf("model: estimator %s needs at least %d samples, got %d", est.Name(), est.MinSamples(), samples)
	}
	return &Stepper{Model: m, Estimator: est, Samples: samples, encs: map[int]*encGraph{}, decs: map[int]*decGraph{}}, nil
}

// graphs returns the training graphs for B documents.
func (st *Stepper) graphs(B int) (*encGraph, *decGraph, error) {
	e, ok := st.encs[B]
	if !ok {
		var err error
		if e, err = newEncGraph(st.Model, B, true); err != nil {
			return nil, nil, err
		}
		st.encs[B] = e
	}
	d, ok := st.decs[B*st.Samples]
	if !ok {
		var err error
		if d, err = newDecGraph(st.Model, B*st.Samples, true); err != nil {
			return nil, nil, err
		}
		st.decs[B*st.Samples] = d
	}
	return e, d, nil
}

// Step computes the gradient of the negated objective (a loss, ready for a
// minimiser) over docs into g, drawing codes from rng.
func (st *Stepper) Step(docs []data.Document, rng *rand.Rand, g *Grads) (StepStats, error) {
	m := st.Model
	B, S, K := len(docs), st.Samples, m.K()
	if B == 0 {
		return StepStats{}, fmt.Errorf("model: empty minibatch")
	}
	if err := data.CheckDocuments(docs, m.V()); err != nil {
		return StepStats{}, fmt.Errorf("model: %w", err)
	}
	enc, dec, err := st.graphs(B)
	if err != nil {
		return StepStats{}, err
	}
	stats := StepStats{Docs: B}
	for _, d := range docs {
		stats.Tokens += d.Tokens()
	}

	// Encoder forward, then the codes.
	a, err := enc.forward(m.Enc, docs)
	if err != nil {
		return stats, err
	}
	st.q.Set(a, K)
	z := dec.z
	if sm, ok := st.Estimator.(estimators.Sampler); ok {
		sm.SampleCodes(z, st.q.P, K, S, rng) // DisARM's antithetic pairs
	} else {
		st.q.Sample(z, S, rng)
	}
	b := &st.batch
	b.B, b.S, b.InputDim = B, S, m.V()
	b.K, b.Codes, b.Probs = K, z, st.q.P
	b.Input, b.InputSparse = nil, &enc.x
	b.LogPrior = scratch.Grow(b.LogPrior, B*S)
	b.LogQ = scratch.Grow(b.LogQ, B*S)
	b.KL = scratch.Grow(b.KL, B)
	st.q.LogQ(b.LogQ, z, S)
	st.q.KL(b.KL, m.Prior)
	m.Prior.LogPriors(b.LogPrior, z)

	// Decoder forward; an estimator's own work on the batch (NVIL's
	// baseline network) runs beside it.
	ov, overlap := st.Estimator.(estimators.Overlapper)
	var prepared sync.WaitGroup
	if overlap {
		prepared.Go(func() { ov.Prepare(b) })
	}
	err = dec.forward(docs, S)
	prepared.Wait()
	if err != nil {
		return stats, err
	}

	// The estimator.
	ll, llWeights := dec.lls()
	b.LogLik = ll
	if err := st.Estimator.Estimate(&st.weights, b); err != nil {
		return stats, fmt.Errorf("model: estimator: %w", err)
	}
	w := &st.weights
	inv := 1 / float64(B)
	for i, v := range w.DecoderWeight {
		llWeights[i] = v * inv
	}
	if w.LogitGrad != nil {
		enc.surr.SetLogitGrad(w.LogitGrad)
	} else {
		enc.surr.Set(z, w.Advantage, S)
	}
	enc.surr.KLWeight = w.KLWeight
	enc.surr.Scale = inv
	enc.surr.Q = &st.q // σ(a) and log σ(±a) of these logits, computed once

	// Both backward halves at once (and the estimator's learning), each
	// writing only its own gradient and buffers.
	var done sync.WaitGroup
	var decErr error
	done.Go(func() { decErr = dec.backward(g) })
	if overlap {
		done.Go(ov.Learn)
	}
	encErr := enc.backward(g)
	done.Wait()
	if err := firstErr(encErr, decErr); err != nil {
		return stats, fmt.Errorf("model: %w", err)
	}
	g.encRows, g.sparse = enc.m.Touched(0)
	// The prior's gradient, mean_b (α - m_b): m_b is q's probabilities for
	// the ELBO (the closed-form KL's gradient), or the estimator's mean code
	// (VIMCO's Σ_s w̃_s z_s, for L_S).
	mean := st.q.P
	if w.PriorMean != nil {
		mean = w.PriorMean
	}
	clear(g.Prior)
	m.Prior.LogitGrad(g.Prior, mean, 1)
	for _, o := range w.Objective {
		stats.Objective += o
	}
	if math.IsNaN(stats.Objective) || math.IsInf(stats.Objective, 0) {
		return stats, fmt.Errorf("model: objective %v: %w", stats.Objective, estimators.ErrNotFinite)
	}
	return stats, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Weights returns the estimator's weights from the last Step, valid until
// the next.
func (st *Stepper) Weights() *estimators.Weights { return &st.weights }

// Close releases the Stepper's graphs.
func (st *Stepper) Close() error {
	for _, e := range st.encs {
		e.m.Close()
	}
	for _, d := range st.decs {
		d.m.Close()
	}
	st.encs, st.decs = map[int]*encGraph{}, map[int]*decGraph{}
	return nil
}
