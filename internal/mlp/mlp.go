// Package mlp holds the graph-free layer kernels that amvi's networks
// share: package ops wraps them as Gorgonia operations for training, and
// encoder.Frozen calls them directly for inference. Net, a multilayer
// perceptron over them, holds the networks' parameters and serves the
// graph-free passes (NVIL's baseline network, exact enumeration, synth and
// topics).
//
// Weights are stored row-major, W with shape in×out, so a layer computes
// act(x·W + b) for a minibatch x with one row per example; the output layer
// is linear. Forward and Backward take a dense input; ForwardSparse and
// BackwardSparse take the first layer's input by its nonzeros (a bag of
// words, a binary code), write only the weight-gradient rows those touch,
// and for binary inputs add tabulated sums of weight rows (binary.go);
// BinaryLSE gives the log-sum-exp of a layer's outputs for binary inputs
// from tables of exponentials, without the outputs (binarylse.go).
// Hidden layers run on the register-blocked kernels of package vec, and
// large loops are split over the cores in a way that does not change any
// result. The package is tested against finite differences, and the
// operations over it against Gorgonia's own dense operations (internal/gg).
//
// The types are generic over the element type (Float: float64 or float32,
// for -dtype float32): LayerOf, NetOf, SparseOf, ScratchOf and WorkspaceOf,
// with Layer, Net, Sparse, Scratch and Workspace their float64 instances.
// The arithmetic is the element type's, on package vec's kernels of that
// width (chosen in internal/vecof); sigmoid and softplus are computed in
// float64 and rounded. Convert and ConvertSparse copy between widths.
package mlp

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/internal/vecof"
)

// Float is the element type of a network's weights, activations and
// gradients: float64 (Layer, Net, Sparse, Scratch, Workspace) or float32
// (LayerOf[float32], …, for -dtype float32). The kernels of each are
// package vec's of that width (chosen in internal/vecof).
type Float = vecof.Float

// LayerOf is one affine map x·W + B. Layers made by New and NewZero keep W
// and B in one array, B right after W: see Augmented.
type LayerOf[T Float] struct {
	In, Out int
	W       []T // In×Out, row-major
	B       []T // Out
	wb      []T // W and B in one array, when they are
}

// Layer is a float64 layer.
type Layer = LayerOf[float64]

// Augmented returns W and B as one (In+1)×Out row-major matrix, B as its
// last row, aliasing the layer's storage; nil for a layer not made by New or
// NewZero.
func (l LayerOf[T]) Augmented() []T { return l.wb }

// NetOf is a stack of layers with activation Act after every layer but the last.
type NetOf[T Float] struct {
	Layers []LayerOf[T]
	Act    Activation
}

// Net is a float64 network, the canonical form of amvi's networks.
type Net = NetOf[float64]

// New returns a network with the given layer sizes (sizes[0] inputs,
// sizes[len-1] outputs), weights drawn from a Glorot-uniform distribution
// using rng and zero biases.
// It panics if fewer than two sizes are given or any size is below 1.
func New(sizes []int, act Activation, rng *rand.Rand) *Net {
	n := NewZero(sizes, act)
	for i := range n.Layers {
		l := &n.Layers[i]
		limit := math.Sqrt(6 / float64(l.In+l.Out))
		for j := range l.W {
			l.W[j] = limit * (2*rng.Float64() - 1)
		}
	}
	return n
}

// NewZero returns a float64 network of the given sizes with all parameters
// zero.
// It panics if fewer than two sizes are given or any size is below 1.
func NewZero(sizes []int, act Activation) *Net { return NewZeroOf[float64](sizes, act) }

// NewZeroOf returns a network of the given sizes with all parameters zero.
// It panics if fewer than two sizes are given or any size is below 1.
func NewZeroOf[T Float](sizes []int, act Activation) *NetOf[T] {
	if len(sizes) < 2 {
		panic("mlp: need at least an input and an output size")
	}
	n := &NetOf[T]{Act: act, Layers: make([]LayerOf[T], len(sizes)-1)}
	for i := range n.Layers {
		in, out := sizes[i], sizes[i+1]
		if in < 1 || out < 1 {
			panic(fmt.Sprintf("mlp: layer size %d×%d", in, out))
		}
		// W and B share one (In+1)×Out array, B as its last row, so a
		// graph can treat a layer as one matrix over inputs with a ones column.
		buf := make([]T, (in+1)*out)
		n.Layers[i] = LayerOf[T]{In: in, Out: out, W: buf[: in*out : in*out], B: buf[in*out:], wb: buf}
	}
	return n
}

// Sizes returns the layer sizes, inputs first.
func (n *NetOf[T]) Sizes() []int {
	s := []int{n.Layers[0].In}
	for _, l := range n.Layers {
		s = append(s, l.Out)
	}
	return s
}

// In returns the number of inputs.
func (n *NetOf[T]) In() int { return n.Layers[0].In }

// Out returns the number of outputs.
func (n *NetOf[T]) Out() int { return n.Layers[len(n.Layers)-1].Out }

// ZeroClone returns a network of the same shape with all parameters zero,
// for use as a gradient.
func (n *NetOf[T]) ZeroClone() *NetOf[T] { return NewZeroOf[T](n.Sizes(), n.Act) }

// Clone returns a deep copy of n.
func (n *NetOf[T]) Clone() *NetOf[T] {
	c := n.ZeroClone()
	Convert(c, n)
	return c
}

// Convert copies src's parameters into dst, a network of the same sizes,
// converting them to dst's element type: exact when widening float32 to
// float64 (and when narrowing values that were float32), rounded to nearest
// when narrowing other float64s.
// It panics if the sizes differ.
func Convert[D, S Float](dst *NetOf[D], src *NetOf[S]) {
	if !slicesEqual(dst.Sizes(), src.Sizes()) {
		panic("mlp: Convert between networks of different sizes")
	}
	for i, l := range src.Layers {
		vecof.Convert(dst.Layers[i].W, l.W)
		vecof.Convert(dst.Layers[i].B, l.B)
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Params returns the parameter slices in a fixed order (W0, B0, W1, B1, …).
// They alias the network's storage.
func (n *NetOf[T]) Params() [][]T {
	ps := make([][]T, 0, 2*len(n.Layers))
	for _, l := range n.Layers {
		ps = append(ps, l.W, l.B)
	}
	return ps
}

// NumParams returns the number of scalar parameters.
func (n *NetOf[T]) NumParams() int {
	c := 0
	for _, l := range n.Layers {
		c += len(l.W) + len(l.B)
	}
	return c
}

// WorkspaceOf holds the activations of one forward pass, reused across calls.
// A WorkspaceOf must not be used by two goroutines at once.
type WorkspaceOf[T Float] struct {
	rows int
	pre  [][]T        // pre-activations per layer
	post [][]T        // activations per layer (the output layer's equals pre)
	d, t []T          // backward scratch
	s    ScratchOf[T] // the layers' working memory
}

// Workspace is a float64 network's workspace.
type Workspace = WorkspaceOf[float64]

func (ws *WorkspaceOf[T]) ensure(n *NetOf[T], rows int) {
	if len(ws.pre) != len(n.Layers) {
		ws.pre = make([][]T, len(n.Layers))
		ws.post = make([][]T, len(n.Layers))
	}
	maxOut := 0
	for i, l := range n.Layers {
		ws.pre[i] = scratch.Grow(ws.pre[i], rows*l.Out)
		if i < len(n.Layers)-1 { // the output layer's activations are its pre-activations
			ws.post[i] = scratch.Grow(ws.post[i], rows*l.Out)
		}
		maxOut = max(maxOut, l.Out)
	}
	ws.d = scratch.Grow(ws.d, rows*maxOut)
	ws.t = scratch.Grow(ws.t, rows*maxOut)
	ws.rows = rows
}

// gemm is blas64.Gemm or blas32.Gemm: c = alpha·op(a)·b + beta·c for
// row-major a (ar×ac before op), b (ac'×bc) and c, with op a transpose when
// ta.
func gemm[T Float](ta bool, alpha T, a []T, ar, ac int, b []T, br, bc int, beta T, c []T) {
	t := blas.NoTrans
	cr := ar
	if ta {
		t, cr = blas.Trans, ac
	}
	switch aa := any(a).(type) {
	case []float64:
		blas64.Gemm(t, blas.NoTrans, float64(alpha),
			blas64.General{Rows: ar, Cols: ac, Stride: ac, Data: aa[:ar*ac]},
			blas64.General{Rows: br, Cols: bc, Stride: bc, Data: any(b).([]float64)[:br*bc]},
			float64(beta), blas64.General{Rows: cr, Cols: bc, Stride: bc, Data: any(c).([]float64)[:cr*bc]})
	case []float32:
		blas32.Gemm(t, blas.NoTrans, float32(alpha),
			blas32.General{Rows: ar, Cols: ac, Stride: ac, Data: aa[:ar*ac]},
			blas32.General{Rows: br, Cols: bc, Stride: bc, Data: any(b).([]float32)[:br*bc]},
			float32(beta), blas32.General{Rows: cr, Cols: bc, Stride: bc, Data: any(c).([]float32)[:cr*bc]})
	}
}

// Forward computes the network's outputs for the rows of x (rows×In,
// row-major) and returns them as a rows×Out slice owned by ws, valid until
// the next call with ws.
// It panics if len(x) is not a multiple of n.In().
func (n *NetOf[T]) Forward(ws *WorkspaceOf[T], x []T) []T {
	if len(x)%n.In() != 0 {
		panic("mlp: input length is not a multiple of the input size")
	}
	rows := len(x) / n.In()
	ws.ensure(n, rows)
	// The first layer's dense input may be a bag of words, mostly zeros,
	// which gonum's product skips.
	l, pre := n.Layers[0], ws.pre[0]
	for r := 0; r < rows; r++ {
		copy(pre[r*l.Out:(r+1)*l.Out], l.B)
	}
	gemm(false, 1, x, rows, l.In, l.W, l.In, l.Out, 1, pre)
	return n.forwardFrom(ws)
}

// forwardFrom finishes a forward pass whose first layer has its
// pre-activations in ws.
func (n *NetOf[T]) forwardFrom(ws *WorkspaceOf[T]) []T {
	last := len(n.Layers) - 1
	for i := 0; i <= last; i++ {
		if i > 0 {
			n.Layers[i].Affine(&ws.s, ws.pre[i], ws.post[i-1], ws.rows)
		}
		if i < last {
			Apply(n.Act, ws.post[i], ws.pre[i])
		}
	}
	return ws.pre[last] // the output layer is linear
}

// Backward back-propagates dOut, the gradient of a loss with respect to the
// outputs of the last Forward call on ws with input x, and writes the
// gradient of the loss with respect to every parameter into grad
// (overwriting it). dOut is not modified.
// It panics if the shapes do not match that Forward call.
func (n *NetOf[T]) Backward(ws *WorkspaceOf[T], x, dOut []T, grad *NetOf[T]) {
	rows := ws.rows
	if len(dOut) != rows*n.Out() || len(x) != rows*n.In() {
		panic("mlp: Backward shapes do not match the last Forward")
	}
	d := n.backwardTo(ws, dOut, grad)
	l := n.Layers[0]
	l.BiasGrad(&ws.s, grad.Layers[0].B, d, rows)
	gemm(true, 1, x, rows, l.In, d, rows, l.Out, 0, grad.Layers[0].W)
}

// backwardTo back-propagates dOut down to the first layer's
// pre-activations, writing every parameter gradient but the first layer's,
// and returns the gradient with respect to those pre-activations: dOut
// itself for a one-layer network, else a slice owned by ws. dOut is not
// modified.
func (n *NetOf[T]) backwardTo(ws *WorkspaceOf[T], dOut []T, grad *NetOf[T]) []T {
	rows := ws.rows
	d := dOut // read-only until the first activation, then in ws.d
	for i := len(n.Layers) - 1; i > 0; i-- {
		l, g := n.Layers[i], grad.Layers[i]
		l.BiasGrad(&ws.s, g.B, d, rows)
		l.WeightGrad(&ws.s, g.W, ws.post[i-1], d, rows)
		t := ws.t[:rows*l.In]
		l.InputGrad(&ws.s, t, d, rows)
		d = ws.d[:rows*l.In]
		copy(d, t)
		Grad(n.Act, d, ws.pre[i-1], ws.post[i-1])
	}
	return d
}
