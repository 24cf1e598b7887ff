package model

import (
	"github.com/amvi/amvi/internal/enum"
	"github.com/amvi/amvi/internal/mlp"
)

// Dtype is the element type of a model's networks in training and
// evaluation: their weights, activations and gradients, and Adam's
// parameters. The zero value is Float64. Configurations hold it by name
// ("float64", "float32").
//
// Whatever the dtype, the model's canonical parameters are the float64
// networks Enc.Net and Dec.Net (initialisation, checkpoints' float64 form,
// encoder.Frozen, exact enumeration); a Float32 model also holds float32
// copies (Enc32, Dec32) that its graphs and the optimiser use. What stays
// float64 in a Float32 model: the log-sum-exp and log-likelihood of the
// decoder's head (decoder.LogLikOf), the encoder's surrogate loss and its
// gradient with respect to the logits (B×K values, widened), the posterior
// and the sampled codes, the estimators (but for the network of NVIL's
// baseline, which package train runs in the model's dtype:
// estimators.NVILConfig.Float32), the prior, the step's objective, and, in
// package train, the gradient norm and the NaN check.
type Dtype int

// The dtypes.
const (
	Float64 Dtype = iota
	Float32
)

var dtypes = enum.New[Dtype]("dtype", []string{Float64: "float64", Float32: "float32"})

// String returns the dtype's name.
func (d Dtype) String() string { return dtypes.String(d) }

// MarshalText returns the dtype's name; a value that is none of the
// dtypes is an error.
func (d Dtype) MarshalText() ([]byte, error) { return dtypes.MarshalText(d) }

// UnmarshalText sets d to the dtype named text.
func (d *Dtype) UnmarshalText(text []byte) error { return dtypes.UnmarshalText(d, text) }

// Narrow copies the float64 networks' parameters into a Float32 model's
// float32 ones (rounded to nearest; exact for values that were float32,
// such as a float32 checkpoint's): call it after writing Enc.Net or
// Dec.Net. It does nothing for a Float64 model.
func (m *Model) Narrow() {
	if m.Enc32 != nil {
		mlp.Convert(m.Enc32, m.Enc.Net)
		mlp.Convert(m.Dec32, m.Dec.Net)
	}
}

// Widen copies a Float32 model's float32 parameters into the float64
// networks (exactly), so that Enc.Net and Dec.Net hold what training made
// of them: call it before reading those (a checkpoint, an export,
// encoder.Freeze). It does nothing for a Float64 model.
func (m *Model) Widen() {
	if m.Enc32 != nil {
		mlp.Convert(m.Enc.Net, m.Enc32)
		mlp.Convert(m.Dec.Net, m.Dec32)
	}
}

// SetDtype makes m a model of dtype d: a Float32 model gets float32
// parameters narrowed from the float64 networks, a Float64 model drops
// them (after widening them into the float64 networks). Graphs built
// before (a Stepper's, a Forward's) keep the parameters they were built
// over: set the dtype first.
func (m *Model) SetDtype(d Dtype) {
	switch {
	case d == Float32 && m.Enc32 == nil:
		m.Enc32 = mlp.NewZeroOf[float32](m.Enc.Net.Sizes(), m.Enc.Net.Act)
		m.Dec32 = mlp.NewZeroOf[float32](m.Dec.Net.Sizes(), m.Dec.Net.Act)
		m.Narrow()
	case d == Float64 && m.Enc32 != nil:
		m.Widen()
		m.Enc32, m.Dec32 = nil, nil
	}
}

// Dtype returns m's dtype.
func (m *Model) Dtype() Dtype {
	if m.Enc32 != nil {
		return Float32
	}
	return Float64
}
