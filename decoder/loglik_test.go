package decoder

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
)

// naiveLogLik is the textbook formula, fine for moderate logits.
func naiveLogLik(eta []float64, d data.Document) float64 {
	z := 0.0
	for _, v := range eta {
		z += math.Exp(v)
	}
	ll := 0.0
	for i, w := range d.Words {
		ll += float64(d.Counts[i]) * math.Log(math.Exp(eta[w])/z)
	}
	return ll
}

var testDocs = []data.Document{
	{Words: []int{0, 3}, Counts: []int{2, 1}},
	{Words: []int{1, 2, 4}, Counts: []int{1, 5, 3}},
}

func TestLogLikMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	h := &LogLik{V: 5}
	const S = 3
	h.Reset(testDocs, S)
	eta := make([]float64, len(testDocs)*S*5)
	for i := range eta {
		eta[i] = 3 * rng.NormFloat64()
	}
	for i := range h.Weights {
		h.Weights[i] = 1
	}
	loss := h.Loss(eta)
	sum := 0.0
	for r := range h.LL {
		want := naiveLogLik(eta[r*5:(r+1)*5], testDocs[r/S])
		if math.Abs(h.LL[r]-want) > 1e-12*math.Abs(want) {
			t.Errorf("row %d: LL %.15g, naive %.15g", r, h.LL[r], want)
		}
		sum += want
	}
	if math.Abs(loss+sum) > 1e-12*math.Abs(sum) {
		t.Errorf("loss %.15g, want %.15g", loss, -sum)
	}
}

func TestLogLikGradMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	h := &LogLik{V: 5}
	const S = 2
	h.Reset(testDocs, S)
	eta := make([]float64, len(testDocs)*S*5)
	for i := range eta {
		eta[i] = rng.NormFloat64()
	}
	weights := []float64{0.3, -1.2, 2, 0.7}
	copy(h.Weights, weights)
	h.Loss(eta)
	grad := make([]float64, len(eta))
	h.Grad(grad, eta)
	const step = 1e-6
	for i := range eta {
		old := eta[i]
		eta[i] = old + step
		up := h.Loss(eta)
		eta[i] = old - step
		down := h.Loss(eta)
		eta[i] = old
		fd := (up - down) / (2 * step)
		// O(10) losses: rounding ≈ 1e-15/1e-6 = 1e-9 in the quotient.
		if math.Abs(fd-grad[i]) > 1e-7 {
			t.Errorf("eta[%d]: grad %.10g, finite difference %.10g", i, grad[i], fd)
		}
	}
}

// TestLogLikExtremeLogits checks that huge and tiny logits give finite,
// exact log-probabilities and gradients: the naive formula overflows here.
func TestLogLikExtremeLogits(t *testing.T) {
	h := &LogLik{V: 5}
	h.Reset(testDocs[:1], 1)
	h.Weights[0] = 1
	for _, tc := range []struct {
		name string
		eta  []float64
		want float64
	}{
		// softmax = (1, 0, 0, 0, 0) up to e^-1000: word 0 has log-prob 0,
		// word 3 has log-prob -1000 - 0 (relative to the max).
		{"huge", []float64{1000, 0, 0, 0, 0}, 2*0 + 1*(-1000)},
		{"very negative", []float64{-1000, -1000, -1000, -1000, -1000}, 3 * -math.Log(5)},
		{"mixed", []float64{-800, 800, 0, 700, 0}, 2*(-1600) + 1*(-100)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loss := h.Loss(tc.eta)
			g := make([]float64, 5)
			h.Grad(g, tc.eta)
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				t.Fatalf("loss %v", loss)
			}
			if math.Abs(h.LL[0]-tc.want) > 1e-9*max(1, math.Abs(tc.want)) {
				t.Errorf("LL = %.12g, want %.12g", h.LL[0], tc.want)
			}
			for i, v := range g {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("grad[%d] = %v", i, v)
				}
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{K: 0, V: 5},
		{K: 3, V: 0},
		{K: 3, V: 5, Hidden: []int{0}, Activation: encoder.Tanh},
		{K: 3, V: 5, Hidden: []int{4}, Activation: encoder.Activation(99)},
	} {
		if _, err := New(cfg, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
}

func BenchmarkLogLik(b *testing.B) {
	const V, R = 2000, 512
	rng := rand.New(rand.NewPCG(1, 1))
	docs := make([]data.Document, 64)
	for i := range docs {
		for w := 0; w < V; w += 33 {
			docs[i].Words = append(docs[i].Words, w)
			docs[i].Counts = append(docs[i].Counts, 1+rng.IntN(3))
		}
	}
	h := &LogLik{V: V}
	h.Reset(docs, R/len(docs))
	eta := make([]float64, R*V)
	for i := range eta {
		eta[i] = rng.NormFloat64()
	}
	g := make([]float64, len(eta))
	b.ReportAllocs()
	for b.Loop() {
		h.Loss(eta)
		h.Grad(g, eta)
	}
}

// TestLogLikGradInPlaceMatches requires GradInPlace, which writes the
// gradient over the exponentials, to give the same bits as Grad, and
// LossInPlace, which keeps them in the logits, the same as Loss.
func TestLogLikGradInPlaceMatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	const S, V = 4, 5
	eta := make([]float64, len(testDocs)*S*V)
	for i := range eta {
		eta[i] = 3 * rng.NormFloat64()
	}
	h := &LogLik{V: V}
	h.Reset(testDocs, S)
	for i := range h.Weights {
		h.Weights[i] = float64(i) - 2.5
	}
	loss := h.Loss(eta)
	want := make([]float64, len(eta))
	h.Grad(want, eta)
	wantLL := append([]float64(nil), h.LL...)
	got := h.GradInPlace()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("gradient[%d]: in place %v, buffered %v", i, got[i], want[i])
		}
	}
	// LossInPlace keeps the exponentials in the logits themselves.
	over := append([]float64(nil), eta...)
	if l := h.LossInPlace(over); l != loss {
		t.Errorf("LossInPlace %v, Loss %v", l, loss)
	}
	for r, l := range h.LL {
		if l != wantLL[r] {
			t.Errorf("LossInPlace: LL[%d] = %v, Loss's %v", r, l, wantLL[r])
		}
	}
	buffered := make([]float64, len(eta))
	h.Grad(buffered, over)
	got = h.GradInPlace()
	if &got[0] != &over[0] {
		t.Error("GradInPlace after LossInPlace did not write over the logits")
	}
	for i := range want {
		if got[i] != want[i] || buffered[i] != want[i] {
			t.Fatalf("gradient[%d] after LossInPlace: in place %v, Grad %v, want %v", i, got[i], buffered[i], want[i])
		}
	}
}
