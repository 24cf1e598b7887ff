package decoder

import (
	"math"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
)

// LinearLogLik is LogLik's forward half for a linear decoder (one layer,
// η = zW + b) and binary codes, for evaluation: it computes the same
//
//	LL[r] = Σ_w x_bw η_rw − N_b·logsumexp(η_r)
//
// without forming the logits η (R×V) at all. The log-normaliser depends on
// the code alone and comes from mlp.BinaryLSE's tables of exponentials;
// the words' term is, by linearity, Σ_w x_bw b_w + Σ_k z_rk Σ_w x_bw W_kw,
// from K + 1 sums over each document's words, made once for its S codes.
//
// The results are LogLik's up to rounding: the words' term is summed in
// another order, and the log-normaliser is BinaryLSE's (decoder's tests
// bound the difference). Each row's value depends on that row and its
// document alone, whatever the rows of the call. The zero value is ready to
// use; it must not be used by two goroutines at once.
type LinearLogLik struct {
	LL []float64 // R log-likelihoods from the last Compute

	lse  mlp.BinaryLSE
	lses []float64 // R log-normalisers
	p    []float64 // a document's Σ_w x_w W_kw for each k
}

// Compute sets LL for docs with samples codes each, the codes z (R×K, row
// b·samples + s for code s of document b) through the layer l (K → V), and
// reports true; if z holds a value other than 0 and 1 it computes nothing
// and reports false.
// It panics if len(z) != len(docs)·samples·l.In.
func (h *LinearLogLik) Compute(l mlp.Layer, docs []data.Document, z []float64, samples int) bool {
	R, K := len(docs)*samples, l.In
	if len(z) != R*K {
		panic("decoder: LinearLogLik.Compute: the codes do not fit the documents")
	}
	h.lses = scratch.Grow(h.lses, R)
	if !h.lse.LogSumExp(h.lses, l, z) {
		return false
	}
	h.LL = scratch.Grow(h.LL, R)
	h.p = scratch.Grow(h.p, K)
	for b, d := range docs {
		p0 := 0.0
		for i, w := range d.Words {
			p0 += float64(float64(d.Counts[i]) * l.B[w]) // no fused multiply-add
		}
		for k := range K {
			wk := l.W[k*l.Out : (k+1)*l.Out]
			s := 0.0
			for i, w := range d.Words {
				s += float64(float64(d.Counts[i]) * wk[w])
			}
			h.p[k] = s
		}
		n := float64(d.Tokens())
		for r := b * samples; r < (b+1)*samples; r++ {
			ll := p0
			for k, v := range z[r*K : (r+1)*K] {
				// + p[k] where v is 1, + 0 where it is 0, without a
				// branch on random codes (nor v·p[k], NaN for an infinite p).
				ll += math.Float64frombits(math.Float64bits(h.p[k]) & -uint64(v))
			}
			h.LL[r] = ll - n*h.lses[r]
		}
	}
	return true
}
