package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
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

// TestGraphMatchesPlain runs the Gorgonia graphs and the plain gonum pass on
// the same model, documents and seed, for several steps (NVIL's baseline
// learns between them), and requires the same gradients to ~1e-12.
func TestGraphMatchesPlain(t *testing.T) {
	for _, tc := range []struct {
		mlpDecoder bool
		workers    int
	}{{false, 1}, {true, 1}, {false, 2}, {true, 3}} {
		mlpDecoder := tc.mlpDecoder
		for i := range allEstimators() {
			graphEst, plainEst := allEstimators()[i], allEstimators()[i]
			t.Run(fmt.Sprintf("%s/%d/mlp=%v/workers=%d", graphEst.Name(), i, mlpDecoder, tc.workers), func(t *testing.T) {
				m, docs := testmodel.Small(5, mlpDecoder)
				samples := 3
				if _, pairs := graphEst.(*estimators.DisARM); pairs {
					samples = 4
				}
				graph, err := model.NewStepper(m, graphEst, samples, model.Graph, tc.workers)
				if err != nil {
					t.Fatal(err)
				}
				defer graph.Close()
				plain, err := model.NewStepper(m, plainEst, samples, model.Plain, tc.workers)
				if err != nil {
					t.Fatal(err)
				}
				rg, rp := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
				gg, gp := m.NewGrads(), m.NewGrads()
				worst := 0.0
				for step := 0; step < 3; step++ {
					syncEstimator(plainEst, graphEst)
					batch := docs[step%2:]
					sg, err := graph.Step(batch, rg, gg)
					if err != nil {
						t.Fatal(err)
					}
					sp, err := plain.Step(batch, rp, gp)
					if err != nil {
						t.Fatal(err)
					}
					if sg.Docs != sp.Docs || sg.Tokens != sp.Tokens || math.Abs(sg.Objective-sp.Objective) > 1e-12*math.Abs(sp.Objective) {
						t.Errorf("step %d: stats %+v (graph) != %+v (plain)", step, sg, sp)
					}
					for _, pair := range [][2][][]float64{{gg.Enc.Params(), gp.Enc.Params()}, {gg.Dec.Params(), gp.Dec.Params()}} {
						for pi, p := range pair[1] {
							for j, want := range p {
								got := pair[0][pi][j]
								d := math.Abs(got-want) / max(1, math.Abs(want))
								worst = max(worst, d)
								if d > 1e-12 {
									t.Errorf("step %d param %d[%d]: graph %.17g, plain %.17g", step, pi, j, got, want)
								}
							}
						}
					}
				}
				t.Logf("largest relative difference %.2g", worst)
			})
		}
	}
}

// syncEstimator copies the learned state of src, an NVIL, into dst, so
// that each step of TestGraphMatchesPlain compares the backends from the
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
		Encoder: encoder.Config{V: 2000, K: 50, Hidden: []int{500}, Activation: "tanh", Input: encoder.InputLog1p},
		Decoder: decoder.Config{K: 50, V: 2000},
		Alpha:   0.5,
	}, rng)
	if err != nil {
		b.Fatal(err)
	}
	return m, nil
}

func BenchmarkStep(b *testing.B) {
	for _, bc := range []struct {
		name    string
		backend model.Backend
		workers int
	}{{"graph", model.Graph, 1}, {"graph", model.Graph, 2}, {"plain", model.Plain, 1}, {"plain", model.Plain, 2}} {
		for _, samples := range []int{1, 8} {
			backend := bc.backend
			b.Run(fmt.Sprintf("%s/workers=%d/S=%d", bc.name, bc.workers, samples), func(b *testing.B) {
				m, _ := benchModel(b)
				rng := rand.New(rand.NewPCG(2, 2))
				tokens := make([]int, 64)
				for i := range tokens {
					tokens[i] = 88
				}
				docs := testmodel.Docs(rng, 2000, tokens)
				var est estimators.Estimator = estimators.NewNVIL(estimators.NVILConfig{InputDim: 2000, Normalise: true})
				st, err := model.NewStepper(m, est, samples, backend, bc.workers)
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
}

// TestPlainIndependentOfCores requires the Plain backend to give the same
// gradient bits on one core as on two, for a batch large enough that every
// parallel loop splits (V=300, K=50, 64 documents, S=8: the decoder's table
// path included).
func TestPlainIndependentOfCores(t *testing.T) {
	grads := func(procs int) [][]float64 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rng := rand.New(rand.NewPCG(3, 4))
		m, err := model.New(model.Config{
			Encoder: encoder.Config{V: 300, K: 50, Hidden: []int{100}, Activation: "tanh", Input: encoder.InputCounts},
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
		st, err := model.NewStepper(m, &estimators.RLOO{}, 8, model.Plain, 1)
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
	one, two := grads(1), grads(2)
	for i := range one {
		for j := range one[i] {
			if math.Float64bits(one[i][j]) != math.Float64bits(two[i][j]) {
				t.Fatalf("parameter %d[%d]: %v on one core, %v on two", i, j, one[i][j], two[i][j])
			}
		}
	}
}
