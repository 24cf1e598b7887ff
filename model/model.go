// Package model joins amvi's encoder, decoder and prior into the model of
// design §1 and computes one minibatch's stochastic gradient: sample codes
// from q(z|x), evaluate log p(x|z) with the decoder, turn the learning
// signals into surrogate weights with an estimator, and back-propagate the
// surrogate losses through both networks.
//
// A Stepper does this either through Gorgonia graphs (Graph) or through
// package mlp's hand-written pass (Plain, what training uses by default).
// The Plain pass reads only the nonzeros of both first layers' inputs (a
// document's words, a code's ones), runs on AVX2/AVX-512 kernels and splits
// its work over the cores; the Graph pass is Gorgonia's automatic
// differentiation of the same networks, and the tests hold the two to the
// same gradients within 1e-12. Both consume the random source identically,
// so the same seed gives the same gradients to within rounding.
package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
)

// Model is the generative model p(z)p(x|z) with its amortised posterior q(z|x).
type Model struct {
	Enc   *encoder.Encoder
	Dec   *decoder.Decoder
	Alpha float64 // prior probability of each z_j = 1
}

// Config describes a model.
type Config struct {
	Encoder encoder.Config
	Decoder decoder.Config
	Alpha   float64
}

// New returns a model with weights initialised from rng (encoder first).
func New(cfg Config, rng *rand.Rand) (*Model, error) {
	if !(cfg.Alpha > 0 && cfg.Alpha < 1) {
		return nil, fmt.Errorf("model: prior alpha %v must lie in (0, 1)", cfg.Alpha)
	}
	if cfg.Encoder.V != cfg.Decoder.V || cfg.Encoder.K != cfg.Decoder.K {
		return nil, fmt.Errorf("model: encoder (V=%d, K=%d) and decoder (V=%d, K=%d) disagree",
			cfg.Encoder.V, cfg.Encoder.K, cfg.Decoder.V, cfg.Decoder.K)
	}
	enc, err := encoder.New(cfg.Encoder, rng)
	if err != nil {
		return nil, err
	}
	dec, err := decoder.New(cfg.Decoder, rng)
	if err != nil {
		return nil, err
	}
	return &Model{Enc: enc, Dec: dec, Alpha: cfg.Alpha}, nil
}

// K returns the number of latent factors.
func (m *Model) K() int { return m.Enc.Config.K }

// V returns the vocabulary size.
func (m *Model) V() int { return m.Enc.Config.V }

// Grads holds a gradient for every parameter of a model.
type Grads struct {
	Enc, Dec *mlp.Net

	// The rows of the first-layer weight gradients the last Plain step
	// wrote, and whether the other rows are known to be zero.
	encTouched, decTouched mlp.Touched
	sparse                 bool
}

// EncoderRows returns the rows of the encoder's first-layer weight gradient
// (one per word) that the last Step may have made nonzero, ascending; every
// other row is zero. ok is false when the step did not track them (the
// Graph backend, or several workers), and the whole gradient must be read.
// The slice is valid until the next Step.
func (g *Grads) EncoderRows() (rows []int, ok bool) {
	if !g.sparse {
		return nil, false
	}
	return g.encTouched.Rows, true
}

// NewGrads returns zero gradients shaped like m's parameters.
func (m *Model) NewGrads() *Grads {
	return &Grads{Enc: m.Enc.Net.ZeroClone(), Dec: m.Dec.Net.ZeroClone()}
}
