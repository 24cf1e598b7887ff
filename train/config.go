package train

import (
	"fmt"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/model"
)

// Config is everything that determines a training run. It is stored as JSON
// in every checkpoint and in the run folder's config.json.
type Config struct {
	V                 int     `json:"V"`
	K                 int     `json:"K"`
	Hidden            []int   `json:"hidden"`
	Activation        string  `json:"activation"`
	Input             string  `json:"input"`
	DecoderHidden     []int   `json:"decoder_hidden"`
	DecoderActivation string  `json:"decoder_activation"`
	Alpha             float64 `json:"alpha"`

	// Estimator names the encoder's gradient estimator, or "exact" for the
	// exact gradient by enumerating the 2^K codes (K ≤ 14).
	Estimator string `json:"estimator"`
	// Objective is "elbo" (empty means it) or "em": the decoder trained on
	// the exact log p(x), the encoder on the exact ELBO (needs Estimator
	// "exact").
	Objective string `json:"objective,omitempty"`
	Samples   int    `json:"samples"`
	KL        string `json:"kl"`        // "closed" or "stochastic"
	Normalise bool   `json:"normalise"` // NVIL's variance normalisation

	Batch      int     `json:"batch"`
	Epochs     int     `json:"epochs"`
	LR         float64 `json:"lr"`
	LRSchedule string  `json:"lr_schedule"` // "constant" or "cosine"
	ClipNorm   float64 `json:"clip_norm"`   // 0: no clipping
	Seed       uint64  `json:"seed"`
	Workers    int     `json:"workers"` // parallel shards of each minibatch; part of the run's identity, like Seed
	// Backend is "plain" (the default: hand-written sparse kernels, using
	// every core) or "graph" (the Gorgonia graphs). They compute the same
	// gradients to rounding, so a run's identity includes it, like Seed.
	Backend string `json:"backend,omitempty"`

	ValidEvery   int `json:"valid_every"`   // steps between validations; 0: at each epoch's end
	ValidSamples int `json:"valid_samples"` // codes per document for the validation ELBO
	Patience     int `json:"patience"`      // validations without improvement before stopping; 0: never
	LogEvery     int `json:"log_every"`     // steps between log lines when not on a terminal

	// RestartOnDivergence is how many times a run that diverges (a NaN or
	// infinite loss, gradient, parameter or validation bound) goes back to
	// its last good checkpoint and continues with the learning rate
	// multiplied by RestartLRFactor; 0 stops at the first divergence with
	// ErrDiverged. The count is over the whole run, resumes included.
	RestartOnDivergence int `json:"restart_on_divergence"`
	// RestartLRFactor multiplies the learning rate at each restart; it must
	// lie in (0, 1). 0 means the default, 0.5.
	RestartLRFactor float64 `json:"restart_lr_factor"`

	// Data records where the corpora came from, so that a command can resume
	// the run without being told again. Training itself does not read it.
	Data DataSource `json:"data"`
}

// DataSource describes a run's corpora.
type DataSource struct {
	Train         string  `json:"train,omitempty"` // empty: the synthetic default corpus
	Valid         string  `json:"valid,omitempty"`
	Test          string  `json:"test,omitempty"`
	Format        string  `json:"format,omitempty"`
	Vocab         string  `json:"vocab,omitempty"`
	ValidFraction float64 `json:"valid_fraction,omitempty"`
}

// DefaultConfig returns amvi's defaults: the model of the NVIL paper's
// document experiments (K=50, one tanh hidden layer of 500 units, linear
// decoder), trained with the leave-one-out estimator, 8 samples, Adam 5e-4.
func DefaultConfig() Config {
	return Config{
		K: 50, Hidden: []int{500}, Activation: "tanh", Input: encoder.InputCounts,
		DecoderActivation: "tanh", Alpha: 0.5,
		Estimator: "rloo", Samples: 8, KL: "closed", Normalise: true,
		Batch: 64, Epochs: 100, LR: 5e-4, LRSchedule: "constant", Seed: 1, Workers: 1, Backend: "plain",
		ValidSamples: 10, LogEvery: 100, RestartLRFactor: 0.5,
	}
}

// Validate reports whether c is complete and consistent.
func (c Config) Validate() error {
	if _, err := c.modelConfig(); err != nil {
		return err
	}
	if _, err := c.klMode(); err != nil {
		return err
	}
	est, err := c.newEstimator()
	if err != nil {
		return err
	}
	minSamples := 1
	if est != nil {
		minSamples = est.MinSamples()
	}
	switch {
	case c.Objective != "" && c.Objective != "elbo" && c.Objective != "em":
		return fmt.Errorf("train: objective %q (want elbo or em)", c.Objective)
	case c.Objective == "em" && c.Estimator != "exact":
		return fmt.Errorf("train: objective em enumerates the codes: it needs estimator exact, not %s", c.Estimator)
	case c.Estimator == "exact" && c.K > exact.MaxK:
		return fmt.Errorf("train: estimator exact enumerates 2^K codes: K=%d is more than %d", c.K, exact.MaxK)
	case c.Samples < minSamples:
		return fmt.Errorf("train: estimator %s needs -samples ≥ %d", c.Estimator, minSamples)
	case c.Estimator == "disarm" && c.Samples%2 != 0:
		return fmt.Errorf("train: estimator disarm draws antithetic pairs: -samples %d must be even", c.Samples)
	case c.Backend != "" && c.Backend != "plain" && c.Backend != "graph":
		return fmt.Errorf("train: backend %q (want plain or graph)", c.Backend)
	case c.Workers < 1:
		return fmt.Errorf("train: workers %d must be positive", c.Workers)
	case c.Batch < 1:
		return fmt.Errorf("train: batch size %d must be positive", c.Batch)
	case c.Epochs < 0:
		return fmt.Errorf("train: epochs %d must not be negative", c.Epochs)
	case !(c.LR > 0):
		return fmt.Errorf("train: learning rate %v must be positive", c.LR)
	case c.LRSchedule != "constant" && c.LRSchedule != "cosine":
		return fmt.Errorf("train: learning-rate schedule %q (want constant or cosine)", c.LRSchedule)
	case c.ClipNorm < 0:
		return fmt.Errorf("train: clip norm %v must not be negative", c.ClipNorm)
	case c.ValidEvery < 0 || c.Patience < 0 || c.LogEvery < 0:
		return fmt.Errorf("train: valid_every, patience and log_every must not be negative")
	case c.ValidSamples < 1:
		return fmt.Errorf("train: validation samples %d must be positive", c.ValidSamples)
	case c.RestartOnDivergence < 0:
		return fmt.Errorf("train: restarts on divergence %d must not be negative", c.RestartOnDivergence)
	case c.RestartLRFactor != 0 && !(c.RestartLRFactor > 0 && c.RestartLRFactor < 1):
		return fmt.Errorf("train: restart learning-rate factor %v must lie in (0, 1)", c.RestartLRFactor)
	}
	return nil
}

// restartLRFactor returns RestartLRFactor, or its default 0.5 when it is 0.
func (c Config) restartLRFactor() float64 {
	if c.RestartLRFactor == 0 {
		return 0.5
	}
	return c.RestartLRFactor
}

func (c Config) modelConfig() (model.Config, error) {
	mc := model.Config{
		Encoder: encoder.Config{V: c.V, K: c.K, Hidden: c.Hidden, Activation: c.Activation, Input: c.Input},
		Decoder: decoder.Config{K: c.K, V: c.V, Hidden: c.DecoderHidden, Activation: c.DecoderActivation},
		Alpha:   c.Alpha,
	}
	if err := mc.Encoder.Validate(); err != nil {
		return mc, err
	}
	if err := mc.Decoder.Validate(); err != nil {
		return mc, err
	}
	if !(c.Alpha > 0 && c.Alpha < 1) {
		return mc, fmt.Errorf("train: prior alpha %v must lie in (0, 1)", c.Alpha)
	}
	return mc, nil
}

func (c Config) klMode() (estimators.KLMode, error) {
	switch c.KL {
	case "closed":
		return estimators.ClosedForm, nil
	case "stochastic":
		return estimators.Stochastic, nil
	}
	return 0, fmt.Errorf("train: KL mode %q (want closed or stochastic)", c.KL)
}

// newEstimator returns the configured estimator; nil for "exact", which
// has none.
func (c Config) newEstimator() (estimators.Estimator, error) {
	kl, err := c.klMode()
	if err != nil {
		return nil, err
	}
	if c.Estimator == "exact" {
		return nil, nil
	}
	if c.Estimator == "nvil" {
		return estimators.NewNVIL(estimators.NVILConfig{KL: kl, InputDim: c.V, Normalise: c.Normalise, Seed: c.Seed}), nil
	}
	return estimators.New(c.Estimator, kl, c.V, c.Seed)
}
