package decoder

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/mlp"
)

// TestLinearLogLikMatchesLogLik compares LinearLogLik with LogLik's Loss
// over the logits η = zW + b written out, within a bound derived from
// the standard bounds for sums (n terms: (n−1)·u of the sum of their
// magnitudes, u = 2⁻⁵³), each side against the exact value, doubled for
// slack in the second-order terms:
//   - the log-normaliser, N_b times mlp.BinaryLSE's bound against the
//     direct form (its tests): the logits' sums (K + 1 terms) K·u·A_max;
//     the tables' sums (5 terms), the shifts' sum (G terms of at most A)
//     and the shifts S − m, (4 + G² + 2G)·u·A_max; the exponentials,
//     products and the sums over V, 2G + 2V; the log's argument, |lse|;
//   - the words' term: LogLik's (the logits, K + 1 terms, then the sum over
//     the document's words) and LinearLogLik's (the K + 1 sums over the
//     words, then their sum), (K + words + 2)·u·Σ_w x_w·A_w either way;
//   - the difference LL = words − N·lse, u·|LL|;
//
// with A_w = |b_w| + Σ_k z_k·|W_kw| and G = ⌈K/4⌉.
func TestLinearLogLikMatchesLogLik(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	u := 0x1p-53
	var h LinearLogLik // one for all, so that new weights of the same sizes must be seen
	for _, c := range []struct {
		K, V  int
		sigma float64
	}{{1, 7, 1}, {5, 40, 2}, {50, 1995, 0.05}, {50, 300, 3}, {50, 300, 3}} {
		net := mlp.NewZero([]int{c.K, c.V}, mlp.Identity)
		l := net.Layers[0]
		for i := range l.W {
			l.W[i] = c.sigma * rng.NormFloat64()
		}
		for i := range l.B {
			l.B[i] = c.sigma * rng.NormFloat64()
		}
		docs := make([]data.Document, 5)
		for b := range docs {
			for w := rng.IntN(3); w < c.V; w += 1 + rng.IntN(4) {
				docs[b].Words = append(docs[b].Words, w)
				docs[b].Counts = append(docs[b].Counts, 1+rng.IntN(3))
			}
		}
		const S = 6
		R := len(docs) * S
		z := make([]float64, R*c.K)
		for i := range z {
			z[i] = float64(rng.IntN(2))
		}
		eta := make([]float64, R*c.V)
		for r := range R {
			for j := range c.V {
				e := l.B[j]
				for k := range c.K {
					if z[r*c.K+k] == 1 {
						e += l.W[k*c.V+j]
					}
				}
				eta[r*c.V+j] = e
			}
		}
		ref := &LogLik{V: c.V}
		ref.Reset(docs, S)
		ref.Loss(eta)
		if !h.Compute(l, docs, z, S) {
			t.Fatal("binary codes refused")
		}
		G := float64((c.K + 3) / 4)
		for r := range R {
			d := docs[r/S]
			A := func(w int) float64 {
				a := math.Abs(l.B[w])
				for k := range c.K {
					a += z[r*c.K+k] * math.Abs(l.W[k*c.V+w])
				}
				return a
			}
			aMax, aWords := 0.0, 0.0
			for j := range c.V {
				aMax = max(aMax, A(j))
			}
			for i, w := range d.Words {
				aWords += float64(d.Counts[i]) * A(w)
			}
			n := float64(d.Tokens())
			lse := math.Abs(aMax) + math.Log(float64(c.V)) // |lse| ≤ A_max + log V
			tol := 2 * u * (n*((float64(c.K)+4+G*G+2*G)*aMax+2*G+2*float64(c.V)+lse) +
				float64(c.K+len(d.Words)+2)*aWords + math.Abs(ref.LL[r]))
			if !(math.Abs(h.LL[r]-ref.LL[r]) <= tol) {
				t.Errorf("K %d V %d row %d: LL %.17g, LogLik's %.17g, within %.3g", c.K, c.V, r, h.LL[r], ref.LL[r], tol)
			}
		}
	}
}

// TestLinearLogLikRefusesNonBinary checks that codes other than 0 and 1
// are refused.
func TestLinearLogLikRefusesNonBinary(t *testing.T) {
	l := mlp.NewZero([]int{2, 5}, mlp.Identity).Layers[0]
	var h LinearLogLik
	if h.Compute(l, testDocs[:1], []float64{1, 0.5}, 1) { // testDocs[0]'s words are below V = 5
		t.Error("a code of 0.5 accepted")
	}
}
