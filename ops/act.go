package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/internal/mlp"
)

// activate is act(x), elementwise.
type activate[T Float] struct {
	base
	fixedShape
	act  Activation
	res  out[T]
	held bool
}

// Activate returns the node act(x), elementwise, for a float64 or float32
// matrix x, on amvi's kernels (tanh in AVX2/AVX-512, within 1 ulp of
// math.Tanh; vec.Tanh32 for float32). It panics if act is not one of the
// activations.
func Activate(x *gorgonia.Node, act Activation) (*gorgonia.Node, error) {
	if _, err := act.MarshalText(); err != nil {
		panic(fmt.Sprintf("ops: %v", err))
	}
	if !isFloat(x.Dtype()) || x.Dims() != 2 {
		return nil, fmt.Errorf("ops: Activate needs a float64 or float32 matrix, got %v %v", x.Dtype(), x.Shape())
	}
	if x.Dtype() == tensor.Float32 {
		return newActivate[float32](x, act)
	}
	return newActivate[float64](x, act)
}

func newActivate[T Float](x *gorgonia.Node, act Activation) (*gorgonia.Node, error) {
	op := &activate[T]{act: act, fixedShape: fixedShape(x.Shape().Clone())}
	op.named(op, "Activate("+act.String()+")")
	return gorgonia.ApplyOp(op, x)
}

func (op *activate[T]) Arity() int    { return 1 }
func (op *activate[T]) Type() hm.Type { return fnType(matOf[T](), matOf[T]()) }
func (op *activate[T]) hold(h bool)   { op.held = h }

func (op *activate[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if op.held {
		return op.res.t, nil
	}
	x, err := vals[T](vs[0], "input")
	if err != nil {
		return nil, err
	}
	op.res.get(op.fixedShape...)
	y := op.res.data()
	if len(x) != len(y) {
		return nil, fmt.Errorf("ops: %s: %d inputs for %v", op.name, len(x), op.fixedShape)
	}
	mlp.Apply(op.act, y, x)
	return op.res.t, nil
}

func (op *activate[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.Do(vs...)
}

func (op *activate[T]) DiffWRT(int) []bool { return []bool{true} }

func (op *activate[T]) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g := &activateGrad[T]{f: op}
	g.named(g, op.name+"Grad")
	d, err := gorgonia.ApplyOp(g, inputs[0], output, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{d}, nil
}

// activateGrad is d ⊙ act'(x), from x, act(x) and the upstream d.
type activateGrad[T Float] struct {
	gradOp
	f   *activate[T]
	res out[T]
}

func (g *activateGrad[T]) Arity() int { return 3 }
func (g *activateGrad[T]) Type() hm.Type {
	return fnType(matOf[T](), matOf[T](), matOf[T](), matOf[T]())
}
func (g *activateGrad[T]) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(g.f.fixedShape).Clone(), nil
}
func (g *activateGrad[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	var in [3][]T
	for i, what := range []string{"input", "output", "upstream gradient"} {
		var err error
		if in[i], err = vals[T](vs[i], what); err != nil {
			return nil, err
		}
	}
	g.res.get(g.f.fixedShape...)
	d := g.res.data()
	copy(d, in[2])
	mlp.Grad(g.f.act, d, in[0], in[1])
	return g.res.t, nil
}
func (g *activateGrad[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}
