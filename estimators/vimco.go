package estimators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/amvi/amvi/internal/scratch"
)

// VIMCO is the multi-sample estimator of Mnih and Rezende, "Variational
// inference for Monte Carlo objectives", ICML 2016. It trains the
// importance-weighted bound L_S = E[log (1/S) Σ_s w_s], w_s =
// p(x,z_s)/q(z_s|x), tighter than the ELBO for S ≥ 2, rather than the ELBO.
//
// With L̂ = log (1/S) Σ_s w_s, L̂_{-s} the same with log w_s replaced by the
// mean of the other log weights (their geometric mean), and w̃_s the
// normalised weights, its gradient estimate is
//
//	Σ_s (L̂ - L̂_{-s}) ∇ log q(z_s|x) + Σ_s w̃_s ∇ log w_s,
//
// so A_s = (L̂ - L̂_{-s}) - w̃_s for the encoder (∇_λ log w_s = -∇_λ log q),
// DecoderWeight_s = w̃_s, and no separate KL term. It is an unbiased estimate
// of ∇L_S, needs S ≥ 2, and costs one decoder pass per sample and O(S²)
// arithmetic per document for the leave-one-out bounds. The signal always
// includes log p(z) - log q(z|x): L_S has no closed-form KL.
//
// For a learned prior with logits ρ (α = σ(ρ)), q does not depend on ρ, so
// the gradient of L_S is E[Σ_s w̃_s ∇_ρ log p(z_s)] with ∇_ρ log p(z) = z - α,
// no score-function term: PriorMean_b = Σ_s w̃_bs z_bs, the normalised
// weights' mean code, whose difference from α is an unbiased estimate of
// ∇_ρ L_S (O(S·K) more per document). It differs from the ELBO's
// closed-form σ(a) - α, which is not the gradient of L_S.
type VIMCO struct {
	logw, tmp []float64
}

// Name returns "vimco".
func (*VIMCO) Name() string { return KindVIMCO.String() }

// MinSamples returns 2.
func (*VIMCO) MinSamples() int { return 2 }

// Estimate writes the weights for b into w; Objective is L̂ per document.
// It reads b.Codes for PriorMean.
func (e *VIMCO) Estimate(w *Weights, b *Batch) error {
	if err := checkBatch(b, 2, e.Name()); err != nil {
		return err
	}
	S, k := b.S, b.K
	if len(b.Codes) != b.B*S*k || k < 1 {
		return fmt.Errorf("estimators: vimco: batch codes do not match B=%d, S=%d, K=%d", b.B, S, k)
	}
	w.reset(b)
	w.priorMean = growZero(w.priorMean, b.B*k)
	w.PriorMean = w.priorMean
	logS := math.Log(float64(S))
	e.logw = scratch.Grow(e.logw, S)
	e.tmp = scratch.Grow(e.tmp, S)
	for d := 0; d < b.B; d++ {
		sum := 0.0
		for s := 0; s < S; s++ {
			i := d*S + s
			e.logw[s] = b.LogLik[i] + b.LogPrior[i] - b.LogQ[i]
			sum += e.logw[s]
		}
		lse := floats.LogSumExp(e.logw)
		w.Objective[d] = lse - logS
		for s := 0; s < S; s++ {
			copy(e.tmp, e.logw)
			e.tmp[s] = (sum - e.logw[s]) / float64(S-1)
			loo := floats.LogSumExp(e.tmp)
			norm := math.Exp(e.logw[s] - lse)
			w.Advantage[d*S+s] = (lse - loo) - norm
			w.DecoderWeight[d*S+s] = norm
			mean := w.PriorMean[d*k : (d+1)*k]
			for j, z := range b.Codes[(d*S+s)*k : (d*S+s+1)*k] {
				mean[j] += norm * z
			}
		}
	}
	return nil
}
