package encoder

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/amvi/amvi/internal/mathx"
)

func TestSurrogateGradMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const K, B, S = 4, 3, 2
	z := make([]float64, B*S*K)
	for i := range z {
		z[i] = float64(rng.IntN(2))
	}
	adv := make([]float64, B*S)
	for i := range adv {
		adv[i] = rng.NormFloat64()
	}
	a := make([]float64, B*K)
	for i := range a {
		a[i] = 2 * rng.NormFloat64()
	}
	for _, klw := range []float64{0, 1, 0.25} {
		s := &Surrogate{K: K, Prior: NewPrior(K, 0.3), KLWeight: klw, Scale: 1.0 / B}
		s.Set(z, adv, S)
		g := make([]float64, len(a))
		s.Grad(g, a)
		const h = 1e-6
		for i := range a {
			old := a[i]
			a[i] = old + h
			up := s.Loss(a)
			a[i] = old - h
			down := s.Loss(a)
			a[i] = old
			fd := (up - down) / (2 * h)
			if math.Abs(fd-g[i]) > 1e-8 {
				t.Errorf("KL weight %g, a[%d]: grad %.10g, finite difference %.10g", klw, i, g[i], fd)
			}
		}
	}
}

// TestSurrogateIsScoreFunction checks the folded form against its
// definition: ∂loss/∂a = -Scale Σ_s A_s (z_s - σ(a)).
func TestSurrogateIsScoreFunction(t *testing.T) {
	z := []float64{1, 0, 1, 1, 0, 0}
	adv := []float64{2, -3}
	a := []float64{0.5, -1, 4}
	s := &Surrogate{K: 3, Prior: NewPrior(3, 0.5), Scale: 1}
	s.Set(z, adv, 2)
	g := make([]float64, 3)
	s.Grad(g, a)
	for j := range a {
		want := 0.0
		for t := 0; t < 2; t++ {
			want -= adv[t] * (z[t*3+j] - mathx.Sigmoid(a[j]))
		}
		if math.Abs(g[j]-want) > 1e-15 {
			t.Errorf("grad[%d] = %g, want %g", j, g[j], want)
		}
	}
}

// TestSurrogateMatchesFormulas requires Surrogate's Loss and Grad, which
// share one exponential and logarithm per factor (or read them from the
// posterior of the same logits), to give the bits of the formulas written
// with the separate functions: −Σ (c·a − A·softplus(a)) plus the weighted
// Prior.KL of each row, and −(c − A·σ(a)) plus the weighted
// σ(a)(1−σ(a))(a − η), all scaled.
func TestSurrogateMatchesFormulas(t *testing.T) {
	const k, samples = 5, 3
	a := []float64{0.3, -2, 40, -800, 1e-9, 3, -0.5, 0, 700, -1, 2, 2, -2, 0.1, 5}
	rng := rand.New(rand.NewPCG(4, 4))
	z := make([]float64, samples*len(a))
	Sample(z, a, k, samples, rng)
	adv := make([]float64, len(z)/k)
	for i := range adv {
		adv[i] = rng.NormFloat64()
	}
	prior := NewPrior(k, 0.3)
	prior.Logit[2] = -4
	for _, klw := range []float64{0, 1, 0.5} {
		s := &Surrogate{K: k, Prior: prior, KLWeight: klw, Scale: 1.0 / 3}
		s.Set(z, adv, samples)
		want := 0.0
		for r := range s.ASum {
			ar := a[r*k : (r+1)*k]
			for j, aj := range ar {
				want -= s.Coef[r*k+j]*aj - s.ASum[r]*mathx.Softplus(aj)
			}
			if klw != 0 {
				want += klw * prior.KL(ar)
			}
		}
		want *= s.Scale
		// Without a posterior, with one of these logits, and with one of
		// other logits (which must not be read).
		var q, other Posterior
		q.Set(a, k)
		b := append([]float64(nil), a...)
		for i := range b {
			b[i] = -b[i]
		}
		other.Set(b, k)
		for _, tc := range []struct {
			name string
			q    *Posterior
		}{{"no posterior", nil}, {"its posterior", &q}, {"another posterior", &other}} {
			s.Q = tc.q
			if got := s.Loss(a); got != want {
				t.Errorf("%s, KL weight %v: Loss %v, formula %v", tc.name, klw, got, want)
			}
			g := make([]float64, len(a))
			s.Grad(g, a)
			for i, aj := range a {
				b := mathx.Sigmoid(aj)
				w := -(s.Coef[i] - s.ASum[i/k]*b)
				if klw != 0 {
					w += klw * b * (1 - b) * (aj - prior.Logit[i%k])
				}
				w *= s.Scale
				if g[i] != w {
					t.Errorf("%s, KL weight %v: Grad[%d] %v, formula %v", tc.name, klw, i, g[i], w)
				}
			}
		}
	}
}

func TestKLAndLogQExtremeLogits(t *testing.T) {
	for _, a := range [][]float64{{800, -800, 0}, {-1e10, 1e10, 40}, {0, 0, 0}} {
		prior := NewPrior(len(a), 0.2)
		kl := prior.KL(a)
		if math.IsNaN(kl) || math.IsInf(kl, 0) || kl < 0 {
			t.Errorf("KL(%v) = %v", a, kl)
		}
		// With no advantages the surrogate's gradient is the KL's.
		s := &Surrogate{K: len(a), Prior: prior, KLWeight: 1, Scale: 1}
		s.Set(make([]float64, len(a)), []float64{0}, 1)
		g := make([]float64, len(a))
		s.Grad(g, a)
		for _, v := range g {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("KL gradient at %v = %v", a, g)
			}
		}
		lq := LogQ([]float64{1, 0, 1}, a)
		if math.IsNaN(lq) || lq > 0 {
			t.Errorf("LogQ at %v = %v", a, lq)
		}
	}
	if kl := NewPrior(2, 0.2).KL([]float64{mathx.Logit(0.2), mathx.Logit(0.2)}); math.Abs(kl) > 1e-15 {
		t.Errorf("KL(prior || prior) = %g, want 0", kl)
	}
	// KL(Bernoulli(0.9) || Bernoulli(0.5)) = 0.9 log 1.8 + 0.1 log 0.2.
	want := 0.9*math.Log(1.8) + 0.1*math.Log(0.2)
	if kl := NewPrior(1, 0.5).KL([]float64{mathx.Logit(0.9)}); math.Abs(kl-want) > 1e-15 {
		t.Errorf("KL = %.17g, want %.17g", kl, want)
	}
}

// TestSampleFrequencies draws 200,000 codes and compares each factor's
// frequency of ones with σ(a_j); the binomial standard error is at most
// sqrt(0.25/200000) ≈ 0.0011, and the tolerance is five of them.
func TestSampleFrequencies(t *testing.T) {
	a := []float64{-2, 0, 0.7, 3}
	const S = 200000
	z := make([]float64, S*len(a))
	Sample(z, a, len(a), S, rand.New(rand.NewPCG(5, 5)))
	for j, aj := range a {
		ones := 0.0
		for s := 0; s < S; s++ {
			ones += z[s*len(a)+j]
		}
		if p := ones / S; math.Abs(p-mathx.Sigmoid(aj)) > 5*math.Sqrt(0.25/S) {
			t.Errorf("factor %d: frequency %.4f, σ(a) = %.4f", j, p, mathx.Sigmoid(aj))
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{V: 10, K: 3, Hidden: []int{5}, Activation: Tanh, Input: InputLog1p}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Config{
		{V: 0, K: 3, Activation: Tanh, Input: InputCounts},
		{V: 10, K: 0, Activation: Tanh, Input: InputCounts},
		{V: 10, K: 3, Hidden: []int{-1}, Activation: Tanh, Input: InputCounts},
		{V: 10, K: 3, Activation: Activation(99), Input: InputCounts},
		{V: 10, K: 3, Activation: Tanh, Input: Input(-1)},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v): no error", bad)
		}
	}
}

// TestPosteriorMatchesFunctions requires Posterior's LogQ and KL to give
// the bits of the functions LogQ and KL.
func TestPosteriorMatchesFunctions(t *testing.T) {
	const k, samples, alpha = 5, 3, 0.3
	a := []float64{0.3, -2, 40, -800, 1e-9, 3, -0.5, 0, 700, -1, 2, 2, -2, 0.1, 5}
	var q Posterior
	q.Set(a, k)
	z := make([]float64, samples*len(a))
	q.Sample(z, samples, rand.New(rand.NewPCG(8, 9)))
	lq := make([]float64, len(z)/k)
	q.LogQ(lq, z, samples)
	for i, got := range lq {
		r := i / samples
		if w := LogQ(z[i*k:(i+1)*k], a[r*k:(r+1)*k]); got != w {
			t.Errorf("code %d: Posterior.LogQ %v, LogQ %v", i, got, w)
		}
	}
	kl := make([]float64, len(a)/k)
	prior := NewPrior(k, alpha)
	prior.Logit[1] = 4 // one factor apart
	q.KL(kl, prior)
	for r, got := range kl {
		if w := prior.KL(a[r*k : (r+1)*k]); got != w {
			t.Errorf("row %d: Posterior.KL %v, KL %v", r, got, w)
		}
	}
}

// TestPosteriorOf requires Posterior.Of to accept exactly the logits of
// the last Set, bit for bit, in whatever slice they are, and no others:
// not the Set's own slice once it is written, not a zero of the other sign.
func TestPosteriorOf(t *testing.T) {
	a := []float64{0.3, -2, 0, 700, -1, 2}
	var q Posterior
	q.Set(a, 3)
	negZero := append([]float64(nil), a...)
	negZero[2] = math.Copysign(0, -1)
	written := a // Set's own slice, written after the Set below
	for _, tc := range []struct {
		name string
		a    []float64
		want bool
	}{
		{"the same slice", a, true},
		{"a copy", append([]float64(nil), a...), true},
		{"a prefix", a[:3], false},
		{"-0 for +0", negZero, false},
		{"empty", nil, false},
	} {
		if got := q.Of(tc.a); got != tc.want {
			t.Errorf("%s: Of = %v, want %v", tc.name, got, tc.want)
		}
	}
	written[0] = 0.25
	if q.Of(written) {
		t.Error("Of accepts the Set's slice after it was written")
	}
	var empty Posterior
	if empty.Of(a) {
		t.Error("a Posterior never Set accepts logits")
	}
}

// TestPosteriorSample checks that Posterior.Sample's codes depend only on
// the source's state, not on the number of cores, that it takes exactly one
// number from the source, and that each factor is 1 with its probability:
// over 80,000 draws per factor, within 5 standard errors (a correct
// sampler fails that with probability below 5e-6 over all 8 factors).
func TestPosteriorSample(t *testing.T) {
	const k, samples, rows = 8, 16, 5000
	a := make([]float64, rows*k)
	for i := range a {
		a[i] = float64(i%k) - 3.5 // probabilities from σ(-3.5) to σ(3.5)
	}
	var q Posterior
	q.Set(a, k)
	draw := func(procs int) ([]float64, uint64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rng := rand.New(rand.NewPCG(1, 2))
		z := make([]float64, samples*len(a))
		q.Sample(z, samples, rng)
		return z, rng.Uint64()
	}
	z1, next1 := draw(1)
	z2, next2 := draw(2)
	for i := range z1 {
		if z1[i] != z2[i] {
			t.Fatalf("code entry %d differs between 1 and 2 cores", i)
		}
	}
	want := rand.New(rand.NewPCG(1, 2))
	want.Uint64()
	if w := want.Uint64(); next1 != w || next2 != w {
		t.Errorf("Sample took other than one number from the source")
	}
	n := float64(rows * samples)
	for j := 0; j < k; j++ {
		ones := 0.0
		for i := j; i < len(z1); i += k {
			ones += z1[i]
		}
		p := q.P[j]
		if se := math.Sqrt(p * (1 - p) / n); math.Abs(ones/n-p) > 5*se {
			t.Errorf("factor %d: frequency %.5f, probability %.5f (se %.5f)", j, ones/n, p, se)
		}
	}
}

// TestPosteriorSampleThresholds holds Posterior.Sample's codes to the
// comparison u < P_j of its draw u = m·2⁻⁵³, where P_j lies next to the
// first sample's u_j (one ulp below, at, one ulp above), and at 0, 1, the
// smallest positive float and NaN.
func TestPosteriorSampleThresholds(t *testing.T) {
	const k, samples, rows = 50, 3, 40
	seed := rand.New(rand.NewPCG(7, 8)).Uint64() // Sample's one number
	var q Posterior
	q.Set(make([]float64, rows*k), k)
	var src rand.PCG
	for r := 0; r < rows; r++ {
		src.Seed(seed, splitmix64(uint64(r)))
		for j := 0; j < k; j++ {
			u := float64(src.Uint64()>>11) * 0x1p-53
			p := &q.P[r*k+j]
			switch j % 7 {
			case 0:
				*p = math.Nextafter(u, 0)
			case 1:
				*p = u
			case 2:
				*p = math.Nextafter(u, 1)
			case 3:
				*p = []float64{0, 1, math.SmallestNonzeroFloat64, math.NaN()}[r%4]
			}
		}
	}
	z := make([]float64, samples*len(q.P))
	q.Sample(z, samples, rand.New(rand.NewPCG(7, 8)))
	for r := 0; r < rows; r++ {
		src.Seed(seed, splitmix64(uint64(r)))
		for s := 0; s < samples; s++ {
			for j := 0; j < k; j++ {
				u, p := float64(src.Uint64()>>11)*0x1p-53, q.P[r*k+j]
				want := 0.0
				if u < p {
					want = 1
				}
				if got := z[(r*samples+s)*k+j]; got != want {
					t.Fatalf("row %d sample %d factor %d: u %v, P %v: code %v, want %v", r, s, j, u, p, got, want)
				}
			}
		}
	}
}

// TestInputValue requires the encoder's input transform to give
// math.Log1p's bits (the small counts from a table) and the count itself.
func TestInputValue(t *testing.T) {
	for c := 0; c < 1000; c++ {
		if got, want := inputValue(c, true), math.Log1p(float64(c)); got != want {
			t.Errorf("log1p of %d: %v, want %v", c, got, want)
		}
		if got := inputValue(c, false); got != float64(c) {
			t.Errorf("count %d: %v", c, got)
		}
	}
}
