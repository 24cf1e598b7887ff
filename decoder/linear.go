package decoder

import (
	"math"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/par"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vec"
)

// LinearLogLik is LogLik for a linear decoder (one layer, η = zW + b) and
// binary codes: it computes the same
//
//	LL[r] = Σ_w x_bw η_rw − N_b·logsumexp(η_r)
//
// without forming the logits η (R×V) at all. The log-normaliser depends on
// the code alone and comes from mlp.BinaryLSE's tables of exponentials;
// the words' term is, by linearity, Σ_w x_bw b_w + Σ_k z_rk Σ_w x_bw W_kw,
// from K + 1 sums over each document's words, made once for its S codes.
//
// Grad is the gradient of −Σ_r Weights[r]·LL[r] with respect to W and b,
// again without the logits: the softmax from the same tables and the
// documents' words together (mlp.BinaryLSE.SoftmaxGrad; design §8, "The
// linear decoder without its logits"). Evaluation uses Compute alone; a
// training step's decoder graph uses both through ops.LinearLogLik.
//
// The results are LogLik's up to rounding: the words' term is summed in
// another order, and the log-normaliser and the softmax come from
// BinaryLSE's tables (decoder's tests bound the difference). Each row's
// value depends on that row and its document alone, whatever the rows of
// the call. The zero value is ready to use; it must not be used by two
// goroutines at once.
type LinearLogLik struct {
	// Train is mlp.BinaryLSE's: the layer changes before every call, and
	// the work of a call is split over the cores (a training step's graph
	// sets it; evaluation, one LinearLogLik per core, does not).
	Train bool

	LL      []float64 // R log-likelihoods from the last Compute
	Weights []float64 // R coefficients for Grad, set after Compute (Compute sizes it)

	// The last Compute's input, for Grad.
	docs    []data.Document
	z       []float64
	samples int
	a, c    []float64  // Grad's coefficients a_r and c_r
	x       mlp.Sparse // and the documents' bags of words

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
	h.lse.Train = h.Train
	if !h.lse.LogSumExp(h.lses, l, z) {
		return false
	}
	h.docs, h.z, h.samples = docs, z, samples
	h.LL = scratch.Grow(h.LL, R)
	h.Weights = scratch.Grow(h.Weights, R)
	K1 := K + 1
	h.p = scratch.Grow(h.p, len(docs)*K1)
	if h.Train {
		h.wordSums(l, docs)
	} else {
		h.wordSumsTransposed(l, docs)
	}
	for b, d := range docs {
		p := h.p[b*K1 : (b+1)*K1]
		p0 := p[K]
		n := float64(d.Tokens())
		for r := b * samples; r < (b+1)*samples; r++ {
			ll := p0
			for k, v := range z[r*K : (r+1)*K] {
				// + p[k] where v is 1, + 0 where it is 0, without a
				// branch on random codes (nor v·p[k], NaN for an infinite p).
				ll += math.Float64frombits(math.Float64bits(p[k]) & -uint64(v))
			}
			h.LL[r] = ll - n*h.lses[r]
		}
	}
	return true
}

// Reset sets the documents, and the codes each, of the next Loss (a
// graph's runs: ops.LinearLogLik), and sizes LL and Weights for them.
func (h *LinearLogLik) Reset(docs []data.Document, samples int) {
	h.docs, h.samples = docs, samples
	h.LL = scratch.Grow(h.LL, len(docs)*samples)
	h.Weights = scratch.Grow(h.Weights, len(docs)*samples)
}

// Loss is Compute for the documents of the last Reset, returning
// Weighted; ok is false if z holds a value other than 0 and 1.
// It panics if len(z) does not fit them.
func (h *LinearLogLik) Loss(l mlp.Layer, z []float64) (loss float64, ok bool) {
	if !h.Compute(l, h.docs, z, h.samples) {
		return 0, false
	}
	return h.Weighted(), true
}

// Weighted returns −Σ_r Weights[r]·LL[r] for the LL of the last Compute
// and the Weights as they are now.
func (h *LinearLogLik) Weighted() float64 {
	loss := 0.0
	for r, ll := range h.LL {
		loss -= h.Weights[r] * ll
	}
	return loss
}

// Grad writes up·∂(−Σ_r Weights[r]·LL[r]) with respect to the layer's
// weights and bias into gw (K×V) and gb (V), for the documents and codes of
// the last Compute (unchanged since, as is l):
//
//	∂/∂W_k = Σ_r Weights[r]·z_rk·(N_b·softmax(η_r) − x_b),
//
// and ∂/∂b the same without z_rk: mlp.BinaryLSE.SoftmaxGrad's with
// a_r = up·Weights[r]·N_b and, for the words, the documents' bags of
// words scaled by c_r = up·Weights[r], subtracted from the softmax rows
// in the column blocks that it sums.
// It panics if there was no Compute or gw or gb do not fit l.
func (h *LinearLogLik) Grad(gw, gb []float64, l mlp.Layer, up float64) {
	R, K := len(h.LL), l.In
	if h.docs == nil || len(h.z) != R*K || len(gw) != K*l.Out || len(gb) != l.Out {
		panic("decoder: LinearLogLik.Grad does not fit the last Compute")
	}
	h.a = scratch.Grow(h.a, R)
	h.c = scratch.Grow(h.c, R)
	x := &h.x
	x.Rows, x.Cols = len(h.docs), l.Out
	x.Ptr = append(x.Ptr[:0], 0)
	x.Col, x.Val = x.Col[:0], x.Val[:0]
	for b, d := range h.docs {
		n := float64(d.Tokens())
		for r := b * h.samples; r < (b+1)*h.samples; r++ {
			w := up * h.Weights[r]
			h.a[r], h.c[r] = w*n, w
		}
		x.Col = append(x.Col, d.Words...)
		for _, c := range d.Counts {
			x.Val = append(x.Val, float64(c))
		}
		x.Ptr = append(x.Ptr, len(x.Col))
	}
	h.lse.SoftmaxGrad(gw, gb, l, h.a, x, h.c)
}

// wordSumsTransposed writes each document's K + 1 sums over its words into
// its row of h.p: p[k] = Σ_i c_i·W_k,w_i and p[K] = Σ_i c_i·b_w_i, each
// product rounded and added in the words' order (AddScaledRows' contract),
// from W and b transposed, kept while BinaryLSE keeps its tables
// (evaluation: the same weights call after call).
func (h *LinearLogLik) wordSumsTransposed(l mlp.Layer, docs []data.Document) {
	K, K1 := l.In, l.In+1
	if h.builds != h.lse.Builds() || len(h.wt) != l.Out*K1 {
		// The weights changed (BinaryLSE compared them): W and b transposed,
		// so that a document's K + 1 sums over its words are one
		// vec.AddScaledRows over their rows. Sixteen words at a time, so
		// that their rows of wt (7 KB for K = 50) stay in the level-1 cache
		// while every k is written.
		h.wt = scratch.Grow(h.wt, l.Out*K1)
		for w0 := 0; w0 < l.Out; w0 += 16 {
			w1 := min(w0+16, l.Out)
			for k := range K {
				for i, v := range l.W[k*l.Out+w0 : k*l.Out+w1] {
					h.wt[(w0+i)*K1+k] = v
				}
			}
			for i, v := range l.B[w0:w1] {
				h.wt[(w0+i)*K1+K] = v
			}
		}
		h.builds = h.lse.Builds()
	}
	for b, d := range docs {
		h.cnt = scratch.Grow(h.cnt, len(d.Words))
		for i, c := range d.Counts {
			h.cnt[i] = float64(c)
		}
		p := h.p[b*K1 : (b+1)*K1]
		clear(p)
		vec.AddScaledRows(p, h.wt, K1, d.Words, h.cnt)
	}
}

// wordSums is wordSumsTransposed for weights that change at every call
// (Train), with the same sums bit for bit: each weight row (and the bias)
// gathered at every document's words while the row is in the level-1
// cache, the rows split over the cores, without transposing the weights
// (their transpose, made at every call, cost more than these gathers).
func (h *LinearLogLik) wordSums(l mlp.Layer, docs []data.Document) {
	K, K1 := l.In, l.In+1
	par.For(K1, 1, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			row := l.B
			if k < K {
				row = l.W[k*l.Out : (k+1)*l.Out]
			}
			for b, d := range docs {
				s := 0.0
				for i, w := range d.Words {
					s += float64(float64(d.Counts[i]) * row[w]) // the product rounded, as AddScaledRows does
				}
				h.p[b*K1+k] = s
			}
		}
	})
}
