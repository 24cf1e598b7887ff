package estimators

import (
	"fmt"
	"math/rand/v2"
)

// DisARM is the antithetic estimator for Bernoulli codes of Dong, Mnih and
// Tucker, "DisARM: An Antithetic Gradient Estimator for Binary Latent
// Variables", NeurIPS 2020, in its multi-sample form: the S codes of a
// document are S/2 antithetic pairs (z, z̃), z_j = 1[u_j < σ(a_j)] and
// z̃_j = 1[1-u_j < σ(a_j)] from one uniform vector u, and the gradient of
// E_q[f(z)] with respect to the logits a is the mean over the pairs of
//
//	½ (f(z) - f(z̃)) · (-1)^{z̃_j} · 1[z_j ≠ z̃_j] · σ(|a_j|).
//
// It estimates ∇ELBO and is unbiased (the paper's Theorem 1, integrating out
// ARM's augmentation); the difference within a pair replaces a baseline,
// and factors on which the pair agrees contribute nothing. Each z and z̃ is
// marginally a draw from q, so the decoder's gradient is the mean over all S
// codes. It needs an even S ≥ 2, draws its own codes (SampleCodes), and
// costs one decoder pass per code, like RLOO with the same S.
//
// With Stochastic KL, f = log p(x,z) - log q(z|x) is held fixed in a;
// the term E_q[∇_a log q] it drops is zero.
type DisARM struct {
	KL KLMode
}

// Name returns "disarm".
func (*DisARM) Name() string { return KindDisARM.String() }

// MinSamples returns 2.
func (*DisARM) MinSamples() int { return 2 }

// SampleCodes writes S codes per row of the probabilities p (rows×k) into
// z (rows·S×k): S/2 antithetic pairs, codes 2t and 2t+1 of a row sharing
// one uniform draw per factor. It panics if S is odd or the lengths do not
// match.
func (*DisARM) SampleCodes(z, p []float64, k, samples int, rng *rand.Rand) {
	if samples%2 != 0 || len(z) != samples*len(p) {
		panic("estimators: DisARM.SampleCodes needs an even S and len(z) = S·len(p)")
	}
	rows := len(p) / k
	for r := 0; r < rows; r++ {
		pr := p[r*k : (r+1)*k]
		for t := 0; t < samples/2; t++ {
			i := (r*samples + 2*t) * k
			zs, za := z[i:i+k], z[i+k:i+2*k]
			for j, pj := range pr {
				u := rng.Float64()
				zs[j], za[j] = 0, 0
				if u < pj {
					zs[j] = 1
				}
				if 1-u < pj {
					za[j] = 1
				}
			}
		}
	}
}

// Estimate writes the weights for b into w; the encoder's part is
// w.LogitGrad. b.Codes must be SampleCodes' pairs.
func (e *DisARM) Estimate(w *Weights, b *Batch) error {
	if err := checkBatch(b, 2, e.Name()); err != nil {
		return err
	}
	k := b.K
	if b.S%2 != 0 {
		return fmt.Errorf("estimators: disarm needs an even number of samples per document, got %d", b.S)
	}
	if len(b.Codes) != b.B*b.S*k || len(b.Probs) != b.B*k || k < 1 {
		return fmt.Errorf("estimators: disarm: batch codes and probabilities do not match B=%d, S=%d, K=%d", b.B, b.S, k)
	}
	w.reset(b)
	w.KLWeight = signal(w.Advantage, w.Objective, b, e.KL)
	w.logitGrad = growZero(w.logitGrad, b.B*k)
	w.LogitGrad = w.logitGrad
	inv, pairs := 1/float64(b.S), float64(b.S/2)
	for d := 0; d < b.B; d++ {
		g := w.LogitGrad[d*k : (d+1)*k]
		p := b.Probs[d*k : (d+1)*k]
		for t := 0; t < b.S/2; t++ {
			i := d*b.S + 2*t
			c := 0.5 * (w.Advantage[i] - w.Advantage[i+1]) / pairs
			if c == 0 {
				continue
			}
			zs, za := b.Codes[i*k:(i+1)*k], b.Codes[(i+1)*k:(i+2)*k]
			for j := range g {
				if zs[j] == za[j] {
					continue
				}
				s := max(p[j], 1-p[j]) // σ(|a_j|)
				if za[j] == 1 {
					s = -s
				}
				g[j] += c * s
			}
		}
		for s := 0; s < b.S; s++ {
			w.DecoderWeight[d*b.S+s] = inv
		}
	}
	clear(w.Advantage) // the encoder's gradient is in LogitGrad
	return nil
}

func growZero(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	s = s[:n]
	clear(s)
	return s
}
