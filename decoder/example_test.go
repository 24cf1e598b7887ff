package decoder_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
)

// Example computes log p(x|z) for one document under two codes.
func Example() {
	dec, err := decoder.New(decoder.Config{K: 3, V: 4}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	doc := data.Document{Words: []int{0, 2}, Counts: []int{3, 1}}
	codes := []float64{
		1, 0, 1,
		0, 0, 0, // the all-zero code: softmax(c) with zero biases is uniform
	}
	var ws decoder.Workspace
	eta := dec.Logits(&ws, codes)
	ll := &decoder.LogLik{V: 4}
	ll.Reset([]data.Document{doc}, 2)
	ll.Loss(eta)
	fmt.Printf("log p(x|z) = %.4f, %.4f (4 tokens, uniform: 4·log(1/4) = %.4f)\n", ll.LL[0], ll.LL[1], -4*1.3862944)
	// Output:
	// log p(x|z) = -4.0353, -5.5452 (4 tokens, uniform: 4·log(1/4) = -5.5452)
}
