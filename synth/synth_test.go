package synth

import (
	"testing"

	"github.com/amvi/amvi/exact"
)

func TestGenerate(t *testing.T) {
	spec := Default
	spec.Train, spec.Test = 300, 100
	a, err := Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(spec)
	if a.Train.Len() != 300 || a.Test.Len() != 100 || len(a.Vocab) != spec.V {
		t.Fatalf("sizes: %d train, %d test, %d words", a.Train.Len(), a.Test.Len(), len(a.Vocab))
	}
	for i, d := range a.Train.Docs {
		n := d.Tokens()
		if n < spec.MinTokens || n > spec.MaxTokens {
			t.Fatalf("document %d has %d tokens", i, n)
		}
		for j, w := range d.Words {
			if w < 0 || w >= spec.V || d.Counts[j] < 1 || (j > 0 && w <= d.Words[j-1]) {
				t.Fatalf("document %d: bad word list %v %v", i, d.Words, d.Counts)
			}
			if w != b.Train.Docs[i].Words[j] || d.Counts[j] != b.Train.Docs[i].Counts[j] {
				t.Fatal("the same spec gave different documents")
			}
		}
	}
	// The generating model explains its documents far better than a uniform
	// distribution over the words does (log V nats per token).
	ev := exact.New(a.Truth)
	perToken := 0.0
	tokens := 0
	for _, d := range a.Test.Docs {
		perToken += ev.Doc(d).LogMarginal
		tokens += d.Tokens()
	}
	perToken /= float64(tokens)
	t.Logf("true log p(x) per token %.3f (uniform: -5.298)", perToken)
	if perToken > -1 || perToken < -5.2 {
		t.Errorf("true log p(x) per token %.3f out of the expected range", perToken)
	}
}
