package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/internal/mlp"
)

// linearLogLik is the linear decoder's likelihood straight from its codes
// and parameters (LinearLogLik).
type linearLogLik struct {
	base
	fixedShape
	h        *decoder.LinearLogLik
	in, outs int
	l        mlp.Layer // the parameters of the last run
	val      gorgonia.F64
	held     bool
	gw, gb   out[float64]
}

// LinearLogLik returns the scalar node −Σ_r h.Weights[r]·LL[r] of a linear
// decoder, η = z·W + b, and the likelihood head on η, in one operation
// that never forms η: LL[r] = log p(x_b|η_r) for the rows×In codes z (0s
// and 1s: a run with any other value fails), W (In×Out) and b (Out), all
// float64, for the documents of the last h.Reset, written into h.LL by
// every run (decoder.LinearLogLik: the log-normaliser from tables of
// exponentials, the words' term from K + 1 sums a document). It is
// LogLik(BinaryAffine(z, W, b), …) up to rounding, with the same
// constants: set h.Weights between a Machine's Forward and Backward. The
// gradients with respect to W and b are h.Grad's, written whole (every
// row of W's); z is not differentiated.
func LinearLogLik(z, w, b *gorgonia.Node, h *decoder.LinearLogLik) (*gorgonia.Node, error) {
	in, outs, dt, err := checkParams("LinearLogLik", w, b)
	if err != nil {
		return nil, err
	}
	if dt != tensor.Float64 || z.Dtype() != dt || z.Dims() != 2 || z.Shape()[1] != in {
		return nil, fmt.Errorf("ops: LinearLogLik needs float64 parameters and a float64 matrix of codes of %d columns, got %v parameters and %v %v codes", in, dt, z.Dtype(), z.Shape())
	}
	if h == nil {
		return nil, fmt.Errorf("ops: LinearLogLik needs a head")
	}
	op := &linearLogLik{h: h, in: in, outs: outs, fixedShape: fixedShape{}}
	op.named(op, "LinearLogLik")
	return gorgonia.ApplyOp(op, z, w, b)
}

func (op *linearLogLik) Arity() int { return 3 }
func (op *linearLogLik) Type() hm.Type {
	return fnType(matOf[float64](), matOf[float64](), vecOf[float64](), tensor.Float64)
}
func (op *linearLogLik) hold(h bool) { op.held = h }

func (op *linearLogLik) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if op.held {
		op.val = gorgonia.F64(op.h.Weighted())
		return &op.val, nil
	}
	z, err := vals[float64](vs[0], "codes")
	if err != nil {
		return nil, err
	}
	l, err := layer[float64](vs[1], vs[2], op.in, op.outs)
	if err != nil {
		return nil, err
	}
	if len(z) != len(op.h.LL)*op.in {
		return nil, fmt.Errorf("ops: LinearLogLik: %d codes of %d for %d rows: call Reset with the graph's rows", len(z), op.in, len(op.h.LL))
	}
	loss, ok := op.h.Loss(l, z)
	if !ok {
		return nil, fmt.Errorf("ops: LinearLogLik: a code other than 0 and 1")
	}
	op.l = l
	op.val = gorgonia.F64(loss)
	return &op.val, nil
}

func (op *linearLogLik) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.Do(vs...)
}

func (op *linearLogLik) DiffWRT(int) []bool { return []bool{false, true, true} }

// SymDiff's weight gradient reads the operation's own output, so that it
// runs after it in every order of the graph; the bias gradient, computed
// beside it, reads the weight gradient.
func (op *linearLogLik) SymDiff(_ gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	wg := &linearGrad{f: op}
	wg.named(wg, "LinearLogLikWeightGrad")
	dw, err := gorgonia.ApplyOp(wg, output, grad)
	if err != nil {
		return nil, err
	}
	bg := &linearGrad{f: op, bias: true}
	bg.named(bg, "LinearLogLikBiasGrad")
	db, err := gorgonia.ApplyOp(bg, dw)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{nil, dw, db}, nil
}

// linearGrad is a linearLogLik's weight gradient (from its output and the
// upstream scalar; it computes the bias gradient too) or its bias
// gradient (from the weight gradient).
type linearGrad struct {
	gradOp
	f    *linearLogLik
	bias bool
}

func (g *linearGrad) Arity() int {
	if g.bias {
		return 1
	}
	return 2
}
func (g *linearGrad) Type() hm.Type {
	if g.bias {
		return fnType(matOf[float64](), vecOf[float64]())
	}
	return fnType(tensor.Float64, tensor.Float64, matOf[float64]())
}
func (g *linearGrad) shape() []int {
	if g.bias {
		return []int{g.f.outs}
	}
	return []int{g.f.in, g.f.outs}
}
func (g *linearGrad) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(g.shape()), nil
}
func (g *linearGrad) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	f := g.f
	if g.bias {
		return f.gb.t, nil
	}
	up, err := scalar(vs[1], "upstream gradient")
	if err != nil {
		return nil, err
	}
	if f.gw.t == nil {
		f.gw.get(f.in, f.outs)
	}
	if f.gb.t == nil {
		f.gb.get(f.outs)
	}
	f.h.Grad(f.gw.data(), f.gb.data(), f.l, up)
	return f.gw.t, nil
}
func (g *linearGrad) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}

// bind makes the gradient be written into dst. The weight gradient is
// written whole, so t, where given, lists every row.
func (g *linearGrad) bind(anyDst any, t *mlp.Touched) bool {
	dst, ok := anyDst.([]float64)
	if !ok {
		return false
	}
	o := &g.f.gw
	if g.bias {
		o = &g.f.gb
	} else if t != nil {
		t.Rows = t.Rows[:0]
		for j := range g.f.in {
			t.Rows = append(t.Rows, j)
		}
	}
	if o.t == nil || &o.data()[0] != &dst[0] {
		o.into(dst, g.shape()...)
	}
	return true
}
