package synth_test

import (
	"fmt"

	"github.com/amvi/amvi/synth"
)

// A small corpus from a known model: its documents for training and
// testing, and the model that drew them, whose log p(x) a fit can be
// compared with.
func ExampleGenerate() {
	spec := synth.Spec{K: 4, V: 40, Alpha: 0.3, Train: 100, Test: 20, MinTokens: 20, MaxTokens: 40, Seed: 1}
	c, err := synth.Generate(spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Train.Len(), c.Test.Len(), c.Truth.K(), c.Truth.V(), c.Vocab[0])
	n := c.Train.Docs[0].Tokens()
	fmt.Println(n >= spec.MinTokens && n <= spec.MaxTokens)
	// Output:
	// 100 20 4 40 w000
	// true
}
