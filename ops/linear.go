package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vecof"
)

// linearLogLik is the linear decoder's likelihood straight from its codes
// and parameters (LinearLogLik), for parameters of type T. The head
// computes in float64: a float32 operation widens its parameters and codes
// (exactly) and rounds its gradients to float32 once.
type linearLogLik[T Float] struct {
	base
	fixedShape
	h        *decoder.LinearLogLik
	in, outs int
	l        mlp.Layer // the parameters of the last run, float64
	val      gorgonia.F64
	held     bool
	gw, gb   out[T]

	// A float32 operation's float64 copies: the parameters and codes, and
	// the gradients before they are rounded.
	wide       mlp.Layer
	z          []float64
	gw64, gb64 []float64
}

// LinearLogLik returns the scalar node −Σ_r h.Weights[r]·LL[r] of a linear
// decoder, η = z·W + b, and the likelihood head on η, in one operation
// that never forms η: LL[r] = log p(x_b|η_r) for the rows×In codes z (0s
// and 1s: a run with any other value fails), W (In×Out) and b (Out), all
// of one dtype, float64 or float32, for the documents of the last h.Reset,
// written into h.LL by every run (decoder.LinearLogLik: the log-normaliser
// from tables of exponentials, the words' term from K + 1 sums a
// document). It is LogLik(BinaryAffine(z, W, b), …) up to rounding, with
// the same constants: set h.Weights between a Machine's Forward and
// Backward. The gradients with respect to W and b are h.Grad's, written
// whole (every row of W's); z is not differentiated. The head computes in
// float64 whatever the dtype: float32 parameters and codes are widened
// (exactly) at each run and the gradients rounded to float32 once, so a
// float32 network's likelihood is that of its float32 weights to float64
// precision.
func LinearLogLik(z, w, b *gorgonia.Node, h *decoder.LinearLogLik) (*gorgonia.Node, error) {
	in, outs, dt, err := checkParams("LinearLogLik", w, b)
	if err != nil {
		return nil, err
	}
	if z.Dtype() != dt || z.Dims() != 2 || z.Shape()[1] != in {
		return nil, fmt.Errorf("ops: LinearLogLik needs a %v matrix of codes of %d columns for its %v parameters, got %v %v codes", dt, in, dt, z.Dtype(), z.Shape())
	}
	if h == nil {
		return nil, fmt.Errorf("ops: LinearLogLik needs a head")
	}
	if dt == tensor.Float32 {
		return newLinearLogLik[float32](z, w, b, h, in, outs)
	}
	return newLinearLogLik[float64](z, w, b, h, in, outs)
}

func newLinearLogLik[T Float](z, w, b *gorgonia.Node, h *decoder.LinearLogLik, in, outs int) (*gorgonia.Node, error) {
	op := &linearLogLik[T]{h: h, in: in, outs: outs, fixedShape: fixedShape{}}
	op.named(op, "LinearLogLik")
	return gorgonia.ApplyOp(op, z, w, b)
}

func (op *linearLogLik[T]) Arity() int { return 3 }
func (op *linearLogLik[T]) Type() hm.Type {
	return fnType(matOf[T](), matOf[T](), vecOf[T](), tensor.Float64)
}
func (op *linearLogLik[T]) hold(h bool) { op.held = h }

func (op *linearLogLik[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if op.held {
		op.val = gorgonia.F64(op.h.Weighted())
		return &op.val, nil
	}
	zt, err := vals[T](vs[0], "codes")
	if err != nil {
		return nil, err
	}
	lt, err := layer[T](vs[1], vs[2], op.in, op.outs)
	if err != nil {
		return nil, err
	}
	l, z := op.widened(lt, zt)
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

// widened returns the layer and codes as float64: themselves for a
// float64 operation, else copies in op.wide and op.z.
func (op *linearLogLik[T]) widened(lt mlp.LayerOf[T], zt []T) (mlp.Layer, []float64) {
	if l, ok := any(lt).(mlp.Layer); ok {
		return l, any(zt).([]float64)
	}
	op.wide.In, op.wide.Out = lt.In, lt.Out
	op.wide.W = scratch.Grow(op.wide.W, len(lt.W))
	op.wide.B = scratch.Grow(op.wide.B, len(lt.B))
	op.z = scratch.Grow(op.z, len(zt))
	vecof.Convert(op.wide.W, lt.W)
	vecof.Convert(op.wide.B, lt.B)
	vecof.Convert(op.z, zt)
	return op.wide, op.z
}

func (op *linearLogLik[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.Do(vs...)
}

func (op *linearLogLik[T]) DiffWRT(int) []bool { return []bool{false, true, true} }

// SymDiff's weight gradient reads the operation's own output, so that it
// runs after it in every order of the graph; the bias gradient, computed
// beside it, reads the weight gradient.
func (op *linearLogLik[T]) SymDiff(_ gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	wg := &linearGrad[T]{f: op}
	wg.named(wg, "LinearLogLikWeightGrad")
	dw, err := gorgonia.ApplyOp(wg, output, grad)
	if err != nil {
		return nil, err
	}
	bg := &linearGrad[T]{f: op, bias: true}
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
type linearGrad[T Float] struct {
	gradOp
	f    *linearLogLik[T]
	bias bool
}

func (g *linearGrad[T]) Arity() int {
	if g.bias {
		return 1
	}
	return 2
}
func (g *linearGrad[T]) Type() hm.Type {
	if g.bias {
		return fnType(matOf[T](), vecOf[T]())
	}
	return fnType(tensor.Float64, tensor.Float64, matOf[T]())
}
func (g *linearGrad[T]) shape() []int {
	if g.bias {
		return []int{g.f.outs}
	}
	return []int{g.f.in, g.f.outs}
}
func (g *linearGrad[T]) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(g.shape()), nil
}
func (g *linearGrad[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
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
	gw, gb := f.gw.data(), f.gb.data()
	if gw64, ok := any(gw).([]float64); ok {
		f.h.Grad(gw64, any(gb).([]float64), f.l, up)
		return f.gw.t, nil
	}
	f.gw64 = scratch.Grow(f.gw64, len(gw))
	f.gb64 = scratch.Grow(f.gb64, len(gb))
	f.h.Grad(f.gw64, f.gb64, f.l, up)
	vecof.Convert(gw, f.gw64) // rounded once
	vecof.Convert(gb, f.gb64)
	return f.gw.t, nil
}
func (g *linearGrad[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}

// bind makes the gradient be written into dst. The weight gradient is
// written whole, so t, where given, lists every row.
func (g *linearGrad[T]) bind(anyDst any, t *mlp.Touched) bool {
	dst, ok := anyDst.([]T)
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
