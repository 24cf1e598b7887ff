package vec_test

import (
	"fmt"

	"github.com/amvi/amvi/internal/vec"
)

// A softmax: shifting by the largest logit keeps every exponential in
// [0, 1], so none overflows, and ExpShift's sum is the normaliser.
func ExampleExpShift() {
	logits := []float64{2, 1, 0.1, -3}
	p := make([]float64, len(logits))
	sum := vec.ExpShift(p, logits, vec.Max(logits))
	for i := range p {
		p[i] /= sum
	}
	fmt.Printf("%.4f\n", p)
	// Output: [0.6561 0.2414 0.0981 0.0044]
}
