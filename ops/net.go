package ops

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/internal/mlp"
)

// ParamNodes adds net's parameters to g as nodes whose values alias the
// network's storage, W as an In×Out matrix and B as a vector, in the order
// of the network's Params, named "name.layers.i.weight" and
// "name.layers.i.bias"; updating the network in place updates the graph.
func ParamNodes[T Float](g *gorgonia.ExprGraph, net *mlp.NetOf[T], name string) gorgonia.Nodes {
	var ps gorgonia.Nodes
	dt := dtypeOf[T]()
	for i, l := range net.Layers {
		ps = append(ps,
			gorgonia.NewMatrix(g, dt, gorgonia.WithShape(l.In, l.Out), gorgonia.WithName(fmt.Sprintf("%s.layers.%d.weight", name, i)),
				gorgonia.WithValue(tensor.New(tensor.WithShape(l.In, l.Out), tensor.WithBacking(l.W)))),
			gorgonia.NewVector(g, dt, gorgonia.WithShape(l.Out), gorgonia.WithName(fmt.Sprintf("%s.layers.%d.bias", name, i)),
				gorgonia.WithValue(tensor.New(tensor.WithShape(l.Out), tensor.WithBacking(l.B)))))
	}
	return ps
}

// MLP returns the graph of net over ps (from ParamNodes) with first as its
// first layer (a SparseAffine over words or a BinaryAffine over codes):
// activations and dense affine layers after it, the output layer linear.
func MLP[T Float](net *mlp.NetOf[T], ps gorgonia.Nodes, first func(w, b *gorgonia.Node) (*gorgonia.Node, error)) (*gorgonia.Node, error) {
	h, err := first(ps[0], ps[1])
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(net.Layers); i++ {
		if h, err = Activate(h, net.Act); err != nil {
			return nil, err
		}
		if h, err = Affine(h, ps[2*i], ps[2*i+1]); err != nil {
			return nil, err
		}
	}
	return h, nil
}
