package optim_test

import (
	"fmt"

	"github.com/amvi/amvi/optim"
)

// Adam minimises f(x) = Σ_i (x_i − t_i)², its gradient written into a
// buffer of the parameters' shape before each Update.
func ExampleAdam() {
	x := []float64{0, 0}
	target := []float64{3, -1}
	grad := make([]float64, len(x))
	opt := optim.NewAdam([][]float64{x}, 0.05)
	for range 2000 {
		for i := range x {
			grad[i] = 2 * (x[i] - target[i])
		}
		opt.Update([][]float64{x}, [][]float64{grad})
	}
	fmt.Printf("x = (%.3f, %.3f) after %d steps\n", x[0], x[1], opt.Step)
	// Output: x = (3.000, -1.000) after 2000 steps
}
