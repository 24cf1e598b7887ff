// Package exact computes, by enumerating all 2^K codes, the quantities that
// amvi's estimators approximate: log p(x), the ELBO, the importance-weighted
// bound L_S for small S, and the exact gradients of the ELBO and of L_S with
// respect to every encoder and decoder parameter (design §5).
//
// It is the ground truth for tests on small models (K ≤ MaxK) and costs
// O(2^K) decoder passes per call, O(2^(K·S)) for L_S.
package exact

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
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

// Evaluator enumerates a model's codes once and evaluates documents.
type Evaluator struct {
	m      *model.Model
	states []float64
	loglik decoder.LogLik
	eta    []float64 // 2^K × V decoder logits
	prior  []float64 // log p(z) per state
	encWS  mlp.Workspace
	decWS  mlp.Workspace
}

// New returns an Evaluator for m. It panics if m.K() > MaxK.
func New(m *model.Model) *Evaluator {
	e := &Evaluator{m: m, states: States(m.K())}
	n := 1 << m.K()
	e.eta = append([]float64(nil), m.Dec.Logits(&e.decWS, e.states)...)
	e.prior = make([]float64, n)
	for i := range e.prior {
		e.prior[i] = encoder.LogPrior(e.states[i*m.K():(i+1)*m.K()], m.Alpha)
	}
	e.loglik = decoder.LogLik{V: m.V()}
	return e
}

// Doc enumerates the codes for one document.
func (e *Evaluator) Doc(doc data.Document) *Doc {
	k, n := e.m.K(), 1<<e.m.K()
	x := make([]float64, e.m.V())
	e.m.Enc.FillInput(x, []data.Document{doc})
	a := append([]float64(nil), e.m.Enc.Logits(&e.encWS, x)...)
	e.loglik.Reset([]data.Document{doc}, n)
	e.loglik.Loss(e.eta)
	r := &Doc{LogJoint: make([]float64, n), LogQ: make([]float64, n), Logits: a, KL: encoder.KL(a, e.m.Alpha)}
	for i := 0; i < n; i++ {
		r.LogJoint[i] = e.loglik.LL[i] + e.prior[i]
		r.LogQ[i] = encoder.LogQ(e.states[i*k:(i+1)*k], a)
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

// ELBOGrad returns the exact gradient of the mean ELBO over docs with
// respect to every parameter of the model.
func (e *Evaluator) ELBOGrad(docs []data.Document) *model.Grads {
	return e.grad(docs, func(d *Doc, da, stateWeight []float64) {
		b := make([]float64, len(d.Logits))
		for j, aj := range d.Logits {
			b[j] = 1 / (1 + math.Exp(-aj))
		}
		k := len(b)
		for i, lq := range d.LogQ {
			q := math.Exp(lq)
			f := q * (d.LogJoint[i] - lq)
			for j := range da {
				da[j] += f * (e.states[i*k+j] - b[j])
			}
			stateWeight[i] = q
		}
	})
}

// IWBoundGrad returns the exact gradient of the mean L_S over docs.
func (e *Evaluator) IWBoundGrad(docs []data.Document, samples int) *model.Grads {
	return e.grad(docs, func(d *Doc, da, stateWeight []float64) {
		k := len(d.Logits)
		b := make([]float64, k)
		for j, aj := range d.Logits {
			b[j] = 1 / (1 + math.Exp(-aj))
		}
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
}

// grad assembles a gradient from per-document contributions: perDoc adds
// the objective's gradient with respect to the document's logits into da and
// writes into stateWeight the weight c(z) of ∇_θ log p(x|z) for every state.
func (e *Evaluator) grad(docs []data.Document, perDoc func(d *Doc, da, stateWeight []float64)) *model.Grads {
	m := e.m
	k, n, B := m.K(), 1<<m.K(), len(docs)
	g := m.NewGrads()
	da := make([]float64, B*k)
	weights := make([]float64, B*n)
	for b, doc := range docs {
		perDoc(e.Doc(doc), da[b*k:(b+1)*k], weights[b*n:(b+1)*n])
	}
	// Encoder: back-propagate ∂(mean objective)/∂a.
	x := make([]float64, B*m.V())
	m.Enc.FillInput(x, docs)
	m.Enc.Logits(&e.encWS, x)
	for i := range da {
		da[i] /= float64(B)
	}
	m.Enc.Net.Backward(&e.encWS, x, da, g.Enc)
	// Decoder: Σ_b Σ_z c_b(z) ∇θ log p(x_b|z) / B, through the LogLik head
	// (whose loss is minus the weighted log-likelihood, hence the sign flip).
	e.loglik.Reset(docs, n)
	z := make([]float64, 0, B*n*k)
	for range docs {
		z = append(z, e.states...)
	}
	eta := m.Dec.Logits(&e.decWS, z)
	e.loglik.Loss(eta)
	for i, w := range weights {
		e.loglik.Weights[i] = -w / float64(B)
	}
	deta := make([]float64, len(eta))
	e.loglik.Grad(deta, eta)
	m.Dec.Net.Backward(&e.decWS, z, deta, g.Dec)
	return g
}
