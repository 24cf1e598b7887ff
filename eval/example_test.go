package eval_test

import (
	"fmt"

	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/synth"
)

// Evaluating a model on held-out documents: the estimated ELBO and the
// importance-weighted bound, here with the exact figures beside them
// (K is small enough to enumerate). The model is the one that drew the
// corpus, with an encoder that was never trained, so the ELBO is far
// below log p(x).
func ExampleEvaluate() {
	c, err := synth.Generate(synth.Spec{K: 4, V: 40, Alpha: 0.3, Train: 1, Test: 50, MinTokens: 20, MaxTokens: 40, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := eval.Evaluate(c.Truth, c.Test, eval.Options{Samples: 20, IWSamples: 50, Seed: 1, Exact: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("documents:", r.Documents, "tokens:", r.Tokens == c.Test.Tokens())
	fmt.Println("exact ELBO below exact log p(x):", r.ExactELBOPerDoc < r.ExactLogPPerDoc)
	fmt.Println("importance weighting tightens the bound:", r.IWPerDoc > r.ELBOPerDoc)
	// Output:
	// documents: 50 tokens: true
	// exact ELBO below exact log p(x): true
	// importance weighting tightens the bound: true
}
