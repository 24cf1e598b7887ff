package mlp

import (
	"github.com/amvi/amvi/internal/enum"
	"github.com/amvi/amvi/internal/mathx"
	"github.com/amvi/amvi/internal/par"
	"github.com/amvi/amvi/internal/vec"
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
func (a Activation) Apply(dst, src []float64) {
	// Element-wise, so split across the cores without changing a bit; a
	// short slice (one document's) is done here without allocating.
	const grain = 1 << 12
	if len(src) < 2*grain {
		a.apply(dst, src)
		return
	}
	par.For(len(src), grain, func(lo, hi int) { a.apply(dst[lo:hi], src[lo:hi]) })
}

func (a Activation) apply(dst, src []float64) {
	switch a {
	case Identity:
		copy(dst, src)
	case Tanh:
		vec.Tanh(dst, src)
	case ReLU:
		for i, v := range src {
			dst[i] = max(v, 0)
		}
	case Sigmoid:
		for i, v := range src {
			dst[i] = mathx.Sigmoid(v)
		}
	case Softplus:
		for i, v := range src {
			dst[i] = mathx.Softplus(v)
		}
	default:
		panic("mlp: unknown activation")
	}
}

// Grad multiplies d elementwise by act'(pre), where post = act(pre).
func (a Activation) Grad(d, pre, post []float64) {
	const grain = 1 << 14
	if len(d) < 2*grain {
		a.grad(d, pre, post)
		return
	}
	par.For(len(d), grain, func(lo, hi int) { a.grad(d[lo:hi], pre[lo:hi], post[lo:hi]) })
}

func (a Activation) grad(d, pre, post []float64) {
	switch a {
	case Identity:
	case Tanh:
		vec.TanhGrad(d, post[:len(d)])
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
			d[i] *= mathx.Sigmoid(x)
		}
	default:
		panic("mlp: unknown activation")
	}
}
