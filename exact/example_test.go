package exact_test

import (
	"fmt"
	"math"

	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/synth"
)

// The first rung of the tutorial's ladder, by enumeration: for a document
// x, the ELBO of any q(z|x) lies below log p(x), and the gap is exactly
// KL(q(z|x) ‖ p(z|x)), the posterior being p(x,z)/p(x) over the 2^K codes.
func ExampleEvaluator_Doc() {
	c, err := synth.Generate(synth.Spec{K: 4, V: 40, Alpha: 0.3, Train: 1, Test: 1, MinTokens: 20, MaxTokens: 40, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := exact.New(c.Truth).Doc(c.Train.Docs[0])
	kl := 0.0 // KL(q ‖ p(z|x)), state by state
	for s, lq := range d.LogQ {
		logPost := d.LogJoint[s] - d.LogMarginal
		kl += math.Exp(lq) * (lq - logPost)
	}
	gap := d.LogMarginal - d.ELBO
	fmt.Println("states:", len(d.LogQ))
	fmt.Println("ELBO below log p(x):", d.ELBO < d.LogMarginal)
	fmt.Println("gap equals KL(q‖p(z|x)):", math.Abs(gap-kl) < 1e-9*math.Abs(d.LogMarginal))
	// Output:
	// states: 16
	// ELBO below log p(x): true
	// gap equals KL(q‖p(z|x)): true
}
