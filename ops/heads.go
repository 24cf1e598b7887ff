package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vecof"
)

// head is a scalar loss of a matrix whose gradient is computed by plain,
// tested code: the decoder's likelihood or the encoder's surrogate.
//
// The input, and so the gradient, has the network's element type T; the
// loss is a float64 scalar whatever T is.
type head[T Float] struct {
	base
	fixedShape
	val  gorgonia.F64
	held bool
	// forward computes the loss; with held, the expensive part was done
	// by the previous run.
	forward func(x []T, held bool) (float64, error)
	grad    func(dst, x []T)
	// gradInPlace, when set instead of grad, writes the gradient into a
	// buffer of the head's own and returns it.
	gradInPlace func() []T
	// canOverwrite says that forward can keep its work in x itself
	// instead of a buffer of its own, and does with inPlace, which a
	// Machine sets where nothing else reads x.
	canOverwrite, inPlace bool
}

// LogLik returns the scalar node −Σ_r h.Weights[r]·LL[r], the decoder's
// likelihood head over the logits eta (R×V, R = B·S rows, as h.Reset
// set them): LL[r] = log p(x_b|η_r) through a stable log-softmax, written
// into h.LL by every run. The weights are constants: set them between a
// Machine's Forward and Backward (an estimator computes them from h.LL).
// The gradient with respect to eta is h.Grad's. Where only the head reads
// eta, and eta is held from Forward to Backward (an output of this
// package's operations), a Machine lets the head keep its exponentials and
// then the gradient in eta's value (h.LossInPlace): after Forward that
// value no longer holds the logits.
//
// eta's dtype is h's element type: float32 logits give a float32 gradient,
// with the sums in float64 (see decoder.LogLikOf).
func LogLik[T Float](eta *gorgonia.Node, h *decoder.LogLikOf[T]) (*gorgonia.Node, error) {
	if eta.Dtype() != dtypeOf[T]() || eta.Dims() != 2 || eta.Shape()[1] != h.V {
		return nil, fmt.Errorf("ops: LogLik needs a %v matrix of V=%d columns, got %v %v", dtypeOf[T](), h.V, eta.Dtype(), eta.Shape())
	}
	op := &head[T]{fixedShape: fixedShape{}}
	op.forward = func(x []T, held bool) (float64, error) {
		if len(x) != len(h.LL)*h.V {
			return 0, fmt.Errorf("ops: LogLik: %d logits for %d rows of %d: call Reset with the graph's rows", len(x), len(h.LL), h.V)
		}
		switch {
		case held:
			return h.Weighted(), nil
		case op.inPlace:
			return h.LossInPlace(x), nil
		}
		return h.Loss(x), nil
	}
	op.canOverwrite = true
	op.gradInPlace = h.GradInPlace
	op.named(op, "LogLik")
	return gorgonia.ApplyOp(op, eta)
}

// Surrogate returns the scalar node s.Loss(a), the encoder's score-function
// surrogate over its logits a (B×K): its gradient with respect to a is the
// score-function estimate of −∇ELBO for the advantages of the last s.Set,
// constants to the graph (set them between a Machine's Forward and
// Backward).
//
// For float32 logits the head widens them (B×K values) and computes the
// loss and the gradient in float64, rounding the gradient once.
func Surrogate(a *gorgonia.Node, s *encoder.Surrogate) (*gorgonia.Node, error) {
	if !isFloat(a.Dtype()) || a.Dims() != 2 || a.Shape()[1] != s.K {
		return nil, fmt.Errorf("ops: Surrogate needs a float64 or float32 matrix of K=%d columns, got %v %v", s.K, a.Dtype(), a.Shape())
	}
	check := func(n int) error {
		if n != len(s.ASum)*s.K {
			return fmt.Errorf("ops: Surrogate: %d logits for %d rows of %d: call Set first", n, len(s.ASum), s.K)
		}
		return nil
	}
	if a.Dtype() == tensor.Float64 {
		op := &head[float64]{fixedShape: fixedShape{}}
		op.forward = func(x []float64, _ bool) (float64, error) {
			if err := check(len(x)); err != nil {
				return 0, err
			}
			return s.Loss(x), nil
		}
		op.grad = s.Grad
		op.named(op, "Surrogate")
		return gorgonia.ApplyOp(op, a)
	}
	op := &head[float32]{fixedShape: fixedShape{}}
	var wide, g []float64
	op.forward = func(x []float32, _ bool) (float64, error) {
		if err := check(len(x)); err != nil {
			return 0, err
		}
		wide = scratch.Grow(wide, len(x))
		vecof.Convert(wide, x)
		return s.Loss(wide), nil
	}
	op.grad = func(dst, x []float32) {
		wide = scratch.Grow(wide, len(x))
		vecof.Convert(wide, x)
		g = scratch.Grow(g, len(x))
		s.Grad(g, wide)
		vecof.Convert(dst, g)
	}
	op.named(op, "Surrogate")
	return gorgonia.ApplyOp(op, a)
}

func (op *head[T]) Arity() int    { return 1 }
func (op *head[T]) Type() hm.Type { return fnType(matOf[T](), tensor.Float64) }
func (op *head[T]) hold(h bool)   { op.held = h }

func (op *head[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := vals[T](vs[0], op.name+" input")
	if err != nil {
		return nil, err
	}
	l, err := op.forward(x, op.held)
	if err != nil {
		return nil, err
	}
	op.val = gorgonia.F64(l)
	return &op.val, nil
}

// overwriteInput makes the head keep its work in its input's value.
func (op *head[T]) overwriteInput() { op.inPlace = op.canOverwrite }

// overwritable reports whether the head can keep its work in its input.
func (op *head[T]) overwritable() bool { return op.canOverwrite }

func (op *head[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.Do(vs...)
}

func (op *head[T]) DiffWRT(int) []bool { return []bool{true} }

// SymDiff's gradient also reads the head's own output, so that it runs
// after the head in every order of the graph.
func (op *head[T]) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g := &headGrad[T]{f: op}
	g.named(g, op.name+"Grad")
	d, err := gorgonia.ApplyOp(g, inputs[0], output, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{d}, nil
}

// headGrad is upstream·∂loss/∂x from x, the loss and the upstream scalar.
type headGrad[T Float] struct {
	gradOp
	f   *head[T]
	res out[T]
}

// of returns the head whose gradient g is.
func (g *headGrad[T]) of() any { return g.f }

func (g *headGrad[T]) Arity() int { return 3 }
func (g *headGrad[T]) Type() hm.Type {
	return fnType(matOf[T](), tensor.Float64, tensor.Float64, matOf[T]())
}
func (g *headGrad[T]) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("ops: %s: input shape %v", g.name, in[0])
	}
	return s.Clone(), nil
}
func (g *headGrad[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := vals[T](vs[0], "input")
	if err != nil {
		return nil, err
	}
	up, err := scalar(vs[2], "upstream gradient")
	if err != nil {
		return nil, err
	}
	var d []T
	if g.f.gradInPlace != nil {
		d = g.f.gradInPlace()
		if len(d) != len(x) {
			return nil, fmt.Errorf("ops: %s: %d gradient values for %d inputs", g.name, len(d), len(x))
		}
		if g.res.t == nil || &g.res.data()[0] != &d[0] {
			g.res.into(d, vs[0].Shape().Clone()...)
		}
	} else {
		g.res.get(vs[0].Shape().Clone()...)
		d = g.res.data()
		g.f.grad(d, x)
	}
	if up != 1 {
		for i := range d {
			d[i] *= T(up)
		}
	}
	return g.res.t, nil
}
func (g *headGrad[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}
