// Command startup is built and run by TestStartupDoesNotPanic. It imports
// Gorgonia (and through it gorgonia.org/tensor and
// go4.org/unsafe/assume-no-moving-gc), evaluates a tiny graph and prints the
// result. With an assume-no-moving-gc older than the one pinned in go.mod it
// never gets that far: the package's init panics on Go 1.26.
package main

import (
	"fmt"
	"os"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func main() {
	g := gorgonia.NewGraph()
	x := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithShape(3), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithBacking([]float64{1, 2, 3}))))
	sum, err := gorgonia.Sum(x)
	if err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
	m := gorgonia.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
	fmt.Printf("gorgonia ok: sum=%v\n", sum.Value())
}
