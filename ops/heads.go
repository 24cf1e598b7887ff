package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
)

// head is a scalar loss of a matrix whose gradient is computed by plain,
// tested code: the decoder's likelihood or the encoder's surrogate.
type head struct {
	base
	fixedShape
	val  gorgonia.F64
	held bool
	// forward computes the loss; with held, the expensive part was done
	// by the previous run.
	forward func(x []float64, held bool) (float64, error)
	grad    func(dst, x []float64)
	// gradInPlace, when set instead of grad, writes the gradient into a
	// buffer of the head's own and returns it.
	gradInPlace func() []float64
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
func LogLik(eta *gorgonia.Node, h *decoder.LogLik) (*gorgonia.Node, error) {
	if eta.Dtype() != tensor.Float64 || eta.Dims() != 2 || eta.Shape()[1] != h.V {
		return nil, fmt.Errorf("ops: LogLik needs a float64 matrix of V=%d columns, got %v %v", h.V, eta.Dtype(), eta.Shape())
	}
	op := &head{fixedShape: fixedShape{}}
	op.forward = func(x []float64, held bool) (float64, error) {
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
func Surrogate(a *gorgonia.Node, s *encoder.Surrogate) (*gorgonia.Node, error) {
	if a.Dtype() != tensor.Float64 || a.Dims() != 2 || a.Shape()[1] != s.K {
		return nil, fmt.Errorf("ops: Surrogate needs a float64 matrix of K=%d columns, got %v %v", s.K, a.Dtype(), a.Shape())
	}
	op := &head{fixedShape: fixedShape{}}
	op.forward = func(x []float64, _ bool) (float64, error) {
		if len(x) != len(s.ASum)*s.K {
			return 0, fmt.Errorf("ops: Surrogate: %d logits for %d rows of %d: call Set first", len(x), len(s.ASum), s.K)
		}
		return s.Loss(x), nil
	}
	op.grad = s.Grad
	op.named(op, "Surrogate")
	return gorgonia.ApplyOp(op, a)
}

func (op *head) Arity() int    { return 1 }
func (op *head) Type() hm.Type { return fnType(matType, tensor.Float64) }
func (op *head) hold(h bool)   { op.held = h }

func (op *head) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := f64s(vs[0], op.name+" input")
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
func (op *head) overwriteInput() { op.inPlace = op.canOverwrite }

func (op *head) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.Do(vs...)
}

func (op *head) DiffWRT(int) []bool { return []bool{true} }

// SymDiff's gradient also reads the head's own output, so that it runs
// after the head in every order of the graph.
func (op *head) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	g := &headGrad{f: op}
	g.named(g, op.name+"Grad")
	d, err := gorgonia.ApplyOp(g, inputs[0], output, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{d}, nil
}

// headGrad is upstream·∂loss/∂x from x, the loss and the upstream scalar.
type headGrad struct {
	gradOp
	f   *head
	res out
}

func (g *headGrad) Arity() int    { return 3 }
func (g *headGrad) Type() hm.Type { return fnType(matType, tensor.Float64, tensor.Float64, matType) }
func (g *headGrad) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("ops: %s: input shape %v", g.name, in[0])
	}
	return s.Clone(), nil
}
func (g *headGrad) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := f64s(vs[0], "input")
	if err != nil {
		return nil, err
	}
	up, err := scalar(vs[2], "upstream gradient")
	if err != nil {
		return nil, err
	}
	var d []float64
	if g.f.gradInPlace != nil {
		d = g.f.gradInPlace()
		if len(d) != len(x) {
			return nil, fmt.Errorf("ops: %s: %d gradient values for %d inputs", g.name, len(d), len(x))
		}
		if g.res.t == nil || &g.res.data()[0] != &d[0] {
			g.res.into(d, vs[0].Shape().Clone()...)
		}
	} else {
		d = g.res.get(vs[0].Shape().Clone()...).Data().([]float64)
		g.f.grad(d, x)
	}
	if up != 1 {
		for i := range d {
			d[i] *= up
		}
	}
	return g.res.t, nil
}
func (g *headGrad) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}
