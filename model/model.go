// Package model joins amvi's encoder, decoder and prior into the model of
// design §1 and computes one minibatch's stochastic gradient (design §8):
// the encoder's Gorgonia graph forward, codes sampled from q(z|x), the
// decoder's graph forward to log p(x|z), an estimator's surrogate weights,
// and both graphs' backward halves, run by Gorgonia's tape machines, each
// network on its own goroutine.
//
// The graphs are built from package ops's operations: a SparseAffine first
// layer that reads only a document's words, a BinaryAffine first layer over
// the codes' ones, dense Affine layers and activations, and the
// likelihood and surrogate heads. Forward runs the same graphs' forward
// halves for evaluation. The tests hold a step to the same gradients as
// Gorgonia's own dense operations on the same networks (internal/gg),
// within 1e-12.
package model

import (
	"fmt"
	"math/rand/v2"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/ops"
)

// Model is the generative model p(z)p(x|z) with its amortised posterior q(z|x).
type Model struct {
	Enc   *encoder.Encoder
	Dec   *decoder.Decoder
	Prior *encoder.Prior // p(z): one probability per factor

	// Enc32 and Dec32 are a Float32 model's parameters (see Dtype), which
	// its graphs read and training updates; nil in a Float64 model.
	Enc32, Dec32 *mlp.NetOf[float32]

	forwards *forwardPool // closed Forwards, kept for the next NewForward; nil: none kept
}

// Config describes a model.
type Config struct {
	Encoder encoder.Config
	Decoder decoder.Config
	Alpha   float64 // the prior's probability of each z_j = 1 (initially, when it is learned)
	Dtype   Dtype   // the networks' element type in training and evaluation
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
	for _, name := range []string{cfg.Encoder.Arch, cfg.Decoder.Arch} {
		if name != "" && cfg.Dtype != Float64 {
			return nil, fmt.Errorf("model: architecture %q: registered architectures run in float64 only, not %v", name, cfg.Dtype)
		}
		if name != "" {
			if _, err := lookupArch(name); err != nil {
				return nil, err
			}
		}
	}
	enc, err := encoder.New(cfg.Encoder, rng)
	if err != nil {
		return nil, err
	}
	dec, err := decoder.New(cfg.Decoder, rng)
	if err != nil {
		return nil, err
	}
	m := &Model{Enc: enc, Dec: dec, Prior: encoder.NewPrior(cfg.Encoder.K, cfg.Alpha), forwards: new(forwardPool)}
	if _, err := cfg.Dtype.MarshalText(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	m.SetDtype(cfg.Dtype)
	return m, nil
}

// K returns the number of latent factors.
func (m *Model) K() int { return m.Enc.Config.K }

// V returns the vocabulary size.
func (m *Model) V() int { return m.Enc.Config.V }

// Grads holds a gradient for every parameter of a model.
type Grads struct {
	// Enc and Dec are a Float64 model's gradients, Enc32 and Dec32 a
	// Float32 model's; the others are nil.
	Enc, Dec     *mlp.Net
	Enc32, Dec32 *mlp.NetOf[float32]
	// Prior is the gradient with respect to the prior's logits (K), for a
	// learned prior: a Stepper fills it (see encoder.Prior.LogitGrad and
	// estimators.Weights.PriorMean) whether or not the prior is trained.
	Prior []float64

	// The rows of the encoder's first-layer weight gradient the last step
	// wrote, and whether the other rows are known to be zero.
	encRows    []int
	sparse     bool
	encTouched []*ops.Touched // one per parameter, for the first layer's weights
	decTouched []*ops.Touched
}

// EncoderRows returns the rows of the encoder's first-layer weight gradient
// (one per word) that the last Step may have made nonzero, ascending; every
// other row is zero. ok is false when the step did not track them (a
// first layer other than a SparseAffine), and the whole gradient must be read.
// The slice is valid until the next Step.
func (g *Grads) EncoderRows() (rows []int, ok bool) {
	if !g.sparse {
		return nil, false
	}
	return g.encRows, true
}

// Params returns the parameters of the networks that run, the encoder's
// then the decoder's (mlp.NetOf.Params's order): a Float32 model's as p32
// with p64 nil, a Float64 model's as p64 with p32 nil: the two lists
// optim.NewAdamMixed and Adam.UpdateMixed take. They alias the networks'
// storage; the prior's logits are not among them.
func (m *Model) Params() (p32 [][]float32, p64 [][]float64) {
	if m.Enc32 != nil {
		return append(m.Enc32.Params(), m.Dec32.Params()...), nil
	}
	return nil, append(m.Enc.Net.Params(), m.Dec.Net.Params()...)
}

// Params returns the gradients of Model.Params's tensors, in its order
// and dtype.
func (g *Grads) Params() (g32 [][]float32, g64 [][]float64) {
	if g.Enc32 != nil {
		return append(g.Enc32.Params(), g.Dec32.Params()...), nil
	}
	return nil, append(g.Enc.Params(), g.Dec.Params()...)
}

// NewGrads returns zero gradients shaped like m's parameters.
func (m *Model) NewGrads() *Grads {
	g := &Grads{Prior: make([]float64, m.K()),
		encTouched: []*ops.Touched{new(ops.Touched)}, decTouched: []*ops.Touched{new(ops.Touched)}}
	if m.Enc32 != nil {
		g.Enc32, g.Dec32 = m.Enc32.ZeroClone(), m.Dec32.ZeroClone()
	} else {
		g.Enc, g.Dec = m.Enc.Net.ZeroClone(), m.Dec.Net.ZeroClone()
	}
	return g
}
