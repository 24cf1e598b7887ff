package gg

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/internal/mlp"
)

// MLP is the graph of an mlp.Net.
type MLP struct {
	Params []*gorgonia.Node // W0, B0, W1, B1, … in the order of mlp.Net.Params
	Out    *gorgonia.Node   // rows×Out
}

// BuildMLP adds the graph of net applied to x (a rows×In float64 matrix) to
// g. The parameter nodes' values alias net's storage, so updating the net's
// parameters in place updates the graph.
func BuildMLP(g *gorgonia.ExprGraph, net *mlp.Net, x *gorgonia.Node, name string) (*MLP, error) {
	m := &MLP{}
	h := x
	for i, l := range net.Layers {
		w := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(l.In, l.Out),
			gorgonia.WithName(fmt.Sprintf("%s.W%d", name, i)),
			gorgonia.WithValue(tensor.New(tensor.WithShape(l.In, l.Out), tensor.WithBacking(l.W))))
		b := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(1, l.Out),
			gorgonia.WithName(fmt.Sprintf("%s.b%d", name, i)),
			gorgonia.WithValue(tensor.New(tensor.WithShape(1, l.Out), tensor.WithBacking(l.B))))
		m.Params = append(m.Params, w, b)
		xw, err := gorgonia.Mul(h, w)
		if err != nil {
			return nil, fmt.Errorf("gg: %s layer %d: %w", name, i, err)
		}
		if h, err = gorgonia.BroadcastAdd(xw, b, nil, []byte{0}); err != nil {
			return nil, fmt.Errorf("gg: %s layer %d bias: %w", name, i, err)
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

// CopyGrads copies the gradients of the parameter nodes, after a run of a
// machine that computed them, into grad's parameters (same order).
func (m *MLP) CopyGrads(grad *mlp.Net) error {
	for i, p := range grad.Params() {
		gv, err := m.Params[i].Grad()
		if err != nil {
			return fmt.Errorf("gg: gradient of %s: %w", m.Params[i].Name(), err)
		}
		src, ok := gv.Data().([]float64)
		if !ok || len(src) != len(p) {
			return fmt.Errorf("gg: gradient of %s has %T of the wrong size", m.Params[i].Name(), gv.Data())
		}
		copy(p, src)
	}
	return nil
}
