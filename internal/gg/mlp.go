package gg

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/internal/mlp"
)

// MLP is the graph of an mlp.Net.
type MLP struct {
	Params []*gorgonia.Node // parameter nodes
	Out    *gorgonia.Node   // rows×Out

	// param[i] is the node of a layer's W, of its B, or, for an augmented
	// first layer, of both as one (In+1)×Out matrix; grad says where in a
	// gradient network its gradient goes.
	grad []func(*mlp.Net) []float64
}

// BuildMLP adds the graph of net applied to x to g. The parameter nodes'
// values alias net's storage, so updating the net's parameters in place
// updates the graph.
//
// When augmented is set, x is rows×(In+1) with ones in its last column and
// the first layer is computed as one product x·[W; B], without broadcasting
// the bias to every row (which costs a rows×Out temporary). It then
// needs the first layer's storage to be Augmented.
func BuildMLP(g *gorgonia.ExprGraph, net *mlp.Net, x *gorgonia.Node, augmented bool, name string) (*MLP, error) {
	m := &MLP{}
	h := x
	for i, l := range net.Layers {
		var err error
		if i == 0 && augmented {
			wb := l.Augmented()
			if wb == nil {
				return nil, fmt.Errorf("gg: %s: the first layer's weights and biases are not stored together", name)
			}
			w := m.param(g, fmt.Sprintf("%s.Wb%d", name, i), l.In+1, l.Out, wb, func(n *mlp.Net) []float64 { return n.Layers[0].Augmented() })
			if h, err = gorgonia.Mul(h, w); err != nil {
				return nil, fmt.Errorf("gg: %s layer %d: %w", name, i, err)
			}
		} else {
			i := i
			w := m.param(g, fmt.Sprintf("%s.W%d", name, i), l.In, l.Out, l.W, func(n *mlp.Net) []float64 { return n.Layers[i].W })
			b := m.param(g, fmt.Sprintf("%s.b%d", name, i), 1, l.Out, l.B, func(n *mlp.Net) []float64 { return n.Layers[i].B })
			xw, err := gorgonia.Mul(h, w)
			if err != nil {
				return nil, fmt.Errorf("gg: %s layer %d: %w", name, i, err)
			}
			if h, err = gorgonia.BroadcastAdd(xw, b, nil, []byte{0}); err != nil {
				return nil, fmt.Errorf("gg: %s layer %d bias: %w", name, i, err)
			}
		}
		if i == len(net.Layers)-1 {
			break
		}
		if h, err = activate(h, net.Act); err != nil {
			return nil, fmt.Errorf("gg: %s layer %d: %w", name, i, err)
		}
	}
	m.Out = h
	return m, nil
}

func (m *MLP) param(g *gorgonia.ExprGraph, name string, rows, cols int, data []float64, grad func(*mlp.Net) []float64) *gorgonia.Node {
	n := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(rows, cols), gorgonia.WithName(name),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(data))))
	m.Params = append(m.Params, n)
	m.grad = append(m.grad, grad)
	return n
}

func activate(x *gorgonia.Node, a mlp.Activation) (*gorgonia.Node, error) {
	switch a {
	case mlp.Identity:
		return x, nil
	case mlp.Tanh:
		return gorgonia.Tanh(x)
	case mlp.ReLU:
		return gorgonia.Rectify(x)
	case mlp.Sigmoid:
		return gorgonia.Sigmoid(x)
	case mlp.Softplus:
		return gorgonia.Softplus(x)
	}
	return nil, fmt.Errorf("activation %v has no graph form", a)
}

// gradSlices returns, for each parameter node, the slice of grad where its
// gradient goes.
func (m *MLP) gradSlices(grad *mlp.Net) [][]float64 {
	out := make([][]float64, len(m.grad))
	for i, f := range m.grad {
		out[i] = f(grad)
	}
	return out
}
