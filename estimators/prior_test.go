package estimators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/internal/testmodel"
	"github.com/amvi/amvi/model"
)

// priorModel is the test model with prior logits that differ by factor, so
// that a gradient mixing up factors or their α_j shows.
func priorModel() (*model.Model, []data.Document) {
	m, docs := testmodel.Small(1, false)
	for j := range m.Prior.Logit {
		m.Prior.Logit[j] = 0.4*float64(j) - 1.5
	}
	return m, docs
}

// A priorMutation corrupts VIMCO's Weights.PriorMean the way a plausible
// bug would; alpha holds the prior's α_j.
type priorMutation struct {
	name   string
	mutate func(w *estimators.Weights, b *estimators.Batch, alpha []float64)
}

func priorMutations() []priorMutation {
	// each calls f(mean, codes of the document's S samples, its log weights)
	// for every document.
	perDoc := func(b *estimators.Batch, f func(mean, codes, logw []float64)) func(w *estimators.Weights) {
		return func(w *estimators.Weights) {
			k, S := b.K, b.S
			logw := make([]float64, S)
			for d := 0; d < b.B; d++ {
				for s := range logw {
					i := d*S + s
					logw[s] = b.LogLik[i] + b.LogPrior[i] - b.LogQ[i]
				}
				f(w.PriorMean[d*k:(d+1)*k], b.Codes[d*S*k:(d+1)*S*k], logw)
			}
		}
	}
	weighted := func(weight func(logw []float64, s int) float64) func(w *estimators.Weights, b *estimators.Batch, _ []float64) {
		return func(w *estimators.Weights, b *estimators.Batch, _ []float64) {
			perDoc(b, func(mean, codes, logw []float64) {
				clear(mean)
				for s := range logw {
					for j := range mean {
						mean[j] += weight(logw, s) * codes[s*b.K+j]
					}
				}
			})(w)
		}
	}
	return []priorMutation{
		{"q's probabilities (the ELBO's gradient)", func(w *estimators.Weights, b *estimators.Batch, _ []float64) {
			copy(w.PriorMean, b.Probs)
		}},
		{"unnormalised mean (1/S)", weighted(func(logw []float64, _ int) float64 { return 1 / float64(len(logw)) })},
		{"weights over the largest, not their sum", weighted(func(logw []float64, s int) float64 {
			return math.Exp(logw[s] - floats.Max(logw))
		})},
		{"alpha - z for z - alpha", func(w *estimators.Weights, b *estimators.Batch, alpha []float64) {
			for i := range w.PriorMean {
				w.PriorMean[i] = 2*alpha[i%b.K] - w.PriorMean[i]
			}
		}},
	}
}

// enumeratedPriorGrad returns the expectation of VIMCO's loss gradient with
// respect to the prior's logits, mean_b (α - PriorMean_b), over q's S
// independent codes per document, by enumerating the (2^K)^S tuples of
// codes of each document, weighted by Π_s q(z_s|x); the mean over docs.
// mutate, when not nil, corrupts each tuple's weights. It also returns a
// bound on the rounding error of the sum (and of exact.IWBoundGrad's).
func enumeratedPriorGrad(m *model.Model, docs []data.Document, S int, mutate func(*estimators.Weights, *estimators.Batch, []float64)) ([]float64, float64) {
	K := m.K()
	n := 1 << K
	states := exact.States(K)
	logPrior := make([]float64, n)
	m.Prior.LogPriors(logPrior, states)
	alpha := make([]float64, K)
	m.Prior.Alpha(alpha)
	e := exact.New(m)
	est := &estimators.VIMCO{}
	var w estimators.Weights
	b := &estimators.Batch{B: 1, S: S, K: K, LogLik: make([]float64, S), LogPrior: make([]float64, S),
		LogQ: make([]float64, S), KL: make([]float64, 1), Codes: make([]float64, S*K), Probs: make([]float64, K)}
	grad := make([]float64, K)
	bound := 0.0
	for _, doc := range docs {
		d := e.Doc(doc)
		encoder.Probs(b.Probs, d.Logits)
		// Each term p_t (α_j - m_tj) has |α_j - m_tj| ≤ 1 and Σ_t p_t = 1:
		// summing n^S of them rounds by at most n^S·ε. p_t = exp(Σ_s log q)
		// is good to S·max|log q|·ε relatively, each normalised weight to
		// about 4·max|log w|·ε (its log-sum-exp); twice all of it covers
		// the two sums compared.
		maxLogQ, maxLogW := 0.0, 0.0
		for i, lq := range d.LogQ {
			maxLogQ = max(maxLogQ, math.Abs(lq))
			maxLogW = max(maxLogW, math.Abs(d.LogJoint[i]-lq))
		}
		tuples := math.Pow(float64(n), float64(S))
		bound = max(bound, 2*(tuples+float64(S)*maxLogQ+4*maxLogW+8)*0x1p-52)
		idx := make([]int, S)
		for {
			logProb := 0.0
			for s, i := range idx {
				b.LogPrior[s] = logPrior[i]
				b.LogLik[s] = d.LogJoint[i] - logPrior[i]
				b.LogQ[s] = d.LogQ[i]
				copy(b.Codes[s*K:(s+1)*K], states[i*K:(i+1)*K])
				logProb += d.LogQ[i]
			}
			if err := est.Estimate(&w, b); err != nil {
				panic(err)
			}
			if mutate != nil {
				mutate(&w, b, alpha)
			}
			m.Prior.LogitGrad(grad, w.PriorMean, math.Exp(logProb)/float64(len(docs)))
			s := 0
			for ; s < S; s++ {
				if idx[s]++; idx[s] < n {
					break
				}
				idx[s] = 0
			}
			if s == S {
				break
			}
		}
	}
	return grad, bound
}

// TestVIMCOPriorGradientExact enumerates VIMCO's prior gradient over every
// tuple of S codes and requires its expectation to be minus the exact
// gradient of the mean L_S with respect to the prior's logits
// (exact.IWBoundGrad, itself held to central differences of the
// enumerated L_S by exact's TestGradientsMatchFiniteDifferences), to the
// rounding bound of the two sums; and each prior mutation to miss it by
// more than that bound.
func TestVIMCOPriorGradientExact(t *testing.T) {
	m, docs := priorModel()
	for _, tc := range []struct {
		S    int
		docs []data.Document
	}{{2, docs}, {3, docs[:2]}} {
		if tc.S == 3 && testing.Short() {
			continue
		}
		want := exact.New(m).IWBoundGrad(tc.docs, tc.S).Prior
		check := func(name string, mutate func(*estimators.Weights, *estimators.Batch, []float64)) {
			got, bound := enumeratedPriorGrad(m, tc.docs, tc.S, mutate)
			worst := 0.0
			for j, g := range got {
				worst = max(worst, math.Abs(g+want[j]))
			}
			switch {
			case mutate == nil && worst > bound:
				t.Errorf("S=%d: expected prior gradient %v, exact -∇L_S %v: off by %.3g, bound %.3g", tc.S, got, want, worst, bound)
			case mutate == nil:
				t.Logf("S=%d: largest difference %.3g, bound %.3g", tc.S, worst, bound)
			case worst <= bound:
				t.Errorf("S=%d: mutation %q not detected: off by %.3g, bound %.3g", tc.S, name, worst, bound)
			default:
				t.Logf("S=%d: mutation %q off by %.4g (bound %.3g)", tc.S, name, worst, bound)
			}
		}
		check("", nil)
		for _, mu := range priorMutations() {
			check(mu.name, mu.mutate)
		}
	}
}

// priorDraws runs n seeded training steps with est on m and returns the
// moments of the gradient of the objective (the negated loss) with respect
// to the prior's logits.
func priorDraws(t *testing.T, m *model.Model, docs []data.Document, est estimators.Estimator, samples, n int, seed uint64) *moments {
	t.Helper()
	st, err := model.NewStepper(m, est, samples)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(seed, 99))
	g := m.NewGrads()
	mo := &moments{}
	x := make([]float64, m.K())
	for i := 0; i < n; i++ {
		if _, err := st.Step(docs, rng, g); err != nil {
			t.Fatal(err)
		}
		for j, v := range g.Prior {
			x[j] = -v
		}
		mo.add(x)
	}
	return mo
}

// priorZ is maxZ, but a coordinate with no variance (the ELBO's
// closed-form gradient is not random given q) scores +Inf unless its mean
// is exact.
func priorZ(mo *moments, want []float64) (float64, int) {
	for i, w := range want {
		if mo.variance(i) == 0 && mo.mean[i] != w {
			return math.Inf(1), i
		}
	}
	return maxZ(mo, want)
}

// TestVIMCOPriorUnbiased draws VIMCO's prior gradient through
// model.Stepper and requires its mean over 20,000 steps to be within
// zLimit standard errors (measured) of the exact ∇L_S, coordinate by
// coordinate; and each prior mutation, over a quarter of the draws, to be
// further than that.
func TestVIMCOPriorUnbiased(t *testing.T) {
	if testing.Short() {
		t.Skip("Monte Carlo test: 20,000 draws")
	}
	const S = 3
	m, docs := priorModel()
	want := exact.New(m).IWBoundGrad(docs, S).Prior
	alpha := make([]float64, m.K())
	m.Prior.Alpha(alpha)
	mo := priorDraws(t, m, docs, &estimators.VIMCO{}, S, draws, 7)
	z, at := priorZ(mo, want)
	t.Logf("max |z| = %.2f at logit %d", z, at)
	if z > zLimit {
		t.Errorf("mean prior gradient is %.1f standard errors from the exact ∇L_S at logit %d (mean %.6g, exact %.6g)",
			z, at, mo.mean[at], want[at])
	}
	for _, mu := range priorMutations() {
		t.Run(mu.name, func(t *testing.T) {
			est := mutated{&estimators.VIMCO{}, func(w *estimators.Weights, b *estimators.Batch) { mu.mutate(w, b, alpha) }}
			mo := priorDraws(t, m, docs, est, S, draws/4, 11)
			z, _ := priorZ(mo, want)
			t.Logf("max |z| = %.1f", z)
			if z <= zLimit {
				t.Errorf("mutation not detected: max |z| = %.2f ≤ %.1f", z, zLimit)
			}
		})
	}
}
