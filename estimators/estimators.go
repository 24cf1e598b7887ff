package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/amvi/amvi/internal/enum"
	"github.com/amvi/amvi/internal/mathx"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
)

// KLMode says how the KL term of the ELBO enters the gradient. The zero
// value is ClosedForm, the default. Its text form is its name, "closed" or
// "stochastic", as in cmd/train's -kl.
type KLMode int

const (
	// ClosedForm takes -∇KL exactly and uses f = log p(x|z) as the signal.
	ClosedForm KLMode = iota
	// Stochastic uses f = log p(x|z) + log p(z) - log q(z|x) as the signal.
	Stochastic
)

var klModes = enum.New[KLMode]("KL mode", []string{ClosedForm: "closed", Stochastic: "stochastic"})

// String returns the mode's name.
func (m KLMode) String() string { return klModes.String(m) }

// MarshalText returns the mode's name; a value that is none of the modes
// is an error.
func (m KLMode) MarshalText() ([]byte, error) { return klModes.MarshalText(m) }

// UnmarshalText sets m to the mode named text.
func (m *KLMode) UnmarshalText(text []byte) error { return klModes.UnmarshalText(m, text) }

// Kind names an estimator, as cmd/train's -estimator does. The zero value
// is KindRLOO, amvi's default. Its text form is the name that the
// estimator's Name method returns ("rloo", "reinforce", "nvil", "vimco",
// "disarm"), or "exact" for KindExact.
type Kind int

// The estimators.
const (
	KindRLOO      Kind = iota // leave-one-out baselines, RLOO
	KindReinforce             // plain REINFORCE, Reinforce
	KindNVIL                  // NVIL's learned baselines, NVIL
	KindVIMCO                 // VIMCO's multi-sample bound, VIMCO
	KindDisARM                // DisARM's antithetic pairs, DisARM
	// KindExact is no estimator of this package: the exact gradient,
	// by enumerating the 2^K codes (package exact). New refuses it.
	KindExact
)

var kinds = enum.New[Kind]("estimator", []string{KindRLOO: "rloo", KindReinforce: "reinforce", KindNVIL: "nvil",
	KindVIMCO: "vimco", KindDisARM: "disarm", KindExact: "exact"})

// String returns the estimator's name.
func (k Kind) String() string { return kinds.String(k) }

// MarshalText returns the estimator's name; a value that is none of the
// kinds is an error.
func (k Kind) MarshalText() ([]byte, error) { return kinds.MarshalText(k) }

// UnmarshalText sets k to the estimator named text.
func (k *Kind) UnmarshalText(text []byte) error { return kinds.UnmarshalText(k, text) }

// Batch holds the per-sample quantities of one minibatch of B documents with
// S codes each; per-sample slices have B·S entries, sample s of document b at
// index b·S+s.
type Batch struct {
	B, S     int
	LogLik   []float64 // log p(x_b|z_bs)
	LogPrior []float64 // log p(z_bs)
	LogQ     []float64 // log q(z_bs|x_b)
	KL       []float64 // B closed-form KL(q(z|x_b)||p(z))
	Input    []float64 // B×InputDim encoder inputs, for input-dependent baselines
	// InputSparse, when not nil, holds the same inputs in compressed-row
	// form and is read instead of Input.
	InputSparse *mlp.Sparse
	InputDim    int
	// K, Codes and Probs are the codes (B·S×K, as sampled) and the
	// posterior's probabilities σ(a) (B×K), for estimators that read them
	// (DisARM).
	K            int
	Codes, Probs []float64
}

// Weights are an estimator's output for one Batch.
type Weights struct {
	Advantage     []float64 // B·S: A_bs, the coefficient of ∇ log q(z_bs|x_b)
	DecoderWeight []float64 // B·S: the coefficient of ∇_θ log p(x_b|z_bs)
	KLWeight      float64   // the coefficient of -∇_λ KL (0 when the KL is in the signal)
	Objective     []float64 // B: the single-batch estimate of the objective per document
	// LogitGrad, when not nil, is the estimate (B×K) of the gradient of the
	// objective's sampled part with respect to the encoder's logits, which
	// replaces Σ_s A_bs ∇ log q(z_bs|x_b) (DisARM's is not of that form).
	LogitGrad []float64
	// PriorMean, when not nil, is the mean code m_b (B×K) under which
	// log p(z) enters the objective, whose gradient with respect to the
	// prior's logits ρ is then mean_b (m_b - α) (encoder.Prior.LogitGrad):
	// VIMCO's Σ_s w̃_bs z_bs, the normalised weights' mean code, for L_S.
	// When nil it is q's probabilities σ(a), the ELBO's (minus the
	// closed-form KL's) gradient.
	PriorMean []float64

	logitGrad, priorMean []float64 // the buffers behind LogitGrad and PriorMean
}

// reset sizes w for b.
func (w *Weights) reset(b *Batch) {
	n := b.B * b.S
	w.Advantage = scratch.Grow(w.Advantage, n)
	w.DecoderWeight = scratch.Grow(w.DecoderWeight, n)
	w.Objective = scratch.Grow(w.Objective, b.B)
	w.KLWeight = 0
	w.LogitGrad, w.PriorMean = nil, nil
}

// An Estimator maps a minibatch's learning signals to surrogate weights.
// Estimators with control variates (NVIL) also train them in Estimate, after
// computing the weights from their state before the update, so the weights
// of a batch never depend on that batch's own samples through the baseline.
type Estimator interface {
	// Name returns the estimator's command-line name.
	Name() string
	// MinSamples returns the fewest codes per document it works with.
	MinSamples() int
	// Estimate writes the weights for b into w.
	Estimate(w *Weights, b *Batch) error
}

// Overlapper is implemented by estimators with work off a step's critical
// path, which a caller may overlap with its own. For each batch the caller
// calls Prepare(b) once b's inputs are set, possibly while it runs the
// decoder's forward pass; then Estimate, which skips what Prepare did and
// leaves the estimator's own learning from the batch to Learn; then Learn,
// possibly while it runs its backward passes, and before it reads the
// estimator's state or calls Prepare again. The results are those of
// Estimate alone.
type Overlapper interface {
	Estimator
	Prepare(b *Batch)
	Learn()
}

// A Sampler is an estimator that draws its own codes (DisARM's antithetic
// pairs) instead of S independent draws from q. SampleCodes writes S codes
// per row of the probabilities p = σ(a) (rows×k) into z (rows·S×k); each
// code must be marginally a draw from q.
type Sampler interface {
	Estimator
	SampleCodes(z, p []float64, k, samples int, rng *rand.Rand)
}

// New returns the estimator of kind k with default settings; inputDim is
// the encoder input size (for NVIL's baseline network) and seed seeds its
// initial weights. Its Name is k's name.
// It panics if k is KindExact or none of the kinds.
func New(k Kind, kl KLMode, inputDim int, seed uint64) Estimator {
	switch k {
	case KindReinforce:
		return &Reinforce{KL: kl}
	case KindNVIL:
		return NewNVIL(NVILConfig{KL: kl, InputDim: inputDim, Seed: seed})
	case KindRLOO:
		return &RLOO{KL: kl}
	case KindVIMCO:
		return &VIMCO{}
	case KindDisARM:
		return &DisARM{KL: kl}
	}
	panic(fmt.Sprintf("estimators: New(%v): not an estimator of this package", k))
}

// signal writes the learning signal f for every sample into dst and the ELBO
// estimate per document into obj, and returns the KL weight for mode.
func signal(dst, obj []float64, b *Batch, mode KLMode) float64 {
	for d := 0; d < b.B; d++ {
		mean := 0.0
		for s := 0; s < b.S; s++ {
			i := d*b.S + s
			f := b.LogLik[i]
			if mode == Stochastic {
				f += b.LogPrior[i] - b.LogQ[i]
				mean += f
			} else {
				mean += b.LogLik[i]
			}
			dst[i] = f
		}
		mean /= float64(b.S)
		if mode == ClosedForm {
			mean -= b.KL[d]
		}
		obj[d] = mean
	}
	if mode == ClosedForm {
		return 1
	}
	return 0
}

func checkBatch(b *Batch, minS int, name string) error {
	n := b.B * b.S
	if b.S < minS {
		return fmt.Errorf("estimators: %s needs at least %d samples per document, got %d", name, minS, b.S)
	}
	if len(b.LogLik) != n || len(b.LogPrior) != n || len(b.LogQ) != n || len(b.KL) != b.B {
		return fmt.Errorf("estimators: %s: batch slices do not match B=%d, S=%d", name, b.B, b.S)
	}
	for i := 0; i < n; i++ {
		if v := b.LogLik[i] + b.LogPrior[i] - b.LogQ[i]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("estimators: %s: sample %d of document %d: log weight %v: %w", name, i%b.S, i/b.S, v, ErrNotFinite)
		}
	}
	return nil
}

// ErrNotFinite reports a NaN or infinite learning signal. It is the same
// value as encoder.ErrNotFinite.
var ErrNotFinite = mathx.ErrNotFinite
