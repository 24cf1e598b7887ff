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

// meanObjective returns the mean over docs of the ELBO (samples 0) or of L_S.
func meanObjective(m *model.Model, docs []data.Document, samples int) float64 {
	e := New(m)
	s := 0.0
	for _, d := range docs {
		if samples == 0 {
			s += e.Doc(d).ELBO
		} else {
			s += e.IWBound(d, samples)
		}
	}
	return s / float64(len(docs))
}

// TestGradientsMatchFiniteDifferences checks ELBOGrad and IWBoundGrad
// against central differences of the enumerated objectives, for every
// parameter of a model with a linear and with an MLP decoder.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mlpDecoder bool
		samples    int
	}{
		{"elbo/linear", false, 0},
		{"elbo/mlp", true, 0},
		{"iw2/linear", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, docs := testmodel.Small(2, tc.mlpDecoder)
			docs = docs[:2]
			var g *model.Grads
			if tc.samples == 0 {
				g = New(m).ELBOGrad(docs)
			} else {
				g = New(m).IWBoundGrad(docs, tc.samples)
			}
			const h = 1e-5
			check := func(name string, params, grads [][]float64) {
				for pi, p := range params {
					for i := range p {
						old := p[i]
						p[i] = old + h
						up := meanObjective(m, docs, tc.samples)
						p[i] = old - h
						down := meanObjective(m, docs, tc.samples)
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
			check("encoder", m.Enc.Net.Params(), g.Enc.Params())
			check("decoder", m.Dec.Net.Params(), g.Dec.Params())
		})
	}
}
