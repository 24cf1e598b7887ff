package encoder

import (
	"github.com/amvi/amvi/internal/mathx"
	"github.com/amvi/amvi/internal/scratch"
)

// Surrogate is the encoder's loss for one minibatch of B documents and S
// codes each, as a function of the logits a (B×K):
//
//	loss(a) = Scale · Σ_b [ -Σ_s A_bs log q(z_bs|x_b; a_b) + KLWeight·KL(a_b) ]
//
// The advantages A are constants (no gradient flows through them), so
// ∂loss/∂a_b = Scale · ( -Σ_s A_bs (z_bs - σ(a_b)) + KLWeight·∂KL/∂a_b ),
// the score-function estimate of -∇ELBO (design §3). Since log q is linear in
// z, Set folds the S codes into Coef = Σ_s A_bs z_bs and ASum = Σ_s A_bs, so
// the loss costs O(B·K) whatever S is.
type Surrogate struct {
	K        int
	Prior    *Prior
	KLWeight float64   // weight of the closed-form KL; 0 when the KL is inside the learning signal
	Scale    float64   // overall factor, usually 1/B
	Coef     []float64 // B×K: Σ_s A_bs z_bs
	ASum     []float64 // B: Σ_s A_bs
	// Q, when it was Set from the logits Loss and Grad are given (the same
	// bits: Posterior.Of), gives them σ(a) and log σ(±a) instead of their
	// computing those again, to the same bits: a training step's posterior.
	Q *Posterior

	priorLogs []float64 // Loss's scratch: log α_j, log(1-α_j)
}

// Set fills Coef and ASum from the codes z (B·S×K) and advantages adv (B·S).
func (s *Surrogate) Set(z, adv []float64, samples int) {
	rows := len(adv) / samples
	s.Coef = scratch.Grow(s.Coef, rows*s.K)
	s.ASum = scratch.Grow(s.ASum, rows)
	clear(s.Coef)
	clear(s.ASum)
	for r := 0; r < rows; r++ {
		c := s.Coef[r*s.K : (r+1)*s.K]
		for t := 0; t < samples; t++ {
			i := r*samples + t
			A := adv[i]
			s.ASum[r] += A
			for j, v := range z[i*s.K : (i+1)*s.K] {
				c[j] += A * v
			}
		}
	}
}

// SetLogitGrad makes the surrogate's sampled part -Σ_j g_bj a_bj, for an
// estimator that gives the gradient g (B×K, copied) of the objective with
// respect to the logits directly rather than as advantages (DisARM): Coef
// is g and ASum zero.
func (s *Surrogate) SetLogitGrad(g []float64) {
	s.Coef = append(s.Coef[:0], g...)
	s.ASum = scratch.Grow(s.ASum, len(g)/s.K)
	clear(s.ASum)
}

// Loss returns loss(a). It panics if a does not have B·K entries for the B of the last Set.
func (s *Surrogate) Loss(a []float64) float64 {
	s.check(a)
	k := s.K
	var la, l1a []float64
	if s.KLWeight != 0 {
		s.priorLogs = scratch.Grow(s.priorLogs, 2*k)
		la, l1a = s.priorLogs[:k], s.priorLogs[k:]
		s.Prior.logs(la, l1a)
	}
	q := s.Q
	if q != nil && !q.Of(a) {
		q = nil
	}
	total := 0.0
	for r := range s.ASum {
		ar := a[r*k : (r+1)*k]
		c := s.Coef[r*k : (r+1)*k]
		kl := 0.0
		for j, aj := range ar {
			// One exponential and one logarithm give σ(a), log σ(a) and
			// log σ(-a) = -softplus(a), bit for bit (or the posterior
			// holds them).
			var b, l1, l0 float64
			if q != nil {
				i := r*k + j
				b, l1, l0 = q.P[i], q.LogProb[i][1], q.LogProb[i][0]
			} else {
				b, l1, l0 = mathx.SigmoidParts(aj)
			}
			// log q = z·a - softplus(a), summed over samples with weights A.
			total -= c[j]*aj - s.ASum[r]*-l0
			if s.KLWeight != 0 {
				kl += klTerm(b, l1, l0, la[j], l1a[j])
			}
		}
		if s.KLWeight != 0 {
			total += s.KLWeight * kl
		}
	}
	return s.Scale * total
}

// Grad writes ∂loss/∂a into dst. It panics if the lengths do not match.
func (s *Surrogate) Grad(dst, a []float64) {
	s.check(a)
	if len(dst) != len(a) {
		panic("encoder: Surrogate.Grad buffer has the wrong length")
	}
	q := s.Q
	if q != nil && !q.Of(a) {
		q = nil
	}
	for r := range s.ASum {
		ar := a[r*s.K : (r+1)*s.K]
		dr := dst[r*s.K : (r+1)*s.K]
		c := s.Coef[r*s.K : (r+1)*s.K]
		for j, aj := range ar {
			var b float64 // σ(a): Sigmoid's bits, which SigmoidParts gives too
			if q != nil {
				b = q.P[r*s.K+j]
			} else {
				b = mathx.Sigmoid(aj)
			}
			dr[j] = -(c[j] - s.ASum[r]*b)
			if s.KLWeight != 0 {
				// ∂KL/∂a = σ(a)(1-σ(a))(a - η), finite for any a.
				dr[j] += s.KLWeight * b * (1 - b) * (aj - s.Prior.Logit[j])
			}
		}
		for j := range dr {
			dr[j] *= s.Scale
		}
	}
}

func (s *Surrogate) check(a []float64) {
	if len(a) != len(s.ASum)*s.K {
		panic("encoder: Surrogate logits do not match the last Set")
	}
}
