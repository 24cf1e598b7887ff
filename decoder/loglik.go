package decoder

import (
	"math"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/par"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vecof"
)

// LogLikOf is the decoder's output layer for one minibatch: B documents with S
// codes each, so R = B·S rows of logits η (R×V), row r = b·S + s. Loss
// computes, for every row, the document log-likelihood
//
//	LL[r] = Σ_w x_bw log softmax(η_r)_w = Σ_w x_bw η_rw - N_b·logsumexp(η_r)
//
// (stable: the row maximum is subtracted before exponentiating), and returns
// -Σ_r Weights[r]·LL[r]. Grad is its exact gradient,
// -Weights[r]·(x_b - N_b softmax(η_r)), for the Weights set when it is
// called (an estimator computes them from LL). It touches the counts only
// at each document's nonzero words.
//
// The logits, the exponentials and the gradient have the network's element
// type T; for float32 logits (-dtype float32) the row maximum and the
// exponentials are float32 (vec.Max32, vec.ExpShift32), and everything that
// sums many terms is float64: the sum of a row's exponentials (ExpShift32
// returns it in float64), the log-sum-exp, Σ_w x_bw η_rw, LL and the loss.
// The gradient's factor Weights[r]·N_b/Σ is computed in float64 and rounded
// once; each gradient element is then one float32 product (and, at the
// document's words, one float32 difference).
type LogLikOf[T vecof.Float] struct {
	V, S    int
	Docs    []data.Document // the B documents
	Weights []float64       // R coefficients, constants for the gradient
	LL      []float64       // R log-likelihoods from the last Loss

	exp []T       // R×V: Loss's own buffer for the exponentials
	e   []T       // R×V: exp(η - rowmax) from the last Loss (exp, or the logits themselves)
	sum []float64 // R: row sums of e
}

// LogLik is the likelihood head of float64 logits.
type LogLik = LogLikOf[float64]

// Reset prepares h for a minibatch of docs with S codes each.
func (h *LogLikOf[T]) Reset(docs []data.Document, samples int) {
	h.Docs, h.S = docs, samples
	r := len(docs) * samples
	h.LL = scratch.Grow(h.LL, r)
	h.Weights = scratch.Grow(h.Weights, r)
	h.sum = scratch.Grow(h.sum, r)
	h.e = nil
}

// Loss returns -Σ_r Weights[r]·LL[r] for the logits eta.
// It panics if len(eta) is not R·V.
func (h *LogLikOf[T]) Loss(eta []T) float64 {
	h.check(eta)
	h.exp = scratch.Grow(h.exp, len(eta))
	h.e = h.exp
	parallelRows(len(h.LL), h.V, func(lo, hi int) { h.forward(eta, lo, hi) })
	return h.Weighted()
}

// LossInPlace is Loss keeping its exponentials in eta itself, over the
// logits, instead of a buffer of its own: one R×V array less to write and
// read (8 MB at R = 512 and V = 2,000). Afterwards eta holds them, for
// Grad or GradInPlace.
// It panics if len(eta) is not R·V.
func (h *LogLikOf[T]) LossInPlace(eta []T) float64 {
	h.check(eta)
	h.e = eta
	parallelRows(len(h.LL), h.V, func(lo, hi int) { h.forward(eta, lo, hi) })
	return h.Weighted()
}

// Weighted returns -Σ_r Weights[r]·LL[r] for the LL of the last Loss and the
// Weights as they are now.
func (h *LogLikOf[T]) Weighted() float64 {
	loss := 0.0
	for r, ll := range h.LL {
		loss -= h.Weights[r] * ll
	}
	return loss
}

// forward computes LL and the exponentials for rows [lo, hi).
func (h *LogLikOf[T]) forward(eta []T, lo, hi int) {
	for r := lo; r < hi; r++ {
		row := eta[r*h.V : (r+1)*h.V]
		d := h.Docs[r/h.S]
		m := vecof.Max(row) // first: it streams the row into the cache for the words' reads
		ll := 0.0
		n := 0
		for i, w := range d.Words {
			c := d.Counts[i]
			ll += float64(c) * float64(row[w])
			n += c
		}
		s := vecof.ExpShift(h.e[r*h.V:(r+1)*h.V], row, m) // e may be row itself
		h.sum[r] = s
		lse := float64(m) + math.Log(s)
		h.LL[r] = ll - float64(n)*lse
	}
}

// Grad writes ∂Loss/∂η for the logits of the last Loss call into dst
// (after LossInPlace: for what it left in eta, unchanged since).
// It panics if the lengths do not match or no Loss came since the last
// Reset.
func (h *LogLikOf[T]) Grad(dst, eta []T) {
	h.check(eta)
	if len(dst) != len(eta) {
		panic("decoder: LogLik.Grad buffer has the wrong length")
	}
	if len(h.e) != len(eta) {
		panic("decoder: LogLik.Grad without a Loss")
	}
	h.grad(dst)
}

// GradInPlace writes ∂Loss/∂η for the logits of the last Loss or
// LossInPlace call over the exponentials that it kept, and returns it: the
// same values as Grad without a buffer of their own (one R×V array less to
// write and read, 8 MB at R = 512 and V = 2,000). It is valid until the
// next Loss or Reset; a second GradInPlace before the next Loss gives
// nonsense.
// It panics if no Loss or LossInPlace came since the last Reset.
func (h *LogLikOf[T]) GradInPlace() []T {
	if len(h.e) != len(h.LL)*h.V {
		panic("decoder: LogLik.GradInPlace without a Loss")
	}
	h.grad(h.e)
	return h.e
}

// grad writes the gradient into dst, which may be h.e itself.
func (h *LogLikOf[T]) grad(dst []T) {
	parallelRows(len(h.LL), h.V, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			wr := h.Weights[r]
			d := h.Docs[r/h.S]
			g := dst[r*h.V : (r+1)*h.V]
			f := wr * float64(d.Tokens()) / h.sum[r]
			vecof.ScaleTo(g, f, h.e[r*h.V:(r+1)*h.V])
			for i, w := range d.Words {
				g[w] -= T(wr * float64(d.Counts[i]))
			}
		}
	})
}

// parallelRows calls fn over [0, rows) split across the cores when the
// rows hold enough work (cols values each) to be worth it. Each row's
// result depends only on that row, so the split changes no bits.
func parallelRows(rows, cols int, fn func(lo, hi int)) {
	grain := rows
	if rows*cols >= 1<<15 {
		grain = 1
	}
	par.For(rows, max(grain, 1), fn)
}

func (h *LogLikOf[T]) check(eta []T) {
	if len(eta) != len(h.LL)*h.V {
		panic("decoder: LogLik logits do not match the last Reset")
	}
}
