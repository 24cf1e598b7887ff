// Package synth generates amvi's default corpus: documents drawn from a
// known small model of the same family that amvi fits, so that a training
// run needs no download and its held-out bound can be compared with the
// true log p(x), computed exactly by enumerating the 2^K codes.
//
// The true model has K binary factors with prior α and a linear decoder: a
// Zipf-like background over the V words (the biases) plus, for each factor,
// a boost to its own block of "topic" words. Document lengths are uniform on
// [MinTokens, MaxTokens].
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/model"
)

// Spec describes a synthetic corpus.
type Spec struct {
	K, V                 int
	Alpha                float64
	Train, Test          int // documents in each split
	MinTokens, MaxTokens int
	Seed                 uint64
}

// Default is the corpus cmd/train uses when given no data.
var Default = Spec{K: 8, V: 200, Alpha: 0.3, Train: 4000, Test: 1000, MinTokens: 20, MaxTokens: 120, Seed: 2026}

// Corpus is a generated corpus with the model that generated it.
type Corpus struct {
	Train, Test *data.Corpus
	Vocab       []string
	Truth       *model.Model // its decoder and prior generated the documents
}

// Generate draws the true model and the documents of spec.
func Generate(spec Spec) (*Corpus, error) {
	if spec.K < 1 || spec.V < spec.K || spec.MinTokens < 1 || spec.MaxTokens < spec.MinTokens || !(spec.Alpha > 0 && spec.Alpha < 1) {
		return nil, fmt.Errorf("synth: invalid spec %+v", spec)
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 0x73796e74))
	truth, err := model.New(model.Config{
		Encoder: encoder.Config{V: spec.V, K: spec.K, Activation: encoder.Tanh, Input: encoder.InputLog1p},
		Decoder: decoder.Config{K: spec.K, V: spec.V},
		Alpha:   spec.Alpha,
	}, rng)
	if err != nil {
		return nil, err
	}
	dec := truth.Dec.Net.Layers[0] // W is K×V, B is V
	block := spec.V / spec.K
	for w := 0; w < spec.V; w++ {
		dec.B[w] = -math.Log(float64(w+1)) + 0.3*rng.NormFloat64()
		for j := 0; j < spec.K; j++ {
			v := 0.3 * rng.NormFloat64()
			if w/block == j {
				v += 3
			}
			dec.W[j*spec.V+w] = v
		}
	}
	c := &Corpus{Truth: truth, Vocab: make([]string, spec.V)}
	for w := range c.Vocab {
		c.Vocab[w] = fmt.Sprintf("w%03d", w)
	}
	c.Train = sample(truth, spec, spec.Train, rng, "synthetic:train")
	c.Test = sample(truth, spec, spec.Test, rng, "synthetic:test")
	return c, nil
}

func sample(m *model.Model, spec Spec, n int, rng *rand.Rand, name string) *data.Corpus {
	K, V := spec.K, spec.V
	z := make([]float64, K)
	cdf := make([]float64, V)
	counts := make([]int, V)
	var ws decoder.Workspace
	c := &data.Corpus{V: V, Source: name, Docs: make([]data.Document, n)}
	for d := range c.Docs {
		for j := range z {
			z[j] = 0
			if rng.Float64() < spec.Alpha {
				z[j] = 1
			}
		}
		eta := m.Dec.Logits(&ws, z)
		mx := math.Inf(-1)
		for _, v := range eta {
			mx = max(mx, v)
		}
		s := 0.0
		for w, v := range eta {
			s += math.Exp(v - mx)
			cdf[w] = s
		}
		clear(counts)
		tokens := spec.MinTokens + rng.IntN(spec.MaxTokens-spec.MinTokens+1)
		for t := 0; t < tokens; t++ {
			w := sort.SearchFloat64s(cdf, rng.Float64()*s)
			counts[min(w, V-1)]++
		}
		for w, k := range counts {
			if k > 0 {
				c.Docs[d].Words = append(c.Docs[d].Words, w)
				c.Docs[d].Counts = append(c.Docs[d].Counts, k)
			}
		}
	}
	return c
}
