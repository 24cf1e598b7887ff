package ops

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/vecof"
)

// Sparse is a matrix in compressed-row form, the input of SparseAffine:
// row r's nonzeros are in columns Col[Ptr[r]:Ptr[r+1]] with values
// Val[Ptr[r]:Ptr[r+1]]. Build it with Reset, Append and EndRow.
type Sparse = mlp.Sparse

// SparseOf is Sparse with values of the network's element type: a float32
// network's SparseAffine reads a SparseOf[float32].
type SparseOf[T Float] = mlp.SparseOf[T]

// Float is a network's element type, float64 or float32. Every operation
// takes it from its nodes (tensor.Float64 or tensor.Float32): the weights,
// inputs, outputs and gradients of one operation share it. The heads'
// losses are float64 scalars either way.
type Float = mlp.Float

// Activation is an elementwise nonlinearity, encoder.Activation: the zero
// value is Tanh, and its text form is its name.
type Activation = encoder.Activation

// The activations, encoder's.
const (
	Tanh     = encoder.Tanh
	Identity = encoder.Identity
	ReLU     = encoder.ReLU
	Sigmoid  = encoder.Sigmoid
	Softplus = encoder.Softplus
)

// dtypeOf returns T's tensor dtype.
func dtypeOf[T Float]() tensor.Dtype {
	if vecof.Is32[T]() {
		return tensor.Float32
	}
	return tensor.Float64
}

// matOf and vecOf are the types of a matrix and a vector of T.
func matOf[T Float]() hm.Type { return gorgonia.TensorType{Dims: 2, Of: dtypeOf[T]()} }
func vecOf[T Float]() hm.Type { return gorgonia.TensorType{Dims: 1, Of: dtypeOf[T]()} }

// isFloat reports whether dt is one of the element types.
func isFloat(dt tensor.Dtype) bool { return dt == tensor.Float64 || dt == tensor.Float32 }

// base is what every operation here shares: it is not an extern call,
// overwrites no input, and hashes by the address of the operation that
// embeds it (set by named), so that no two are ever merged.
type base struct {
	name string
	self any
}

func (b *base) named(self any, name string) { b.self, b.name = self, name }

func (b *base) ReturnsPtr() bool     { return false }
func (b *base) CallsExtern() bool    { return false }
func (b *base) OverwritesInput() int { return -1 }
func (b *base) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "amvi.%s{%p}", b.name, b.self)
}
func (b *base) Hashcode() uint32 {
	h := fnv.New32a()
	b.WriteHash(h)
	return h.Sum32()
}
func (b *base) String() string { return b.name }

// out is a buffer of T that an operation owns and returns on every run.
type out[T Float] struct{ t *tensor.Dense }

// get returns the buffer with the given shape, allocating it on first use.
func (o *out[T]) get(shape ...int) *tensor.Dense {
	if o.t == nil || !o.t.Shape().Eq(tensor.Shape(shape)) {
		o.t = tensor.New(tensor.WithShape(shape...), tensor.Of(dtypeOf[T]()))
	}
	return o.t
}

// into makes the buffer alias dst (of the given shape), so that the
// operation writes its result straight where the caller wants it.
func (o *out[T]) into(dst []T, shape ...int) {
	o.t = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(dst))
}

func (o *out[T]) data() []T { return o.t.Data().([]T) }

// holder is implemented by operations whose forward result a Machine keeps
// from Forward to Backward.
type holder interface{ hold(bool) }

// vals returns v's data as Ts.
func vals[T Float](v gorgonia.Value, what string) ([]T, error) {
	x, ok := v.Data().([]T)
	if !ok {
		return nil, fmt.Errorf("ops: %s is %T, not %v data", what, v.Data(), dtypeOf[T]())
	}
	return x, nil
}

// scalar returns a float64 scalar value.
func scalar(v gorgonia.Value, what string) (float64, error) {
	x, ok := v.Data().(float64)
	if !ok {
		return 0, fmt.Errorf("ops: %s is %T, not a float64 scalar", what, v.Data())
	}
	return x, nil
}

// checkParams checks that w is an In×Out float64 or float32 matrix and b a
// vector of Out of the same dtype, and returns In, Out and the dtype.
func checkParams(name string, w, b *gorgonia.Node) (in, out int, dt tensor.Dtype, err error) {
	dt = w.Dtype()
	if !isFloat(dt) || w.Dims() != 2 {
		return 0, 0, dt, fmt.Errorf("ops: %s: weights must be a float64 or float32 matrix, got %v %v", name, w.Dtype(), w.Shape())
	}
	if b.Dtype() != dt || b.Dims() != 1 || b.Shape()[0] != w.Shape()[1] {
		return 0, 0, dt, fmt.Errorf("ops: %s: bias must be a %v vector of %d, got %v %v", name, dt, w.Shape()[1], b.Dtype(), b.Shape())
	}
	return w.Shape()[0], w.Shape()[1], dt, nil
}

// layer returns the mlp layer whose parameters are the values w and b.
func layer[T Float](w, b gorgonia.Value, in, out int) (mlp.LayerOf[T], error) {
	wd, err := vals[T](w, "weights")
	if err != nil {
		return mlp.LayerOf[T]{}, err
	}
	bd, err := vals[T](b, "bias")
	if err != nil {
		return mlp.LayerOf[T]{}, err
	}
	if len(wd) != in*out || len(bd) != out {
		return mlp.LayerOf[T]{}, fmt.Errorf("ops: parameters of %d and %d values for a %d×%d layer", len(wd), len(bd), in, out)
	}
	return mlp.LayerOf[T]{In: in, Out: out, W: wd, B: bd}, nil
}

// gradOp is the part every gradient operation shares: it is not itself
// differentiated.
type gradOp struct{ base }

func (g *gradOp) DiffWRT(n int) []bool { return make([]bool, n) }
func (g *gradOp) SymDiff(gorgonia.Nodes, *gorgonia.Node, *gorgonia.Node) (gorgonia.Nodes, error) {
	return nil, fmt.Errorf("ops: %s has no second derivative", g.name)
}

// fixedShape returns a shape known when the operation was built.
type fixedShape []int

func (s fixedShape) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape(append([]int(nil), s...)), nil
}

func fnType(args ...hm.Type) hm.Type { return hm.NewFnType(args...) }
