package topics_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/amvi/amvi/synth"
	"github.com/amvi/amvi/topics"
)

// The words each factor raises most, for the model that generated a
// synthetic corpus: factor j boosts its own block of ten words
// (w000–w009 for factor 0, w010–w019 for factor 1, …).
func ExampleDescribe() {
	spec := synth.Spec{K: 4, V: 40, Alpha: 0.3, Train: 1, Test: 1, MinTokens: 20, MaxTokens: 40, Seed: 1}
	c, err := synth.Generate(spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := c.Truth
	// A linear decoder's effects are its weight rows: one sample is enough.
	effects := topics.Effects(m.Dec, spec.Alpha, 1, rand.New(rand.NewPCG(1, 1)))
	for _, f := range topics.Describe(effects, c.Vocab, nil, nil, 3, []int{0, 1}) {
		fmt.Println(f.Factor, f.Words)
	}
	// Output:
	// 0 [w000 w001 w002]
	// 1 [w014 w013 w010]
}
