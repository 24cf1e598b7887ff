package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// activate is act(x), elementwise.
type activate struct {
	base
	fixedShape
	act  Activation
	res  out
	held bool
}

// Activate returns the node act(x), elementwise, for a float64 matrix x,
// on amvi's kernels (tanh in AVX2/AVX-512, within 1 ulp of math.Tanh).
// It panics if act is not one of the activations.
func Activate(x *gorgonia.Node, act Activation) (*gorgonia.Node, error) {
	if _, err := act.MarshalText(); err != nil {
		panic(fmt.Sprintf("ops: %v", err))
	}
	if x.Dtype() != tensor.Float64 || x.Dims() != 2 {
		return nil, fmt.Errorf("ops: Activate needs a float64 matrix, got %v %v", x.Dtype(), x.Shape())
	}
	op := &activate{act: act, fixedShape: fixedShape(x.Shape().Clone())}
	op.named(op, "Activate("+act.String()+")")
	return gorgonia.ApplyOp(op, x)
}

func (op *activate) Arity() int    { return 1 }
func (op *activate) Type() hm.Type { return fnType(matType, matType) }
func (op *activate) hold(h bool)   { op.held = h }

func (op *activate) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if op.held {
		return op.res.t, nil
	}
	x, err := f64s(vs[0], "input")
	if err != nil {
		return nil, err
	}
	y := op.res.get(op.fixedShape...).Data().([]float64)
	if len(x) != len(y) {
		return nil, fmt.Errorf("ops: %s: %d inputs for %v", op.name, len(x), op.fixedShape)
	}
	op.act.Apply(y, x)
	return op.res.t, nil
}

func (op *activate) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.Do(vs...)
}

func (op *activate) DiffWRT(int) []bool { return []bool{true} }

func (op *activate) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g := &activateGrad{f: op}
	g.named(g, op.name+"Grad")
	d, err := gorgonia.ApplyOp(g, inputs[0], output, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{d}, nil
}

// activateGrad is d ⊙ act'(x), from x, act(x) and the upstream d.
type activateGrad struct {
	gradOp
	f   *activate
	res out
}

func (g *activateGrad) Arity() int    { return 3 }
func (g *activateGrad) Type() hm.Type { return fnType(matType, matType, matType, matType) }
func (g *activateGrad) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(g.f.fixedShape).Clone(), nil
}
func (g *activateGrad) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	var in [3][]float64
	for i, what := range []string{"input", "output", "upstream gradient"} {
		var err error
		if in[i], err = f64s(vs[i], what); err != nil {
			return nil, err
		}
	}
	d := g.res.get(g.f.fixedShape...).Data().([]float64)
	copy(d, in[2])
	g.f.act.Grad(d, in[0], in[1])
	return g.res.t, nil
}
func (g *activateGrad) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}
