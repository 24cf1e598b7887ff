package ops_test

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/ops"
)

// A sparse affine layer in a Gorgonia graph, differentiated with one of
// Gorgonia's own operations after it: the forward pass reads only the
// bags' nonzeros, and the weight gradient is written only in the rows of
// the words present.
func ExampleSparseAffine() {
	g := gorgonia.NewGraph()
	// W is 4 words × 2 units, b has 2.
	w := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(4, 2), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6, 7, 8}))))
	b := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(2), gorgonia.WithName("b"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0.5, -0.5}))))

	// Two bags of words: word 1 twice; word 3 once. The bag is refilled
	// before each run.
	var x ops.Sparse
	x.Reset(4)
	x.Append(1, 2)
	x.EndRow()
	x.Append(3, 1)
	x.EndRow()

	h, err := ops.SparseAffine(&x, 2, w, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	cost, err := gorgonia.Sum(h) // Gorgonia's own operation
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := ops.NewMachine(gorgonia.Nodes{h}, cost, gorgonia.Nodes{w, b})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	if err := m.Forward(); err != nil {
		fmt.Println(err)
		return
	}
	out, _ := m.Output(0)
	fmt.Println("x·W + b:", out)

	gw, gb := make([]float64, 8), make([]float64, 2)
	if err := m.Backward([][]float64{gw, gb}, nil); err != nil {
		fmt.Println(err)
		return
	}
	rows, _ := m.Touched(0)
	fmt.Println("∂cost/∂W:", gw, "in rows", rows)
	fmt.Println("∂cost/∂b:", gb)
	// Output:
	// x·W + b: [6.5 7.5 7.5 7.5]
	// ∂cost/∂W: [0 0 2 2 0 0 1 1] in rows [1 3]
	// ∂cost/∂b: [2 2]
}
