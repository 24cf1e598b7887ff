// Package exact computes, by enumerating all 2^K codes, the quantities that
// amvi's estimators approximate: log p(x), the ELBO, the importance-weighted
// bound L_S for small S, and the exact gradients of the ELBO, of L_S and of
// the EM objective with respect to every encoder and decoder parameter
// (design §5).
//
// It is the ground truth for tests on small models (K ≤ MaxK), the source
// of cmd/eval's exact figures, and, through Stepper, a training step without
// estimator noise. An Evaluator runs the decoder once over the 2^K codes;
// each document then costs O(2^K·(K + its distinct words)), L_S
// O(2^(K·S)).
package exact

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/enum"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/vec"
	"github.com/amvi/amvi/model"
)

// MaxK is the largest K this package enumerates.
const MaxK = 14

// maxTuples bounds the (2^K)^S tuples enumerated for L_S.
const maxTuples = 1 << 22

// States returns all 2^k codes as rows of a 2^k×k matrix; row i is the
// binary expansion of i, least significant factor first.
// It panics if k is outside [1, MaxK].
func States(k int) []float64 {
	if k < 1 || k > MaxK {
		panic(fmt.Sprintf("exact: K=%d outside [1, %d]", k, MaxK))
	}
	n := 1 << k
	z := make([]float64, n*k)
	for i := 0; i < n; i++ {
		for j := 0; j < k; j++ {
			z[i*k+j] = float64(i >> j & 1)
		}
	}
	return z
}

// Doc holds the enumerated quantities of one document.
type Doc struct {
	LogJoint    []float64 // per state: log p(x|z) + log p(z)
	LogQ        []float64 // per state: log q(z|x)
	Logits      []float64 // the encoder's logits a (K)
	LogMarginal float64   // log p(x)
	ELBO        float64   // E_q[log p(x,z) - log q(z|x)]
	KL          float64   // KL(q(z|x) || p(z)), closed form
}

// Evaluator enumerates a model's codes once and evaluates documents with
// the model's parameters at the time of New.
type Evaluator struct {
	m      *model.Model
	states []float64
	eta    []float64 // 2^K × V decoder logits
	lse    []float64 // per state: logsumexp of its logits
	prior  []float64 // log p(z) per state
	encWS  mlp.Workspace
	decWS  mlp.Workspace // holds the decoder's forward pass over the states
}

// New returns an Evaluator for m. It panics if m.K() > MaxK.
func New(m *model.Model) *Evaluator {
	e := &Evaluator{m: m, states: States(m.K())}
	n, v := 1<<m.K(), m.V()
	e.eta = append([]float64(nil), m.Dec.Logits(&e.decWS, e.states)...)
	e.lse = make([]float64, n)
	e.prior = make([]float64, n)
	for i := range e.prior {
		row := e.eta[i*v : (i+1)*v]
		mx := vec.Max(row)
		s := 0.0
		for _, x := range row {
			s += math.Exp(x - mx)
		}
		e.lse[i] = mx + math.Log(s)
	}
	m.Prior.LogPriors(e.prior, e.states)
	return e
}

// Doc enumerates the codes for one document. It is not safe for
// concurrent use; DocLogits is.
func (e *Evaluator) Doc(doc data.Document) *Doc {
	x := make([]float64, e.m.V())
	e.m.Enc.FillInput(x, []data.Document{doc})
	return e.DocLogits(doc, e.m.Enc.Logits(&e.encWS, x))
}

// DocLogits enumerates the codes for one document whose encoder logits
// are a (K, copied). It only reads the Evaluator, so several goroutines may
// call it at once.
func (e *Evaluator) DocLogits(doc data.Document, a []float64) *Doc {
	k, n, v := e.m.K(), 1<<e.m.K(), e.m.V()
	a = append([]float64(nil), a...)
	r := &Doc{LogJoint: make([]float64, n), LogQ: make([]float64, n), Logits: a, KL: e.m.Prior.KL(a)}
	var q encoder.Posterior
	q.Set(a, k)
	q.LogQ(r.LogQ, e.states, n)
	N := float64(doc.Tokens())
	for i := 0; i < n; i++ {
		row := e.eta[i*v : (i+1)*v]
		ll := 0.0
		for t, w := range doc.Words {
			ll += float64(doc.Counts[t]) * row[w]
		}
		r.LogJoint[i] = ll - N*e.lse[i] + e.prior[i]
		r.ELBO += math.Exp(r.LogQ[i]) * (r.LogJoint[i] - r.LogQ[i])
	}
	r.LogMarginal = floats.LogSumExp(r.LogJoint)
	return r
}

// IWBound returns L_S = E[log (1/S) Σ_s p(x,z_s)/q(z_s|x)] exactly, summing
// over all (2^K)^S tuples of codes. It panics if there are more than 2^22.
func (e *Evaluator) IWBound(doc data.Document, samples int) float64 {
	d := e.Doc(doc)
	v := 0.0
	forTuples(len(d.LogQ), samples, func(idx []int, logw []float64) {
		logProb := 0.0
		for s, i := range idx {
			logProb += d.LogQ[i]
			logw[s] = d.LogJoint[i] - d.LogQ[i]
		}
		v += math.Exp(logProb) * (floats.LogSumExp(logw) - math.Log(float64(samples)))
	})
	return v
}

// forTuples calls fn for every tuple of samples indices in [0, n), with a
// scratch slice of length samples.
func forTuples(n, samples int, fn func(idx []int, scratch []float64)) {
	if samples < 1 || math.Pow(float64(n), float64(samples)) > maxTuples {
		panic(fmt.Sprintf("exact: %d^%d tuples is too many to enumerate", n, samples))
	}
	idx := make([]int, samples)
	scratch := make([]float64, samples)
	for {
		fn(idx, scratch)
		s := 0
		for s < samples {
			idx[s]++
			if idx[s] < n {
				break
			}
			idx[s] = 0
			s++
		}
		if s == samples {
			return
		}
	}
}

// elboLogits adds the gradient of d's ELBO with respect to its logits into
// da: Σ_z q(z)(log p(x,z) - log q(z))(z - σ(a)), the score function summed
// exactly (E_q[z - σ(a)] = 0, so log q's own derivative drops out).
func (e *Evaluator) elboLogits(d *Doc, da []float64) {
	k := len(d.Logits)
	b := make([]float64, k)
	encoder.Probs(b, d.Logits)
	for i, lq := range d.LogQ {
		f := math.Exp(lq) * (d.LogJoint[i] - lq)
		for j := range da {
			da[j] += f * (e.states[i*k+j] - b[j])
		}
	}
}

// ELBOGrad returns the exact gradient of the mean ELBO over docs with
// respect to every parameter of the model.
func (e *Evaluator) ELBOGrad(docs []data.Document) *model.Grads {
	g := e.m.NewGrads()
	e.grad(g, docs, func(d *Doc, da, stateWeight []float64) {
		e.elboLogits(d, da)
		for i, lq := range d.LogQ {
			stateWeight[i] = math.Exp(lq)
		}
	})
	return g
}

// EMGrad returns the gradient of the EM objective over docs: for the
// decoder, the exact gradient of the mean log p(x) (Σ_z p(z|x) ∇θ log p(x|z),
// the E-step by enumeration), and for the encoder, the exact gradient of the
// mean ELBO, which fits q(z|x) to the posterior p(z|x) in KL(q||p).
func (e *Evaluator) EMGrad(docs []data.Document) *model.Grads {
	g := e.m.NewGrads()
	e.grad(g, docs, emPerDoc(e))
	return g
}

func emPerDoc(e *Evaluator) func(d *Doc, da, stateWeight []float64) {
	return func(d *Doc, da, stateWeight []float64) {
		e.elboLogits(d, da)
		for i, lj := range d.LogJoint {
			stateWeight[i] = math.Exp(lj - d.LogMarginal)
		}
	}
}

// IWBoundGrad returns the exact gradient of the mean L_S over docs.
func (e *Evaluator) IWBoundGrad(docs []data.Document, samples int) *model.Grads {
	g := e.m.NewGrads()
	e.grad(g, docs, func(d *Doc, da, stateWeight []float64) {
		k := len(d.Logits)
		b := make([]float64, k)
		encoder.Probs(b, d.Logits)
		norm := make([]float64, samples)
		forTuples(len(d.LogQ), samples, func(idx []int, logw []float64) {
			logProb := 0.0
			for s, i := range idx {
				logProb += d.LogQ[i]
				logw[s] = d.LogJoint[i] - d.LogQ[i]
			}
			p := math.Exp(logProb)
			lse := floats.LogSumExp(logw)
			L := lse - math.Log(float64(samples))
			for s := range idx {
				norm[s] = math.Exp(logw[s] - lse)
			}
			for s, i := range idx {
				c := p * (L - norm[s])
				for j := range da {
					da[j] += c * (e.states[i*k+j] - b[j])
				}
				stateWeight[i] += p * norm[s]
			}
		})
	})
	return g
}

// grad writes into g a gradient assembled from per-document contributions:
// perDoc adds the objective's gradient with respect to the document's
// logits into da and writes into stateWeight the weight c(z) of
// ∇_θ log p(x|z) for every state. It returns the documents' enumerations.
//
// Since ∇_η log p(x|z) = x - N·softmax(η_z), the decoder's gradient with
// respect to state z's logits sums over the documents in closed form,
// Σ_b c_b(z)(x_b - N_b softmax(η_z)), so the decoder runs over the 2^K
// states once, not once per document.
func (e *Evaluator) grad(g *model.Grads, docs []data.Document, perDoc func(d *Doc, da, stateWeight []float64)) []*Doc {
	m := e.m
	k, n, v, B := m.K(), 1<<m.K(), m.V(), len(docs)
	da := make([]float64, B*k)
	weights := make([]float64, n)
	x := make([]float64, B*v)
	m.Enc.FillInput(x, docs)
	a := m.Enc.Logits(&e.encWS, x)
	deta := make([]float64, n*v)
	mass := make([]float64, n)   // Σ_b c_b(z) N_b
	marg := make([]float64, B*k) // Σ_z c_b(z) z: the weights' mean code
	enumerated := make([]*Doc, B)
	for b, doc := range docs {
		d := e.DocLogits(doc, a[b*k:(b+1)*k])
		enumerated[b] = d
		clear(weights)
		perDoc(d, da[b*k:(b+1)*k], weights)
		N := float64(doc.Tokens())
		for i, c := range weights {
			if c == 0 {
				continue
			}
			for j, zj := range e.states[i*k : (i+1)*k] {
				marg[b*k+j] += c * zj
			}
			mass[i] += c * N
			row := deta[i*v : (i+1)*v]
			for t, w := range doc.Words {
				row[w] -= c * float64(doc.Counts[t])
			}
		}
	}
	// The loss is minus the mean objective: ∂/∂η_z = Σ_b c_b(z)(N_b softmax - x_b) / B.
	inv := 1 / float64(B)
	for i := 0; i < n; i++ {
		row, eta := deta[i*v:(i+1)*v], e.eta[i*v:(i+1)*v]
		for w := range row {
			row[w] = (row[w] + mass[i]*math.Exp(eta[w]-e.lse[i])) * inv
		}
	}
	// Both gradients are of the objective (not the loss): flip the signs.
	for i := range deta {
		deta[i] = -deta[i]
	}
	m.Dec.Net.Backward(&e.decWS, e.states, deta, g.Dec)
	for i := range da {
		da[i] *= inv
	}
	m.Enc.Net.Backward(&e.encWS, x, da, g.Enc)
	// The prior's logits: log p(z) enters the objective with the same
	// weights c(z) as log p(x|z), and ∇_η log p(z) = z - α; the weights sum
	// to one, so the gradient is mean_b (Σ_z c_b(z) z - α).
	clear(g.Prior)
	m.Prior.LogitGrad(g.Prior, marg, -1)
	return enumerated
}

// Objective selects what a Stepper's gradient maximises. The zero value is
// ELBO, the default. Its text form is its name, "elbo" or "em", as in
// cmd/train's -objective.
type Objective int

const (
	// ELBO is exact-gradient variational inference: the gradient of the
	// mean ELBO with respect to every parameter, with no estimator noise.
	ELBO Objective = iota
	// EM trains the decoder on the exact mean log p(x) and the encoder on
	// the mean ELBO (see EMGrad).
	EM
)

var objectives = enum.New[Objective]("objective", []string{ELBO: "elbo", EM: "em"})

// String returns the objective's name.
func (o Objective) String() string { return objectives.String(o) }

// MarshalText returns the objective's name; a value that is none of the
// objectives is an error.
func (o Objective) MarshalText() ([]byte, error) { return objectives.MarshalText(o) }

// UnmarshalText sets o to the objective named text.
func (o *Objective) UnmarshalText(text []byte) error { return objectives.UnmarshalText(o, text) }

// Stepper computes exact minibatch gradients, in the form of model.Stepper:
// the gradient of the negated objective, a loss for a minimiser. It costs
// one decoder pass over the 2^K codes a step and O(2^K·(K + words)) per
// document, so it is for K ≤ MaxK.
type Stepper struct {
	Model     *model.Model
	Objective Objective
}

// NewStepper returns a Stepper for m, or an error if m's K is not
// enumerable.
func NewStepper(m *model.Model, obj Objective) (*Stepper, error) {
	if m.K() > MaxK {
		return nil, fmt.Errorf("exact: K=%d is too large to enumerate (at most %d)", m.K(), MaxK)
	}
	return &Stepper{Model: m, Objective: obj}, nil
}

// Step writes the gradient of the negated mean objective over docs into g.
// It draws nothing from rng. Its Objective is the sum over documents of the
// exact ELBO, or of the exact log p(x) under EM.
func (s *Stepper) Step(docs []data.Document, _ *rand.Rand, g *model.Grads) (model.StepStats, error) {
	if len(docs) == 0 {
		return model.StepStats{}, fmt.Errorf("exact: empty minibatch")
	}
	e := New(s.Model)
	perDoc := func(d *Doc, da, stateWeight []float64) {
		e.elboLogits(d, da)
		for i, lq := range d.LogQ {
			stateWeight[i] = math.Exp(lq)
		}
	}
	if s.Objective == EM {
		perDoc = emPerDoc(e)
	}
	enumerated := e.grad(g, docs, perDoc)
	stats := model.StepStats{Docs: len(docs)}
	for b, d := range enumerated {
		stats.Tokens += docs[b].Tokens()
		if s.Objective == EM {
			stats.Objective += d.LogMarginal
		} else {
			stats.Objective += d.ELBO
		}
	}
	// Negate: Step returns the loss's gradient.
	for _, p := range append(append(g.Enc.Params(), g.Dec.Params()...), g.Prior) {
		for i := range p {
			p[i] = -p[i]
		}
	}
	if math.IsNaN(stats.Objective) || math.IsInf(stats.Objective, 0) {
		return stats, fmt.Errorf("exact: objective %v: %w", stats.Objective, encoder.ErrNotFinite)
	}
	return stats, nil
}

// Close does nothing; it makes Stepper interchangeable with model.Stepper.
func (s *Stepper) Close() error { return nil }
