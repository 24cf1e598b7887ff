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

// ExampleLinearLogLik computes a linear decoder's log p(x|z) and its
// gradient without the logits. With zero weights the softmax is uniform,
// so the bias's gradient is Weights[r]·(N·¼ − x) at each word.
func ExampleLinearLogLik() {
	dec, err := decoder.New(decoder.Config{K: 3, V: 4}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	l := dec.Net.Layers[0]
	clear(l.W)
	doc := data.Document{Words: []int{0, 2}, Counts: []int{3, 1}}
	var h decoder.LinearLogLik
	if !h.Compute(l, []data.Document{doc}, []float64{1, 0, 1}, 1) {
		fmt.Println("codes other than 0 and 1")
		return
	}
	h.Weights[0] = 1 // the loss is −LL
	gw, gb := make([]float64, 3*4), make([]float64, 4)
	h.Grad(gw, gb, l, 1)
	fmt.Printf("log p(x|z) = %.4f\n", h.LL[0])
	fmt.Println("bias gradient:", gb)
	fmt.Println("input 1's weight gradient (its code is 0):", gw[4:8])
	// Output:
	// log p(x|z) = -5.5452
	// bias gradient: [-2 1 0 1]
	// input 1's weight gradient (its code is 0): [0 0 0 0]
}
