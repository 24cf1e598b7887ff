package encoder_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
)

// Example encodes one document into K posterior probabilities.
func Example() {
	enc, err := encoder.New(encoder.Config{V: 6, K: 3, Hidden: []int{4}, Activation: encoder.Tanh, Input: encoder.InputLog1p},
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

// The examples load a small model trained on documents about space,
// baking and football (30 words, K=4 factors). A real program loads a
// training run's best.safetensors the same way.

// ExampleLoad loads a trained encoder and turns a text into the posterior
// probabilities q(z_j = 1 | x) and the most probable binary code.
func ExampleLoad() {
	enc, err := encoder.Load("../testdata/encoder/tiny.safetensors")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, unknown, err := enc.Document("The shuttle launch put a satellite in orbit")
	if err != nil {
		fmt.Println(err)
		return
	}
	probs, err := enc.Probabilities(doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	code, err := enc.Code(doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d known words, %d unknown\n", len(doc.Words), unknown)
	fmt.Printf("probabilities %.2f\n", probs)
	fmt.Println("code", code)
	// Output:
	// 4 known words, 4 unknown
	// probabilities [0.01 0.07 0.05 0.99]
	// code 0001
}

// ExampleFrozen_Probabilities encodes a document given as word ids and
// counts, as the corpus readers of package data produce them.
func ExampleFrozen_Probabilities() {
	enc, err := encoder.Load("../testdata/encoder/tiny.safetensors")
	if err != nil {
		fmt.Println(err)
		return
	}
	v := enc.Vocabulary()
	oven, _ := v.ID("oven")
	bread, _ := v.ID("bread")
	doc := data.Document{Words: []int{oven, bread}, Counts: []int{1, 3}}
	probs, err := enc.Probabilities(doc)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.2f\n", probs)

	_, err = enc.Probabilities(data.Document{Words: []int{enc.V()}, Counts: []int{1}})
	fmt.Println(err)
	// Output:
	// [0.99 0.55 0.01 0.00]
	// encoder: invalid document: word id 30 outside 0..29
}

// ExampleFrozen_ProbabilitiesTo encodes a stream of documents without
// allocating: the caller owns the output buffer and one Scratch per
// goroutine.
func ExampleFrozen_ProbabilitiesTo() {
	enc, err := encoder.Load("../testdata/encoder/tiny.safetensors")
	if err != nil {
		fmt.Println(err)
		return
	}
	var scratch encoder.Scratch
	probs := make([]float64, enc.K())
	for _, text := range []string{"rocket orbit moon", "goal team referee"} {
		doc, _, _ := enc.Document(text)
		if err := enc.ProbabilitiesTo(probs, doc, &scratch); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-18s %.2f\n", text, probs)
	}
	// Output:
	// rocket orbit moon  [0.00 0.12 0.17 0.99]
	// goal team referee  [0.01 0.46 1.00 0.03]
}

// ExampleFrozen_SampleCodes draws codes from q(z|x) with a seeded source.
func ExampleFrozen_SampleCodes() {
	enc, err := encoder.Load("../testdata/encoder/tiny.safetensors")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, _, _ := enc.Document("goal team referee")
	codes, err := enc.SampleCodes(doc, 4, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(codes)
	// Output:
	// [0110 0110 0110 0010]
}

// ExampleFrozen_BatchCodes encodes many documents at once on all cores.
func ExampleFrozen_BatchCodes() {
	enc, err := encoder.Load("../testdata/encoder/tiny.safetensors")
	if err != nil {
		fmt.Println(err)
		return
	}
	var docs []data.Document
	for _, text := range []string{"moon planet star", "flour sugar cake", "coach player league", "nasa astronaut"} {
		doc, _, _ := enc.Document(text)
		docs = append(docs, doc)
	}
	codes, err := enc.BatchCodes(docs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(codes)
	// Output:
	// [0001 1100 0010 0001]
}
