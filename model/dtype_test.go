package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/internal/testmodel"
	"github.com/amvi/amvi/model"
)

// TestFloat32StepMatchesFloat64 runs a whole step (encoder, sampling,
// decoder, estimator, both backward halves) in a Float32 model and in a
// Float64 model with the same float32-representable parameters, documents
// and seed, for every estimator, and compares the objectives and the
// gradients. float32 rounds each layer's sums to about n·u (u = 2^-24, n ≤
// 40 terms here), and the estimators' advantages are differences of
// log-likelihoods of up to about 150 nats, so an advantage carries up to
// about 150·n·u ≈ 4e-4 of absolute error; the gradients are compared
// normwise (max difference over the largest magnitude of each tensor)
// within 1e-3, the objective within 1e-5 relative. The fused cases take
// 40 or 41 documents × 26 codes, at least 1,040 rows, so that both models'
// decoders are the fused likelihood (ops.LinearLogLik, which widens the
// float32 parameters; fusedMinRows32 is 1,024).
// Mutation: a float32 decoder graph whose codes are not refreshed from the
// sampled ones (decGraph.forward without its Convert) fails it, in the
// separate and the fused decoder.
func TestFloat32StepMatchesFloat64(t *testing.T) {
	for _, c := range []struct{ mlpDecoder, fused bool }{{false, false}, {true, false}, {false, true}} {
		mlpDecoder := c.mlpDecoder
		for i := range allEstimators() {
			est32, est64 := allEstimators()[i], allEstimators()[i]
			t.Run(fmt.Sprintf("%s/%d/mlp=%v/fused=%v", est32.Name(), i, mlpDecoder, c.fused), func(t *testing.T) {
				m32, docs := testmodel.Small(5, mlpDecoder)
				m64, _ := testmodel.Small(5, mlpDecoder)
				samples := 3
				if c.fused {
					rng := rand.New(rand.NewPCG(9, 9))
					tokens := make([]int, 41)
					for i := range tokens {
						tokens[i] = 1 + rng.IntN(60)
					}
					docs, samples = testmodel.Docs(rng, m32.V(), tokens), 26
				}
				for _, m := range []*model.Model{m32, m64} {
					for _, p := range append(m.Enc.Net.Params(), m.Dec.Net.Params()...) {
						for j, v := range p {
							p[j] = float64(float32(v))
						}
					}
				}
				m32.SetDtype(model.Float32)
				if _, pairs := est32.(*estimators.DisARM); pairs && !c.fused {
					samples = 4
				}
				st32, err := model.NewStepper(m32, est32, samples)
				if err != nil {
					t.Fatal(err)
				}
				defer st32.Close()
				st64, err := model.NewStepper(m64, est64, samples)
				if err != nil {
					t.Fatal(err)
				}
				defer st64.Close()
				r32, r64 := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
				g32, g64 := m32.NewGrads(), m64.NewGrads()
				worst := 0.0
				for step := range 4 {
					syncEstimator(est64, est32)
					batch := docs[step%2:]
					s32, err := st32.Step(batch, r32, g32)
					if err != nil {
						t.Fatal(err)
					}
					s64, err := st64.Step(batch, r64, g64)
					if err != nil {
						t.Fatal(err)
					}
					if math.Abs(s32.Objective-s64.Objective) > 1e-5*math.Abs(s64.Objective) {
						t.Errorf("step %d: objective %.9g, float64 %.9g", step, s32.Objective, s64.Objective)
					}
					for net, pair := range []struct {
						got  [][]float32
						want [][]float64
					}{{g32.Enc32.Params(), g64.Enc.Params()}, {g32.Dec32.Params(), g64.Dec.Params()}} {
						for pi, want := range pair.want {
							d, big := 0.0, 0.0
							for j, w := range want {
								d = max(d, math.Abs(float64(pair.got[pi][j])-w))
								big = max(big, math.Abs(w))
							}
							d /= max(big, 1e-300)
							worst = max(worst, d)
							if d > 1e-3 {
								t.Errorf("step %d network %d param %d: differs from float64 by %.3g of its largest value", step, net, pi, d)
							}
						}
					}
				}
				t.Logf("largest normwise difference %.2g", worst)
			})
		}
	}
}

// TestParams checks Model.Params and Grads.Params in both dtypes: the
// tensors of the networks that run, the encoder's then the decoder's,
// aliasing their storage (a write through Params reaches the network),
// the other dtype's list nil, and the gradients shaped as the parameters.
// Mutation: Model.Params listing the decoder's tensors first fails it.
func TestParams(t *testing.T) {
	for _, dt := range []model.Dtype{model.Float64, model.Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			m, _ := testmodel.Small(5, false)
			m.SetDtype(dt)
			p32, p64 := m.Params()
			g32, g64 := m.NewGrads().Params()
			if dt == model.Float32 {
				if p64 != nil || g64 != nil {
					t.Fatalf("float64 tensors %v and gradients %v in a float32 model", p64, g64)
				}
				checkParams(t, p32, g32, append(m.Enc32.Params(), m.Dec32.Params()...))
				return
			}
			if p32 != nil || g32 != nil {
				t.Fatalf("float32 tensors %v and gradients %v in a float64 model", p32, g32)
			}
			checkParams(t, p64, g64, append(m.Enc.Net.Params(), m.Dec.Net.Params()...))
		})
	}
}

// checkParams requires p to alias the networks' tensors want, in order,
// and g to be shaped as p.
func checkParams[T float32 | float64](t *testing.T, p, g, want [][]T) {
	t.Helper()
	if len(p) != len(want) || len(g) != len(want) {
		t.Fatalf("%d tensors and %d gradients, want %d", len(p), len(g), len(want))
	}
	for i := range p {
		p[i][0] = 0.25
		if want[i][0] != 0.25 || len(g[i]) != len(p[i]) {
			t.Errorf("tensor %d: does not alias the network's, or its gradient has %d values for %d", i, len(g[i]), len(p[i]))
		}
	}
}
