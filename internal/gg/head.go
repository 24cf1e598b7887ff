package gg

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A Head is a scalar loss of a matrix with its exact gradient.
type Head interface {
	// Loss returns the loss at x.
	Loss(x []float64) float64
	// Grad writes ∂Loss/∂x at the x of the last Loss call into dst.
	Grad(dst, x []float64)
}

// HeadNode is a head applied to a node of a graph.
type HeadNode struct {
	Node *gorgonia.Node // the scalar loss
	op   *headOp
}

// Loss returns the loss computed by the last run of a machine over the
// graph. Reading it here, rather than from Node's value, avoids values being
// overwritten by the backward pass (gorgonia#569).
func (h HeadNode) Loss() float64 { return h.op.last }

// ApplyHead returns a scalar node whose value is h.Loss(x) and whose gradient
// with respect to x is h.Grad. x must be a float64 matrix.
func ApplyHead(x *gorgonia.Node, h Head, name string) (HeadNode, error) {
	if x.Dtype() != tensor.Float64 || x.Dims() != 2 {
		return HeadNode{}, fmt.Errorf("gg: head %s needs a float64 matrix, got %v %v", name, x.Dtype(), x.Shape())
	}
	op := &headOp{h: h, name: name}
	n, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return HeadNode{}, fmt.Errorf("gg: head %s: %w", name, err)
	}
	return HeadNode{Node: n, op: op}, nil
}

// headOp is the forward operation. Its hash includes its address, so two
// heads are never merged by the graph's common-subexpression hashing (the
// trap that merges SoftMax with LogSoftMax).
type headOp struct {
	h    Head
	name string
	last float64
}

func (op *headOp) Arity() int { return 1 }
func (op *headOp) Type() hm.Type {
	return hm.NewFnType(gorgonia.TensorType{Dims: 2, Of: tensor.Float64}, tensor.Float64)
}
func (op *headOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (op *headOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := float64s(vs[0])
	if err != nil {
		return nil, err
	}
	op.last = op.h.Loss(x)
	v := gorgonia.F64(op.last)
	return &v, nil
}
func (op *headOp) ReturnsPtr() bool      { return false }
func (op *headOp) CallsExtern() bool     { return false }
func (op *headOp) OverwritesInput() int  { return -1 }
func (op *headOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "amviHead{%s,%p}", op.name, op) }
func (op *headOp) Hashcode() uint32      { return hashOf(op) }
func (op *headOp) String() string        { return "Head(" + op.name + ")" }

func (op *headOp) DiffWRT(int) []bool { return []bool{true} }
func (op *headOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	d, err := gorgonia.ApplyOp(&headGradOp{headOp: op}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{d}, nil
}

// headGradOp computes upstream·∂Loss/∂x from x and the upstream gradient.
type headGradOp struct {
	*headOp
	out *tensor.Dense
}

func (op *headGradOp) Arity() int { return 2 }
func (op *headGradOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: tensor.Float64}
	return hm.NewFnType(t, tensor.Float64, t)
}
func (op *headGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("gg: head %s: input shape %v", op.name, in[0])
	}
	return s.Clone(), nil
}
func (op *headGradOp) Do(vs ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := float64s(vs[0])
	if err != nil {
		return nil, err
	}
	up, ok := vs[1].Data().(float64)
	if !ok {
		return nil, fmt.Errorf("gg: head %s: upstream gradient %T is not a float64 scalar", op.name, vs[1].Data())
	}
	// The gradient tensor is reused across runs: it is consumed within the
	// run that computes it.
	if op.out == nil || op.out.Shape().TotalSize() != len(x) || !op.out.Shape().Eq(vs[0].Shape()) {
		op.out = tensor.New(tensor.WithShape(vs[0].Shape().Clone()...), tensor.Of(tensor.Float64))
	}
	d := op.out.Data().([]float64)
	op.h.Grad(d, x)
	if up != 1 {
		for i := range d {
			d[i] *= up
		}
	}
	return op.out, nil
}
func (op *headGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "amviHeadGrad{%s,%p}", op.name, op.headOp)
}
func (op *headGradOp) Hashcode() uint32 { return hashOf(op) }
func (op *headGradOp) String() string   { return "HeadGrad(" + op.name + ")" }

func float64s(v gorgonia.Value) ([]float64, error) {
	x, ok := v.Data().([]float64)
	if !ok {
		return nil, fmt.Errorf("gg: head input %T is not float64 data", v.Data())
	}
	return x, nil
}

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
