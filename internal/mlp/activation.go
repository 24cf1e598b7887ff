package mlp

import (
	"github.com/amvi/amvi/internal/enum"
	"github.com/amvi/amvi/internal/mathx"
	"github.com/amvi/amvi/internal/par"
	"github.com/amvi/amvi/internal/vecof"
)

// Activation is an elementwise nonlinearity applied after hidden layers.
// The zero value is Tanh, amvi's default. Configurations hold it by name
// ("tanh"): MarshalText writes the name and UnmarshalText reads it.
type Activation int

// The supported activations.
const (
	Tanh Activation = iota
	Identity
	ReLU
	Sigmoid
	Softplus
)

var activations = enum.New[Activation]("activation", []string{Tanh: "tanh", Identity: "identity", ReLU: "relu", Sigmoid: "sigmoid", Softplus: "softplus"})

// String returns the activation's name.
func (a Activation) String() string { return activations.String(a) }

// MarshalText returns the activation's name; a value that is none of the
// activations is an error.
func (a Activation) MarshalText() ([]byte, error) { return activations.MarshalText(a) }

// UnmarshalText sets a to the activation named text.
func (a *Activation) UnmarshalText(text []byte) error { return activations.UnmarshalText(a, text) }

// Apply writes act(src) into dst.
func (a Activation) Apply(dst, src []float64) { Apply(a, dst, src) }

// Grad multiplies d elementwise by act'(pre), where post = act(pre).
func (a Activation) Grad(d, pre, post []float64) { Grad(a, d, pre, post) }

// Apply writes a(src) into dst. Sigmoid and softplus are computed in
// float64 and rounded.
func Apply[T Float](a Activation, dst, src []T) {
	// Element-wise, so split across the cores without changing a bit; a
	// short slice (one document's) is done here without allocating.
	const grain = 1 << 12
	if len(src) < 2*grain {
		apply(a, dst, src)
		return
	}
	par.For(len(src), grain, func(lo, hi int) { apply(a, dst[lo:hi], src[lo:hi]) })
}

func apply[T Float](a Activation, dst, src []T) {
	switch a {
	case Identity:
		copy(dst, src)
	case Tanh:
		vecof.Tanh(dst, src)
	case ReLU:
		for i, v := range src {
			dst[i] = max(v, 0)
		}
	case Sigmoid:
		for i, v := range src {
			dst[i] = T(mathx.Sigmoid(float64(v)))
		}
	case Softplus:
		for i, v := range src {
			dst[i] = T(mathx.Softplus(float64(v)))
		}
	default:
		panic("mlp: unknown activation")
	}
}

// Grad multiplies d elementwise by a'(pre), where post = a(pre).
func Grad[T Float](a Activation, d, pre, post []T) {
	const grain = 1 << 14
	if len(d) < 2*grain {
		grad(a, d, pre, post)
		return
	}
	par.For(len(d), grain, func(lo, hi int) { grad(a, d[lo:hi], pre[lo:hi], post[lo:hi]) })
}

func grad[T Float](a Activation, d, pre, post []T) {
	switch a {
	case Identity:
	case Tanh:
		vecof.TanhGrad(d, post[:len(d)])
	case ReLU:
		for i, x := range pre[:len(d)] {
			if x <= 0 {
				d[i] = 0
			}
		}
	case Sigmoid:
		for i, y := range post[:len(d)] {
			d[i] *= y * (1 - y)
		}
	case Softplus:
		for i, x := range pre[:len(d)] {
			d[i] *= T(mathx.Sigmoid(float64(x)))
		}
	default:
		panic("mlp: unknown activation")
	}
}
