package decoder

import (
	"math"
	"math/rand/v2"
	"runtime"
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
		const S = 6
		l, docs, z, _ := linearCase(rng, c.K, c.V, 5, S, c.sigma)
		R := len(docs) * S
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

// linearCase draws a linear layer K → V of weights σ·N(0, 1), B documents
// with about V/2.5 distinct words each, S codes each with p = ½, and
// weights of both signs.
func linearCase(rng *rand.Rand, K, V, B, S int, sigma float64) (mlp.Layer, []data.Document, []float64, []float64) {
	l := mlp.NewZero([]int{K, V}, mlp.Identity).Layers[0]
	for i := range l.W {
		l.W[i] = sigma * rng.NormFloat64()
	}
	for i := range l.B {
		l.B[i] = sigma * rng.NormFloat64()
	}
	docs := make([]data.Document, B)
	for b := range docs {
		for w := rng.IntN(3); w < V; w += 1 + rng.IntN(4) {
			docs[b].Words = append(docs[b].Words, w)
			docs[b].Counts = append(docs[b].Counts, 1+rng.IntN(3))
		}
	}
	z := make([]float64, B*S*K)
	for i := range z {
		z[i] = float64(rng.IntN(2))
	}
	w := make([]float64, B*S)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	return l, docs, z, w
}

// TestLinearLogLikGradFiniteDifferences checks Grad against central
// differences of Weighted after Compute, on every weight and bias of a
// small layer. The loss is O(100) and the step 1e-5: rounding gives about
// 1e-14·100/1e-5 = 1e-7 in the quotient, the truncation step²/6·|f”'| with
// |f”'| = O(N·|w|) = O(10), about 1e-9; the bound 1e-6 is ten times their sum.
func TestLinearLogLikGradFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const K, V, B, S = 6, 11, 3, 4
	l, docs, z, weights := linearCase(rng, K, V, B, S, 0.7)
	var h LinearLogLik
	loss := func() float64 {
		if !h.Compute(l, docs, z, S) {
			t.Fatal("binary codes refused")
		}
		copy(h.Weights, weights)
		return h.Weighted()
	}
	loss()
	const up = 1.5
	gw, gb := make([]float64, K*V), make([]float64, V)
	h.Grad(gw, gb, l, up)
	const step = 1e-5
	for i, p := range append(l.W[:len(l.W):len(l.W)], l.B...) {
		x, g := &l.B[0], 0.0
		if i < len(l.W) {
			x, g = &l.W[i], gw[i]
		} else {
			x, g = &l.B[i-len(l.W)], gb[i-len(l.W)]
		}
		*x = p + step
		f1 := loss()
		*x = p - step
		f0 := loss()
		*x = p
		if fd := up * (f1 - f0) / (2 * step); !(math.Abs(fd-g) <= 1e-6) {
			t.Errorf("parameter %d: Grad %.10g, finite difference %.10g", i, g, fd)
		}
	}
}

// TestLinearLogLikGradMatchesLogLik compares Grad with LogLik's gradient
// over the logits written out, carried to W and b as the graph's affine
// layer does (∂W_k = Σ_r z_rk·d_r, ∂b = Σ_r d_r), on the training shape
// (K = 50, V = 1995, 8 codes a document, σ = 0.05) and on large weights
// (σ = 3, K = 50, V = 300) whose rows reach far into the tables'
// exponentials. The bound is relative to each element's sum of magnitudes
// M = Σ_r |w_r|·z_rk·(N_b·softmax_rj + x_bj): both sides' softmax values
// are within mlp.BinaryLSE's bound of the exact ones (the logits K + 1
// terms, the tables' sums 5, the shifts G² + 2G, all times A_max; the
// exponentials, products and sums 2G + 2V; doubled), and each side sums
// at most R + 16 terms an element (u = 2⁻⁵³ each).
func TestLinearLogLikGradMatchesLogLik(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	u := 0x1p-53
	var h LinearLogLik
	for _, c := range []struct {
		K, V, B, S int
		sigma      float64
	}{{50, 1995, 8, 8, 0.05}, {50, 300, 6, 8, 3}, {5, 40, 4, 3, 2}} {
		l, docs, z, weights := linearCase(rng, c.K, c.V, c.B, c.S, c.sigma)
		R := c.B * c.S
		eta := make([]float64, R*c.V)
		aMax := 0.0
		for r := range R {
			for j := range c.V {
				e, a := l.B[j], math.Abs(l.B[j])
				for k := range c.K {
					if z[r*c.K+k] == 1 {
						e += l.W[k*c.V+j]
						a += math.Abs(l.W[k*c.V+j])
					}
				}
				eta[r*c.V+j] = e
				aMax = max(aMax, a)
			}
		}
		ref := &LogLik{V: c.V}
		ref.Reset(docs, c.S)
		copy(ref.Weights, weights)
		ref.Loss(eta)
		d := make([]float64, len(eta))
		ref.Grad(d, eta)
		wantW, wantB := make([]float64, c.K*c.V), make([]float64, c.V)
		magW, magB := make([]float64, c.K*c.V), make([]float64, c.V)
		for r := range R {
			doc := docs[r/c.S]
			x := make([]float64, c.V)
			for i, w := range doc.Words {
				x[w] = float64(doc.Counts[i])
			}
			for j := range c.V {
				dj := d[r*c.V+j]
				m := math.Abs(weights[r]) * (dj/weights[r] + 2*x[j]) // |w|·(N·softmax + x): d = w·(N·softmax − x)
				wantB[j] += dj
				magB[j] += m
				for k := range c.K {
					if z[r*c.K+k] == 1 {
						wantW[k*c.V+j] += dj
						magW[k*c.V+j] += m
					}
				}
			}
		}
		if !h.Compute(l, docs, z, c.S) {
			t.Fatal("binary codes refused")
		}
		copy(h.Weights, weights)
		gw, gb := make([]float64, c.K*c.V), make([]float64, c.V)
		h.Grad(gw, gb, l, 1)
		G := float64((c.K + 3) / 4)
		rel := 4*u*((float64(c.K)+6+G*G+2*G)*aMax+2*G+2*float64(c.V)) + 2*u*float64(R+16)
		check := func(what string, got, want, mag []float64) {
			for i := range got {
				if tol := rel * mag[i]; !(math.Abs(got[i]-want[i]) <= tol) {
					t.Fatalf("K %d V %d σ %g: %s[%d] %.17g, LogLik's %.17g, within %.3g", c.K, c.V, c.sigma, what, i, got[i], want[i], tol)
				}
			}
		}
		check("gw", gw, wantW, magW)
		check("gb", gb, wantB, magB)
	}
}

// TestLinearLogLikWordSumsSameBits checks that Train's word sums, gathered
// from the weight rows at every call, are bit for bit those of evaluation's
// transposed weights, at 1 to 3 cores, on the training shape (K = 50,
// V = 1995) and on a small one.
func TestLinearLogLikWordSumsSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, c := range []struct{ K, V int }{{50, 1995}, {3, 20}} {
		l, docs, z, _ := linearCase(rng, c.K, c.V, 9, 2, 1)
		var eval LinearLogLik
		if !eval.Compute(l, docs, z, 2) {
			t.Fatal("binary codes refused")
		}
		for _, procs := range []int{1, 2, 3} {
			func() {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				train := LinearLogLik{Train: true}
				train.Compute(l, docs, z, 2)
				for i, v := range eval.p {
					if math.Float64bits(train.p[i]) != math.Float64bits(v) {
						t.Fatalf("K %d V %d, %d cores: sum %d (document %d, k %d) %v with Train, %v without", c.K, c.V, procs, i, i/(c.K+1), i%(c.K+1), train.p[i], v)
					}
				}
			}()
		}
	}
}
