package ops

import (
	"fmt"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/internal/mlp"
)

// sparseAffine is x·W + b for a sparse x: a bag of words held outside the
// graph (SparseAffine) or binary codes from a node (BinaryAffine).
type sparseAffine[T Float] struct {
	base
	fixedShape
	in, outs, rows int
	binary         bool         // input 0 is a node of codes
	x              *SparseOf[T] // the input of the last run
	codes          SparseOf[T]  // BinaryAffine's input by its ones
	s              mlp.ScratchOf[T]
	res            out[T]
	held           bool

	// Written by the weight gradient, read by the bias gradient.
	gw, gb  out[T]
	own     mlp.Touched  // the rows of gw written, when the caller keeps no list
	touched *mlp.Touched // own, or the caller's list for bound
	bound   []T          // the slice gw aliases, when bound
}

// SparseAffine returns the node x·W + b, rows×Out, for W (In×Out) and b
// (Out), where x is a rows×In matrix given by its nonzeros, such as a
// minibatch's bags of words. The caller fills x before every run; the
// operation reads it during the run. Only the weight rows of x's nonzero
// columns are read, and the weight gradient writes only those rows
// ([Touched] lists them); the gradient with respect to x is not computed.
// W and b have x's element type: a *Sparse for float64 parameters, a
// *SparseOf[float32] for float32 ones.
func SparseAffine[T Float](x *SparseOf[T], rows int, w, b *gorgonia.Node) (*gorgonia.Node, error) {
	in, outs, dt, err := checkParams("SparseAffine", w, b)
	if err != nil {
		return nil, err
	}
	if dt != dtypeOf[T]() {
		return nil, fmt.Errorf("ops: SparseAffine: %v parameters for a %v input", dt, dtypeOf[T]())
	}
	if x == nil || rows < 1 {
		return nil, fmt.Errorf("ops: SparseAffine needs an input and rows ≥ 1")
	}
	op := &sparseAffine[T]{in: in, outs: outs, rows: rows, x: x, fixedShape: fixedShape{rows, outs}}
	op.named(op, "SparseAffine")
	return gorgonia.ApplyOp(op, w, b)
}

// BinaryAffine returns the node z·W + b, rows×Out, for a rows×In node z
// whose entries are 0 or 1 (a minibatch's codes), W (In×Out) and b (Out).
// It adds the weight rows of each row's ones, from 128 rows on through
// tabulated sums of weight rows (a group of 4 inputs at a time); its
// weight gradient writes only the rows of inputs that are 1 somewhere
// ([Touched]). The gradient with respect to z is not computed: codes are
// samples. z, W and b share their dtype.
func BinaryAffine(z, w, b *gorgonia.Node) (*gorgonia.Node, error) {
	in, outs, dt, err := checkParams("BinaryAffine", w, b)
	if err != nil {
		return nil, err
	}
	if z.Dtype() != dt || z.Dims() != 2 || z.Shape()[1] != in {
		return nil, fmt.Errorf("ops: BinaryAffine: codes must be a %v matrix of %d columns, got %v %v", dt, in, z.Dtype(), z.Shape())
	}
	if dt == tensor.Float32 {
		return binaryAffine[float32](z, w, b, in, outs)
	}
	return binaryAffine[float64](z, w, b, in, outs)
}

func binaryAffine[T Float](z, w, b *gorgonia.Node, in, outs int) (*gorgonia.Node, error) {
	rows := z.Shape()[0]
	op := &sparseAffine[T]{in: in, outs: outs, rows: rows, binary: true, fixedShape: fixedShape{rows, outs}}
	op.x = &op.codes
	op.named(op, "BinaryAffine")
	return gorgonia.ApplyOp(op, z, w, b)
}

func (op *sparseAffine[T]) Arity() int {
	if op.binary {
		return 3
	}
	return 2
}

func (op *sparseAffine[T]) Type() hm.Type {
	mat, vec := matOf[T](), vecOf[T]()
	if op.binary {
		return fnType(mat, mat, vec, mat)
	}
	return fnType(mat, vec, mat)
}

func (op *sparseAffine[T]) hold(h bool) { op.held = h }

func (op *sparseAffine[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if op.held {
		return op.res.t, nil
	}
	if op.binary {
		z, err := vals[T](vs[0], "codes")
		if err != nil {
			return nil, err
		}
		op.codes.SetDense(z, op.in)
		vs = vs[1:]
	}
	if op.x.Rows != op.rows || op.x.Cols != op.in {
		return nil, fmt.Errorf("ops: %s: input is %d×%d, the graph's %d×%d", op.name, op.x.Rows, op.x.Cols, op.rows, op.in)
	}
	l, err := layer[T](vs[0], vs[1], op.in, op.outs)
	if err != nil {
		return nil, err
	}
	op.res.get(op.rows, op.outs)
	l.AffineSparse(&op.s, op.res.data(), op.x)
	return op.res.t, nil
}

func (op *sparseAffine[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.Do(vs...)
}

func (op *sparseAffine[T]) DiffWRT(n int) []bool {
	if op.binary {
		return []bool{false, true, true}
	}
	return []bool{true, true}
}

func (op *sparseAffine[T]) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	wg := &sparseWeightGrad[T]{f: op}
	wg.named(wg, op.name+"WeightGrad")
	dw, err := gorgonia.ApplyOp(wg, grad)
	if err != nil {
		return nil, err
	}
	bg := &sparseBiasGrad[T]{f: op}
	bg.named(bg, op.name+"BiasGrad")
	db, err := gorgonia.ApplyOp(bg, dw)
	if err != nil {
		return nil, err
	}
	if op.binary {
		return gorgonia.Nodes{nil, dw, db}, nil
	}
	return gorgonia.Nodes{dw, db}, nil
}

// sparseWeightGrad writes the weight gradient of a sparseAffine in the
// rows its last input touched, and its bias gradient for sparseBiasGrad.
type sparseWeightGrad[T Float] struct {
	gradOp
	f *sparseAffine[T]
}

func (g *sparseWeightGrad[T]) Arity() int    { return 1 }
func (g *sparseWeightGrad[T]) Type() hm.Type { return fnType(matOf[T](), matOf[T]()) }
func (g *sparseWeightGrad[T]) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{g.f.in, g.f.outs}, nil
}
func (g *sparseWeightGrad[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	f := g.f
	d, err := vals[T](vs[0], "upstream gradient")
	if err != nil {
		return nil, err
	}
	if f.gw.t == nil {
		f.gw.get(f.in, f.outs)
		f.touched = &f.own
	}
	l := mlp.LayerOf[T]{In: f.in, Out: f.outs}
	f.gb.get(f.outs)
	l.SparseGrad(&f.s, f.gw.data(), f.gb.data(), d, f.x, f.touched)
	return f.gw.t, nil
}
func (g *sparseWeightGrad[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}

// bind makes the weight gradient be written into dst, whose rows outside
// t.Rows are zero (t is updated as they change). Without t, the operation
// keeps the list itself, and a dst other than the last one is cleared
// first: only then are the rows it does not touch known to be zero.
func (g *sparseWeightGrad[T]) bind(anyDst any, t *mlp.Touched) bool {
	dst, ok := anyDst.([]T)
	if !ok {
		return false
	}
	f := g.f
	same := len(dst) > 0 && len(f.bound) > 0 && &dst[0] == &f.bound[0]
	if t != nil {
		f.touched = t
	} else {
		f.touched = &f.own
		if !same {
			clear(dst)
			f.own.Rows = f.own.Rows[:0]
		}
	}
	if !same {
		f.bound = dst
		f.gw.into(dst, f.in, f.outs)
	}
	return true
}

// rows returns the rows the last run wrote.
func (g *sparseWeightGrad[T]) rows() []int { return g.f.touched.Rows }

// sparseBiasGrad returns the bias gradient its input, the weight gradient,
// computed beside it.
type sparseBiasGrad[T Float] struct {
	gradOp
	f *sparseAffine[T]
}

func (g *sparseBiasGrad[T]) Arity() int    { return 1 }
func (g *sparseBiasGrad[T]) Type() hm.Type { return fnType(matOf[T](), vecOf[T]()) }
func (g *sparseBiasGrad[T]) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{g.f.outs}, nil
}
func (g *sparseBiasGrad[T]) Do(...gorgonia.Value) (gorgonia.Value, error) { return g.f.gb.t, nil }
func (g *sparseBiasGrad[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}
func (g *sparseBiasGrad[T]) bind(anyDst any, _ *mlp.Touched) bool {
	dst, ok := anyDst.([]T)
	if !ok {
		return false
	}
	if g.f.gb.t == nil || &g.f.gb.data()[0] != &dst[0] {
		g.f.gb.into(dst, g.f.outs)
	}
	return true
}

// affine is x·W + b for a dense x.
type affine[T Float] struct {
	base
	fixedShape
	in, outs, rows int
	s              mlp.ScratchOf[T]
	res            out[T]
	held           bool
}

// Affine returns the node x·W + b, rows×Out, for a dense rows×In node x,
// W (In×Out) and b (Out): a hidden layer. It is differentiable with
// respect to all three, which share their dtype.
func Affine(x, w, b *gorgonia.Node) (*gorgonia.Node, error) {
	in, outs, dt, err := checkParams("Affine", w, b)
	if err != nil {
		return nil, err
	}
	if x.Dtype() != dt || x.Dims() != 2 || x.Shape()[1] != in {
		return nil, fmt.Errorf("ops: Affine: input must be a %v matrix of %d columns, got %v %v", dt, in, x.Dtype(), x.Shape())
	}
	if dt == tensor.Float32 {
		return newAffine[float32](x, w, b, in, outs)
	}
	return newAffine[float64](x, w, b, in, outs)
}

func newAffine[T Float](x, w, b *gorgonia.Node, in, outs int) (*gorgonia.Node, error) {
	rows := x.Shape()[0]
	op := &affine[T]{in: in, outs: outs, rows: rows, fixedShape: fixedShape{rows, outs}}
	op.named(op, "Affine")
	return gorgonia.ApplyOp(op, x, w, b)
}

func (op *affine[T]) Arity() int { return 3 }
func (op *affine[T]) Type() hm.Type {
	return fnType(matOf[T](), matOf[T](), vecOf[T](), matOf[T]())
}
func (op *affine[T]) hold(h bool) { op.held = h }

func (op *affine[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	if op.held {
		return op.res.t, nil
	}
	x, err := vals[T](vs[0], "input")
	if err != nil {
		return nil, err
	}
	l, err := layer[T](vs[1], vs[2], op.in, op.outs)
	if err != nil {
		return nil, err
	}
	op.res.get(op.rows, op.outs)
	l.Affine(&op.s, op.res.data(), x, op.rows)
	return op.res.t, nil
}

func (op *affine[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.Do(vs...)
}

func (op *affine[T]) DiffWRT(int) []bool { return []bool{true, true, true} }

func (op *affine[T]) SymDiff(inputs gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx := &affineGrad[T]{f: op, wrt: 0}
	dx.named(dx, "AffineInputGrad")
	dw := &affineGrad[T]{f: op, wrt: 1}
	dw.named(dw, "AffineWeightGrad")
	db := &affineGrad[T]{f: op, wrt: 2}
	db.named(db, "AffineBiasGrad")
	nx, err := gorgonia.ApplyOp(dx, inputs[1], grad)
	if err != nil {
		return nil, err
	}
	nw, err := gorgonia.ApplyOp(dw, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	nb, err := gorgonia.ApplyOp(db, grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{nx, nw, nb}, nil
}

// affineGrad is one of an affine layer's three gradients, from the
// upstream gradient d (its last input): with respect to the input (d·Wᵀ,
// inputs W and d), the weights (xᵀ·d, inputs x and d) or the bias (the
// column sums of d).
type affineGrad[T Float] struct {
	gradOp
	f   *affine[T]
	wrt int
	s   mlp.ScratchOf[T]
	res out[T]
}

func (g *affineGrad[T]) Arity() int {
	if g.wrt == 2 {
		return 1
	}
	return 2
}
func (g *affineGrad[T]) Type() hm.Type {
	switch g.wrt {
	case 0, 1:
		return fnType(matOf[T](), matOf[T](), matOf[T]())
	}
	return fnType(matOf[T](), vecOf[T]())
}
func (g *affineGrad[T]) shape() []int {
	switch g.wrt {
	case 0:
		return []int{g.f.rows, g.f.in}
	case 1:
		return []int{g.f.in, g.f.outs}
	}
	return []int{g.f.outs}
}
func (g *affineGrad[T]) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(g.shape()), nil
}
func (g *affineGrad[T]) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	f := g.f
	d, err := vals[T](vs[len(vs)-1], "upstream gradient")
	if err != nil {
		return nil, err
	}
	if g.res.t == nil {
		g.res.get(g.shape()...)
	}
	dst := g.res.data()
	l := mlp.LayerOf[T]{In: f.in, Out: f.outs}
	switch g.wrt {
	case 0:
		if l.W, err = vals[T](vs[0], "weights"); err != nil {
			return nil, err
		}
		l.InputGrad(&g.s, dst, d, f.rows)
	case 1:
		x, err := vals[T](vs[0], "input")
		if err != nil {
			return nil, err
		}
		l.WeightGrad(&g.s, dst, x, d, f.rows)
	case 2:
		l.BiasGrad(&g.s, dst, d, f.rows)
	}
	return g.res.t, nil
}
func (g *affineGrad[T]) UsePreallocDo(_ gorgonia.Value, vs ...gorgonia.Value) (gorgonia.Value, error) {
	return g.Do(vs...)
}
func (g *affineGrad[T]) bind(anyDst any, _ *mlp.Touched) bool {
	dst, ok := anyDst.([]T)
	if !ok || g.wrt == 0 {
		return false
	}
	if g.res.t == nil || &g.res.data()[0] != &dst[0] {
		g.res.into(dst, g.shape()...)
	}
	return true
}
