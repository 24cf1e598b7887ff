package encoder

import (
	"fmt"

	"github.com/amvi/amvi/internal/mathx"
)

// Prior is the factorised Bernoulli prior of design §1,
// p(z) = Π_j α_j^{z_j} (1-α_j)^{1-z_j}, held as the logits η_j = logit α_j.
// With a fixed prior every α_j is the hyperparameter α; a learned prior
// fits one α_j per factor (the logits are then trained parameters).
// Every quantity is computed from the logits in log space, so a learned α_j
// may approach 0 or 1 without producing a NaN.
type Prior struct {
	Logit []float64 // K: logit α_j
}

// NewPrior returns the prior with all K probabilities equal to alpha.
// It panics if alpha is not in (0, 1) or k < 1.
func NewPrior(k int, alpha float64) *Prior {
	if !(alpha > 0 && alpha < 1) || k < 1 {
		panic(fmt.Sprintf("encoder: prior alpha %v with K=%d", alpha, k))
	}
	p := &Prior{Logit: make([]float64, k)}
	for j := range p.Logit {
		p.Logit[j] = mathx.Logit(alpha)
	}
	return p
}

// K returns the number of factors.
func (p *Prior) K() int { return len(p.Logit) }

// Alpha writes α_j = σ(η_j) into dst.
func (p *Prior) Alpha(dst []float64) { Probs(dst, p.Logit) }

// logs returns log α_j and log(1-α_j) into la and l1a (K each).
func (p *Prior) logs(la, l1a []float64) {
	for j, eta := range p.Logit {
		_, la[j], l1a[j] = mathx.SigmoidParts(eta)
	}
}

// LogPriors writes log p(z) of every code in z (rows of K) into dst:
// Σ_j z_j η_j - Σ_j softplus(η_j). It panics if the lengths do not match.
func (p *Prior) LogPriors(dst, z []float64) {
	k := len(p.Logit)
	if len(z) != len(dst)*k {
		panic("encoder: Prior.LogPriors buffers have the wrong lengths")
	}
	c := 0.0
	for _, eta := range p.Logit {
		c += mathx.Softplus(eta)
	}
	for i := range dst {
		s := 0.0
		for j, v := range z[i*k : (i+1)*k] {
			s += v * p.Logit[j]
		}
		dst[i] = s - c
	}
}

// LogPrior returns log p(z) for one code.
func (p *Prior) LogPrior(z []float64) float64 {
	var d [1]float64
	p.LogPriors(d[:], z)
	return d[0]
}

// KL returns the closed-form KL(q(z|x) || p(z)) between the mean-field
// Bernoulli posterior with logits a (K) and the prior:
// Σ_j b_j log(b_j/α_j) + (1-b_j) log((1-b_j)/(1-α_j)), b = σ(a), in log space.
func (p *Prior) KL(a []float64) float64 {
	s := 0.0
	for j, aj := range a {
		b, l1, l0 := mathx.SigmoidParts(aj)
		_, la, l1a := mathx.SigmoidParts(p.Logit[j])
		s += klTerm(b, l1, l0, la, l1a)
	}
	return s
}

// klTerm is one factor's KL(Bernoulli(b) ‖ Bernoulli(α)) from b, log b,
// log(1-b), log α and log(1-α).
func klTerm(b, lb, l1b, la, l1a float64) float64 {
	return b*(lb-la) + (1-b)*(l1b-l1a)
}

// LogitGrad adds to dst (K) w times the gradient, with respect to the
// prior's logits η, of the mean over rows of minus the expected log prior
// under codes with the given probabilities of ones (rows×K):
// w·mean_r (α_j - probs_rj). With probs = σ(a), q's, it is the gradient of
// the mean closed-form KL (design §1's learned prior), zero where α_j is
// the mean posterior probability; with a posterior's marginals p(z_j=1|x),
// it is the gradient of minus the mean log p(x).
// It panics if len(probs) is not a multiple of K.
func (p *Prior) LogitGrad(dst, probs []float64, w float64) {
	k := len(p.Logit)
	if len(probs)%k != 0 || len(dst) != k {
		panic("encoder: Prior.LogitGrad buffers have the wrong lengths")
	}
	rows := len(probs) / k
	if rows == 0 {
		return
	}
	for j, eta := range p.Logit {
		s := 0.0
		for r := 0; r < rows; r++ {
			s += probs[r*k+j]
		}
		dst[j] += w * (mathx.Sigmoid(eta) - s/float64(rows))
	}
}
