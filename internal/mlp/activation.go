package mlp

import (
	"fmt"
	"math"

	"github.com/amvi/amvi/internal/mathx"
)

// Activation is an elementwise nonlinearity applied after hidden layers.
type Activation int

// The supported activations.
const (
	Identity Activation = iota
	Tanh
	ReLU
	Sigmoid
	Softplus
)

var activationNames = [...]string{Identity: "identity", Tanh: "tanh", ReLU: "relu", Sigmoid: "sigmoid", Softplus: "softplus"}

// String returns the activation's name, as ParseActivation accepts it.
func (a Activation) String() string {
	if a < 0 || int(a) >= len(activationNames) {
		return fmt.Sprintf("Activation(%d)", int(a))
	}
	return activationNames[a]
}

// ParseActivation returns the activation with the given name.
func ParseActivation(name string) (Activation, error) {
	for i, n := range activationNames {
		if n == name {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("mlp: unknown activation %q (want identity, tanh, relu, sigmoid or softplus)", name)
}

// Apply writes act(src) into dst.
func (a Activation) Apply(dst, src []float64) {
	switch a {
	case Identity:
		copy(dst, src)
	case Tanh:
		for i, v := range src {
			dst[i] = math.Tanh(v)
		}
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
	switch a {
	case Identity:
	case Tanh:
		for i, y := range post[:len(d)] {
			d[i] *= 1 - y*y
		}
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
