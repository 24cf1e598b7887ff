// Package testmodel builds the small random models and documents that amvi's
// tests check against exact enumeration.
package testmodel

import (
	"math/rand/v2"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/model"
)

// Small returns a model with K=6 factors over V=30 words (encoder 30→8→6,
// tanh, log1p input; decoder linear, or with one hidden layer of 5 units when
// mlpDecoder is set; α=0.3), its weights spread enough that the posterior is
// far from uniform, and four documents of 3 to 40 tokens.
func Small(seed uint64, mlpDecoder bool) (*model.Model, []data.Document) {
	rng := rand.New(rand.NewPCG(seed, 0x7465737473))
	const k, v = 6, 30
	cfg := model.Config{
		Encoder: encoder.Config{V: v, K: k, Hidden: []int{8}, Activation: encoder.Tanh, Input: encoder.InputLog1p},
		Decoder: decoder.Config{K: k, V: v},
		Alpha:   0.3,
	}
	if mlpDecoder {
		cfg.Decoder.Hidden, cfg.Decoder.Activation = []int{5}, encoder.Tanh
	}
	m, err := model.New(cfg, rng)
	if err != nil {
		panic(err)
	}
	for _, net := range [][][]float64{m.Enc.Net.Params(), m.Dec.Net.Params()} {
		for _, p := range net {
			for i := range p {
				p[i] = 1.5*p[i] + 0.3*rng.NormFloat64()
			}
		}
	}
	return m, Docs(rng, v, []int{3, 12, 25, 40})
}

// Docs returns documents of the given token counts over v words, drawn from
// a random Zipf-like unigram distribution.
func Docs(rng *rand.Rand, v int, tokens []int) []data.Document {
	docs := make([]data.Document, len(tokens))
	for i, n := range tokens {
		counts := make([]int, v)
		for t := 0; t < n; t++ {
			w := int(float64(v) * rng.Float64() * rng.Float64())
			counts[w]++
		}
		for w, c := range counts {
			if c > 0 {
				docs[i].Words = append(docs[i].Words, w)
				docs[i].Counts = append(docs[i].Counts, c)
			}
		}
	}
	return docs
}
