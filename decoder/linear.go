package decoder

import (
	"math"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vec"
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

	lse    mlp.BinaryLSE
	lses   []float64 // R log-normalisers
	wt     []float64 // V×(K+1): row w holds W_0w … W_(K−1)w, b_w
	builds int       // lse.Builds() when wt was made
	p      []float64 // a document's Σ_w x_w W_kw for each k, then Σ_w x_w b_w
	cnt    []float64 // its counts
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
	K1 := K + 1
	if h.builds != h.lse.Builds() || len(h.wt) != l.Out*K1 {
		// The weights changed (BinaryLSE compared them): W and b transposed,
		// so that a document's K + 1 sums over its words are one
		// vec.AddScaledRows over their rows.
		h.wt = scratch.Grow(h.wt, l.Out*K1)
		for k := range K {
			for w, v := range l.W[k*l.Out : (k+1)*l.Out] {
				h.wt[w*K1+k] = v
			}
		}
		for w, v := range l.B {
			h.wt[w*K1+K] = v
		}
		h.builds = h.lse.Builds()
	}
	h.p = scratch.Grow(h.p, K1)
	for b, d := range docs {
		// p[k] = Σ_i c_i·W_k,w_i and p[K] = Σ_i c_i·b_w_i, each product
		// rounded and added in the words' order (AddScaledRows' contract).
		h.cnt = scratch.Grow(h.cnt, len(d.Words))
		for i, c := range d.Counts {
			h.cnt[i] = float64(c)
		}
		clear(h.p)
		vec.AddScaledRows(h.p, h.wt, K1, d.Words, h.cnt)
		p0 := h.p[K]
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
