package gg

import (
	"fmt"
	"sync"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/ops"
)

// Net is the training graph of one network: an input matrix that the
// caller sets, the network, a head on its output, the symbolic gradient of
// the head's loss with respect to the parameters, run by an ops.Machine
// (tape machines compiled over only what the loss and that gradient need,
// rerun without Reset).
//
// A Net must not be used by two goroutines at once; build one per goroutine.
type Net struct {
	Head HeadNode
	MLP  *MLP

	rows, in int
	input    []float64 // rows×(in+1), ones in the last column
	m        *ops.Machine
}

// NewNet builds the graph of net over a rows×net.In() input, with head h on
// its output.
func NewNet(net *mlp.Net, rows int, h Head, name string) (*Net, error) {
	// Gorgonia's graph construction writes lazily cached hashes into
	// package-level constant nodes (the seed gradient 1 among them) that
	// every graph shares, so building two graphs at once races.
	buildMu.Lock()
	defer buildMu.Unlock()
	g := gorgonia.NewGraph()
	in := net.In()
	n := &Net{rows: rows, in: in, input: make([]float64, rows*(in+1))}
	for r := 0; r < rows; r++ {
		n.input[r*(in+1)+in] = 1
	}
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(rows, in+1), gorgonia.WithName(name+".input"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, in+1), tensor.WithBacking(n.input))))
	var err error
	if n.MLP, err = BuildMLP(g, net, x, true, name); err != nil {
		return nil, err
	}
	if n.Head, err = ApplyHead(n.MLP.Out, h, name); err != nil {
		return nil, err
	}
	if n.m, err = ops.NewMachine(gorgonia.Nodes{n.Head.Node}, n.Head.Node, n.MLP.Params); err != nil {
		return nil, fmt.Errorf("gg: %s: %w", name, err)
	}
	return n, nil
}

var buildMu sync.Mutex

// SetInput copies x (rows×In, row-major) into the graph's input.
// It panics if len(x) != rows·In.
func (n *Net) SetInput(x []float64) {
	if len(x) != n.rows*n.in {
		panic("gg: SetInput has the wrong length")
	}
	for r := 0; r < n.rows; r++ {
		copy(n.input[r*(n.in+1):r*(n.in+1)+n.in], x[r*n.in:(r+1)*n.in])
	}
}

// Run computes the head's loss and writes its gradient with respect to every
// parameter into grad.
func (n *Net) Run(grad *mlp.Net) (float64, error) {
	if err := n.m.Forward(); err != nil {
		return 0, fmt.Errorf("gg: %w", err)
	}
	if err := n.m.Backward(n.MLP.gradSlices(grad), nil); err != nil {
		return 0, fmt.Errorf("gg: %w", err)
	}
	return n.Head.Loss(), nil
}

// Close releases the machines' resources.
func (n *Net) Close() error { return n.m.Close() }
