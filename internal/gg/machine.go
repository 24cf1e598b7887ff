package gg

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/internal/mlp"
)

// Net is the training graph of one network: a constant input matrix that the
// caller fills, the network, a head on its output, the symbolic gradient of
// the head's loss with respect to the parameters, and a tape machine compiled
// over only what that gradient needs (whole-graph compilation would also
// differentiate with respect to the input).
//
// A Net must not be used by two goroutines at once; build one per goroutine.
type Net struct {
	Input []float64 // rows×In: fill it before Run
	Head  HeadNode
	MLP   *MLP

	g  *gorgonia.ExprGraph
	vm gorgonia.VM
}

// NewNet builds the graph of net over a rows×net.In() input, with head h on
// its output.
func NewNet(net *mlp.Net, rows int, h Head, name string) (*Net, error) {
	g := gorgonia.NewGraph()
	n := &Net{g: g, Input: make([]float64, rows*net.In())}
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(rows, net.In()), gorgonia.WithName(name+".input"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, net.In()), tensor.WithBacking(n.Input))))
	var err error
	if n.MLP, err = BuildMLP(g, net, x, name); err != nil {
		return nil, err
	}
	if n.Head, err = ApplyHead(n.MLP.Out, h, name); err != nil {
		return nil, err
	}
	grads, err := gorgonia.Grad(n.Head.Node, n.MLP.Params...)
	if err != nil {
		return nil, fmt.Errorf("gg: %s: gradient: %w", name, err)
	}
	roots := append(gorgonia.Nodes{n.Head.Node}, grads...)
	n.vm = gorgonia.NewTapeMachine(g.SubgraphRoots(roots...))
	return n, nil
}

// Run computes the head's loss and writes its gradient with respect to every
// parameter into grad.
func (n *Net) Run(grad *mlp.Net) (float64, error) {
	defer n.vm.Reset()
	if err := n.vm.RunAll(); err != nil {
		return 0, fmt.Errorf("gg: run: %w", err)
	}
	if err := n.MLP.CopyGrads(grad); err != nil {
		return 0, err
	}
	return n.Head.Loss(), nil
}

// Close releases the machine's resources.
func (n *Net) Close() error { return n.vm.Close() }
