package exact

import (
	"math"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/testmodel"
	"github.com/amvi/amvi/model"
)

func TestBoundsAreOrdered(t *testing.T) {
	m, docs := testmodel.Small(1, false)
	e := New(m)
	for i, doc := range docs {
		d := e.Doc(doc)
		l2 := e.IWBound(doc, 2)
		l3 := e.IWBound(doc, 3)
		// ELBO ≤ L_2 ≤ L_3 ≤ log p(x), each strictly here since q is not the posterior.
		if !(d.ELBO < l2 && l2 < l3 && l3 < d.LogMarginal) {
			t.Errorf("doc %d: ELBO %.6f, L2 %.6f, L3 %.6f, log p(x) %.6f are not increasing", i, d.ELBO, l2, l3, d.LogMarginal)
		}
		if l1 := e.IWBound(doc, 1); math.Abs(l1-d.ELBO) > 1e-10*math.Abs(d.ELBO) {
			t.Errorf("doc %d: L1 %.12f differs from ELBO %.12f", i, l1, d.ELBO)
		}
		// The closed-form KL equals E_q[log q - log p(z)], and the gap
		// log p(x) - ELBO equals KL(q || p(z|x)).
		klMC, gap := 0.0, 0.0
		for s, lq := range d.LogQ {
			q := math.Exp(lq)
			prior := e.prior[s]
			klMC += q * (lq - prior)
			gap += q * (lq - (d.LogJoint[s] - d.LogMarginal))
		}
		if math.Abs(klMC-d.KL) > 1e-10 {
			t.Errorf("doc %d: closed-form KL %.12f, enumerated %.12f", i, d.KL, klMC)
		}
		if math.Abs(d.LogMarginal-d.ELBO-gap) > 1e-10 {
			t.Errorf("doc %d: log p(x) - ELBO = %.12f, KL(q||posterior) = %.12f", i, d.LogMarginal-d.ELBO, gap)
		}
	}
}

// meanObjective returns the mean over docs of the ELBO (samples 0), of L_S,
// or of log p(x) (samples -1).
func meanObjective(m *model.Model, docs []data.Document, samples int) float64 {
	e := New(m)
	s := 0.0
	for _, d := range docs {
		switch {
		case samples == 0:
			s += e.Doc(d).ELBO
		case samples < 0:
			s += e.Doc(d).LogMarginal
		default:
			s += e.IWBound(d, samples)
		}
	}
	return s / float64(len(docs))
}

// TestGradientsMatchFiniteDifferences checks ELBOGrad, IWBoundGrad and
// EMGrad against central differences of the enumerated objectives, for every
// parameter of a model with a linear and with an MLP decoder. EMGrad's
// decoder part is held to log p(x), its encoder part to the ELBO.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mlpDecoder bool
		samples    int // 0: ELBO; S > 0: L_S; -1: EM
	}{
		{"elbo/linear", false, 0},
		{"elbo/mlp", true, 0},
		{"iw2/linear", false, 2},
		{"em/linear", false, -1},
		{"em/mlp", true, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, docs := testmodel.Small(2, tc.mlpDecoder)
			docs = docs[:2]
			var g *model.Grads
			switch {
			case tc.samples == 0:
				g = New(m).ELBOGrad(docs)
			case tc.samples < 0:
				g = New(m).EMGrad(docs)
			default:
				g = New(m).IWBoundGrad(docs, tc.samples)
			}
			const h = 1e-5
			check := func(name string, params, grads [][]float64, samples int) {
				for pi, p := range params {
					for i := range p {
						old := p[i]
						p[i] = old + h
						up := meanObjective(m, docs, samples)
						p[i] = old - h
						down := meanObjective(m, docs, samples)
						p[i] = old
						fd := (up - down) / (2 * h)
						// Objectives are O(100) nats: rounding in each is ~1e-13,
						// so the difference quotient is good to ~1e-8; the
						// truncation error h²f'''/6 is smaller still.
						if math.Abs(fd-grads[pi][i]) > 1e-6*max(1, math.Abs(fd)) {
							t.Errorf("%s param %d[%d]: exact %.10g, finite difference %.10g", name, pi, i, grads[pi][i], fd)
						}
					}
				}
			}
			encSamples := tc.samples
			if encSamples < 0 {
				encSamples = 0 // EM fits the encoder on the ELBO
			}
			check("encoder", m.Enc.Net.Params(), g.Enc.Params(), encSamples)
			check("decoder", m.Dec.Net.Params(), g.Dec.Params(), tc.samples)
			// The prior's logits, moved apart so that each factor differs.
			for j := range m.Prior.Logit {
				m.Prior.Logit[j] += 0.3 * float64(j-2)
			}
			switch {
			case tc.samples == 0:
				g = New(m).ELBOGrad(docs)
			case tc.samples < 0:
				g = New(m).EMGrad(docs)
			default:
				g = New(m).IWBoundGrad(docs, tc.samples)
			}
			check("prior", [][]float64{m.Prior.Logit}, [][]float64{g.Prior}, tc.samples)
		})
	}
}

// TestStepperIsNegatedGradient checks that Stepper returns the loss
// gradients, minus ELBOGrad and EMGrad, and the summed exact objectives.
func TestStepperIsNegatedGradient(t *testing.T) {
	m, docs := testmodel.Small(3, true)
	for _, tc := range []struct {
		obj  Objective
		want func(e *Evaluator) *model.Grads
		per  func(d *Doc) float64
	}{
		{ELBO, func(e *Evaluator) *model.Grads { return e.ELBOGrad(docs) }, func(d *Doc) float64 { return d.ELBO }},
		{EM, func(e *Evaluator) *model.Grads { return e.EMGrad(docs) }, func(d *Doc) float64 { return d.LogMarginal }},
	} {
		st, err := NewStepper(m, tc.obj)
		if err != nil {
			t.Fatal(err)
		}
		g := m.NewGrads()
		stats, err := st.Step(docs, nil, g)
		if err != nil {
			t.Fatal(err)
		}
		e := New(m)
		want := tc.want(e)
		got, exp := append(g.Enc.Params(), g.Dec.Params()...), append(want.Enc.Params(), want.Dec.Params()...)
		got, exp = append(got, g.Prior), append(exp, want.Prior)
		for i := range got {
			for j := range got[i] {
				if got[i][j] != -exp[i][j] {
					t.Fatalf("objective %d: param %d[%d]: step %v, want %v", tc.obj, i, j, got[i][j], -exp[i][j])
				}
			}
		}
		sum := 0.0
		for _, d := range docs {
			sum += tc.per(e.Doc(d))
		}
		if math.Abs(stats.Objective-sum) > 1e-9*math.Abs(sum) || stats.Docs != len(docs) {
			t.Errorf("objective %d: stats %+v, want objective %v over %d documents", tc.obj, stats, sum, len(docs))
		}
	}
}
