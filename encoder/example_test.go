package encoder_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
)

// Example encodes one document into K posterior probabilities.
func Example() {
	enc, err := encoder.New(encoder.Config{V: 6, K: 3, Hidden: []int{4}, Activation: "tanh", Input: encoder.InputLog1p},
		rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	doc := data.Document{Words: []int{1, 4}, Counts: []int{2, 1}}
	x := make([]float64, 6)
	enc.FillInput(x, []data.Document{doc})
	var ws encoder.Workspace
	probs := make([]float64, 3)
	encoder.Probs(probs, enc.Logits(&ws, x))
	fmt.Printf("q(z_j = 1 | x) = %.3f\n", probs)
	// Output:
	// q(z_j = 1 | x) = [0.444 0.663 0.469]
}
