package eval

import (
	"math/rand/v2"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/testmodel"
	"github.com/amvi/amvi/model"
)

// BenchmarkEvalBatch evaluates one batch of 64 documents of 88 tokens with
// 100 importance samples each, on one worker, for V=2000, K=50, hidden 500.
func BenchmarkEvalBatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	m, err := model.New(model.Config{
		Encoder: encoder.Config{V: 2000, K: 50, Hidden: []int{500}, Activation: encoder.Tanh, Input: encoder.InputCounts},
		Decoder: decoder.Config{K: 50, V: 2000},
		Alpha:   0.5,
	}, rng)
	if err != nil {
		b.Fatal(err)
	}
	tokens := make([]int, 64)
	for i := range tokens {
		tokens[i] = 88
	}
	c := &data.Corpus{Docs: testmodel.Docs(rng, 2000, tokens), V: 2000}
	opt := Options{Samples: 100, IWSamples: 100, Batch: 64, Workers: 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Documents(m, c, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*64)/b.Elapsed().Seconds(), "docs/s")
}
