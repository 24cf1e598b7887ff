package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/internal/gg"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/testmodel"
	"github.com/amvi/amvi/model"
)

func allEstimators() []estimators.Estimator {
	return []estimators.Estimator{
		&estimators.Reinforce{},
		&estimators.Reinforce{KL: estimators.Stochastic},
		estimators.NewNVIL(estimators.NVILConfig{InputDim: 30, Seed: 3, Normalise: true}),
		&estimators.RLOO{},
		&estimators.VIMCO{},
		&estimators.DisARM{},
	}
}

// referenceStep is a training step through Gorgonia's own dense
// operations (internal/gg: Mul, BroadcastAdd, Gorgonia's activations, over
// a dense bag-of-words and code input), consuming rng as Stepper.Step does.
func referenceStep(t *testing.T, m *model.Model, est estimators.Estimator, S int, docs []data.Document, rng *rand.Rand) (*model.Grads, float64) {
	t.Helper()
	B, K, V := len(docs), m.K(), m.V()
	x := make([]float64, B*V)
	m.Enc.FillInput(x, docs)
	var ws mlp.Workspace
	a := append([]float64(nil), m.Enc.Net.Forward(&ws, x)...)
	var q encoder.Posterior
	q.Set(a, K)
	z := make([]float64, B*S*K)
	if sm, ok := est.(estimators.Sampler); ok {
		sm.SampleCodes(z, q.P, K, S, rng)
	} else {
		q.Sample(z, S, rng)
	}
	b := &estimators.Batch{B: B, S: S, Input: x, InputDim: V, K: K, Codes: z, Probs: q.P,
		LogPrior: make([]float64, B*S), LogQ: make([]float64, B*S), KL: make([]float64, B)}
	q.LogQ(b.LogQ, z, S)
	q.KL(b.KL, m.Prior)
	m.Prior.LogPriors(b.LogPrior, z)
	ll := &decoder.LogLik{V: V}
	ll.Reset(docs, S)
	dec, err := gg.NewNet(m.Dec.Net, B*S, ll, "decoder")
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	g := m.NewGrads()
	dec.SetInput(z)
	if _, err := dec.Run(g.Dec); err != nil { // for the log-likelihoods
		t.Fatal(err)
	}
	b.LogLik = append([]float64(nil), ll.LL...)
	var w estimators.Weights
	if err := est.Estimate(&w, b); err != nil {
		t.Fatal(err)
	}
	for i, v := range w.DecoderWeight {
		ll.Weights[i] = v / float64(B)
	}
	if _, err := dec.Run(g.Dec); err != nil {
		t.Fatal(err)
	}
	surr := &encoder.Surrogate{K: K, Prior: m.Prior, KLWeight: w.KLWeight, Scale: 1 / float64(B)}
	if w.LogitGrad != nil {
		surr.SetLogitGrad(w.LogitGrad)
	} else {
		surr.Set(z, w.Advantage, S)
	}
	enc, err := gg.NewNet(m.Enc.Net, B, surr, "encoder")
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	enc.SetInput(x)
	if _, err := enc.Run(g.Enc); err != nil {
		t.Fatal(err)
	}
	obj := 0.0
	for _, o := range w.Objective {
		obj += o
	}
	return g, obj
}

// TestStepMatchesReference runs Stepper.Step, on amvi's operations, and
// the same step on Gorgonia's dense operations for the same model,
// documents and seed, for several steps of varying batch size (NVIL's
// baseline learns between them), and requires the same gradients to
// 1e-12, and the step's sparse encoder gradient to be zero outside the
// rows it reports.
func TestStepMatchesReference(t *testing.T) {
	for _, mlpDecoder := range []bool{false, true} {
		for i := range allEstimators() {
			est, refEst := allEstimators()[i], allEstimators()[i]
			t.Run(fmt.Sprintf("%s/%d/mlp=%v", est.Name(), i, mlpDecoder), func(t *testing.T) {
				m, docs := testmodel.Small(5, mlpDecoder)
				samples := 3
				if _, pairs := est.(*estimators.DisARM); pairs {
					samples = 4
				}
				st, err := model.NewStepper(m, est, samples)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				rs, rr := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
				g := m.NewGrads()
				worst := 0.0
				for step := 0; step < 4; step++ {
					syncEstimator(refEst, est)
					batch := docs[step%2:]
					stats, err := st.Step(batch, rs, g)
					if err != nil {
						t.Fatal(err)
					}
					want, obj := referenceStep(t, m, refEst, samples, batch, rr)
					if math.Abs(stats.Objective-obj) > 1e-12*math.Abs(obj) {
						t.Errorf("step %d: objective %.17g, reference %.17g", step, stats.Objective, obj)
					}
					for net, pair := range [][2][][]float64{{g.Enc.Params(), want.Enc.Params()}, {g.Dec.Params(), want.Dec.Params()}} {
						for pi, p := range pair[1] {
							for j, w := range p {
								d := math.Abs(pair[0][pi][j]-w) / max(1, math.Abs(w))
								worst = max(worst, d)
								if d > 1e-12 {
									t.Errorf("step %d network %d param %d[%d]: step %.17g, reference %.17g", step, net, pi, j, pair[0][pi][j], w)
								}
							}
						}
					}
					rows, ok := g.EncoderRows()
					if !ok {
						t.Fatal("the step did not report the encoder's touched rows")
					}
					used := map[int]bool{}
					for _, d := range batch {
						for _, w := range d.Words {
							used[w] = true
						}
					}
					if len(rows) != len(used) {
						t.Errorf("step %d: %d touched rows, the batch has %d distinct words", step, len(rows), len(used))
					}
				}
				t.Logf("largest relative difference %.2g", worst)
			})
		}
	}
}

// syncEstimator copies the learned state of src, an NVIL, into dst, so
// that each step of TestStepMatchesReference compares the two from the
// same point. Without it, rounding differences in the baseline's output-bias
// gradient, a sum over the batch that cancels to ~1e-17, grow into 1e-9
// differences through Adam's normalisation, which divides by that
// gradient's own size.
func syncEstimator(dst, src estimators.Estimator) {
	d, ok := dst.(*estimators.NVIL)
	if !ok {
		return
	}
	s := src.(*estimators.NVIL)
	d.Mean, d.Var, d.Steps = s.Mean, s.Var, s.Steps
	for i, p := range s.Net.Params() {
		copy(d.Net.Params()[i], p)
		copy(d.Opt.M[i], s.Opt.M[i])
		copy(d.Opt.V[i], s.Opt.V[i])
	}
	d.Opt.Step = s.Opt.Step
}

// benchModel is the benchmark's model: V=2000, K=50, encoder 2000→500→50,
// linear decoder, on synthetic documents of 88 tokens (20 Newsgroups'
// mean length).
func benchModel(b *testing.B) (*model.Model, [][]int) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := model.New(model.Config{
		Encoder: encoder.Config{V: 2000, K: 50, Hidden: []int{500}, Activation: encoder.Tanh, Input: encoder.InputLog1p},
		Decoder: decoder.Config{K: 50, V: 2000},
		Alpha:   0.5,
	}, rng)
	if err != nil {
		b.Fatal(err)
	}
	return m, nil
}

func BenchmarkStep(b *testing.B) {
	for _, samples := range []int{1, 8} {
		b.Run(fmt.Sprintf("S=%d", samples), func(b *testing.B) {
			m, _ := benchModel(b)
			rng := rand.New(rand.NewPCG(2, 2))
			tokens := make([]int, 64)
			for i := range tokens {
				tokens[i] = 88
			}
			docs := testmodel.Docs(rng, 2000, tokens)
			var est estimators.Estimator = estimators.NewNVIL(estimators.NVILConfig{InputDim: 2000, Normalise: true})
			st, err := model.NewStepper(m, est, samples)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			g := m.NewGrads()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.Step(docs, rng, g); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// TestStepIndependentOfCores requires a step to give the same gradient
// bits on one core as on two and three, for a batch large enough that every
// parallel loop splits (V=300, K=50, 64 documents, S=8: the decoder's table
// path included).
func TestStepIndependentOfCores(t *testing.T) {
	grads := func(procs int) [][]float64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rng := rand.New(rand.NewPCG(3, 4))
		m, err := model.New(model.Config{
			Encoder: encoder.Config{V: 300, K: 50, Hidden: []int{100}, Activation: encoder.Tanh, Input: encoder.InputCounts},
			Decoder: decoder.Config{K: 50, V: 300},
			Alpha:   0.5,
		}, rng)
		if err != nil {
			t.Fatal(err)
		}
		tokens := make([]int, 65)
		for i := range tokens {
			tokens[i] = 60
		}
		docs := testmodel.Docs(rng, 300, tokens)
		st, err := model.NewStepper(m, &estimators.RLOO{}, 8)
		if err != nil {
			t.Fatal(err)
		}
		g := m.NewGrads()
		rng = rand.New(rand.NewPCG(5, 6))
		for step := 0; step < 3; step++ {
			if _, err := st.Step(docs[step%2:], rng, g); err != nil {
				t.Fatal(err)
			}
		}
		return append(g.Enc.Params(), g.Dec.Params()...)
	}
	one := grads(1)
	for _, procs := range []int{2, 3} {
		other := grads(procs)
		for i := range one {
			for j := range one[i] {
				if math.Float64bits(one[i][j]) != math.Float64bits(other[i][j]) {
					t.Fatalf("parameter %d[%d]: %v on one core, %v on %d", i, j, one[i][j], other[i][j], procs)
				}
			}
		}
	}
}

// TestPriorGradient checks the prior's gradient a Stepper writes against the
// exact gradient of the mean ELBO with respect to the prior's logits: it is
// in closed form given q, so it must match to rounding, for a prior whose
// factors differ.
func TestPriorGradient(t *testing.T) {
	m, docs := testmodel.Small(6, false)
	for j := range m.Prior.Logit {
		m.Prior.Logit[j] = 0.4*float64(j) - 1
	}
	st, err := model.NewStepper(m, &estimators.RLOO{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	g := m.NewGrads()
	if _, err := st.Step(docs, rand.New(rand.NewPCG(1, 1)), g); err != nil {
		t.Fatal(err)
	}
	want := exact.New(m).ELBOGrad(docs).Prior
	for j, v := range g.Prior {
		if math.Abs(v+want[j]) > 1e-12 {
			t.Errorf("prior logit %d: step's loss gradient %v, exact ELBO gradient %v", j, v, want[j])
		}
	}
}

// TestStepFusedLinearMatchesReference is TestStepMatchesReference for a
// minibatch big enough for the linear decoder's fused likelihood (40
// documents × 8 codes = 320 rows, above fusedMinRows; ops.LinearLogLik in
// place of BinaryAffine and LogLik), against the same dense reference, to
// 1e-11: the fused likelihood's log-normaliser and softmax come from
// tables of exponentials (decoder's tests bound the difference, about
// 2e-12 of each element's sum of magnitudes at K = 50), where the
// reference exponentiates the logits.
func TestStepFusedLinearMatchesReference(t *testing.T) {
	for i := range allEstimators() {
		e, refEst := allEstimators()[i], allEstimators()[i]
		t.Run(fmt.Sprintf("%s/%d", e.Name(), i), func(t *testing.T) {
			m, _ := testmodel.Small(5, false)
			rng := rand.New(rand.NewPCG(9, 9))
			tokens := make([]int, 40)
			for i := range tokens {
				tokens[i] = 1 + rng.IntN(60)
			}
			docs := testmodel.Docs(rng, m.V(), tokens)
			const S = 8
			st, err := model.NewStepper(m, e, S)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			rs, rr := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
			g := m.NewGrads()
			for step := range 2 {
				syncEstimator(refEst, e)
				stats, err := st.Step(docs, rs, g)
				if err != nil {
					t.Fatal(err)
				}
				want, obj := referenceStep(t, m, refEst, S, docs, rr)
				if math.Abs(stats.Objective-obj) > 1e-11*math.Abs(obj) {
					t.Errorf("step %d: objective %.17g, reference %.17g", step, stats.Objective, obj)
				}
				for net, pair := range [][2][][]float64{{g.Enc.Params(), want.Enc.Params()}, {g.Dec.Params(), want.Dec.Params()}} {
					for pi, p := range pair[1] {
						worst := 0.0
						for j, w := range p {
							worst = max(worst, math.Abs(pair[0][pi][j]-w)/max(1, math.Abs(w)))
						}
						if worst > 1e-11 {
							t.Errorf("step %d network %d param %d: %.3g from the reference", step, net, pi, worst)
						}
					}
				}
			}
		})
	}
}
