package train

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/internal/enum"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/model"
)

// Config is everything that determines a training run. It is stored as JSON
// in every checkpoint and in the run folder's config.json, under the names
// of cmd/train's flags (V, which has none, is the vocabulary's size; data
// holds the corpora's flags), the typed settings by name ("tanh", "rloo").
// Configurations written by earlier versions, with keys such as clip_norm,
// are read too.
//
// The typed settings' zero values are their defaults: tanh activations,
// the raw counts as input, the RLOO estimator, the ELBO, the closed-form KL
// and the cosine learning-rate schedule. The prior is the exception: its
// zero value is the fixed prior, which configurations written before the
// learned prior was the default leave out, and DefaultConfig sets
// PriorLearned. The sizes and rates have no useful zero; DefaultConfig sets
// them.
type Config struct {
	V                 int                `json:"V"`
	K                 int                `json:"K"`
	Hidden            []int              `json:"hidden"`
	Activation        encoder.Activation `json:"activation"`
	Input             encoder.Input      `json:"input"`
	DecoderHidden     []int              `json:"decoder-hidden"`
	DecoderActivation encoder.Activation `json:"decoder-activation"`
	Alpha             float64            `json:"alpha"`
	// Prior is PriorFixed (every α_j = Alpha) or PriorLearned: one α_j
	// per factor, started at Alpha and trained on the estimator's
	// objective (the closed-form gradient of the KL for the ELBO, VIMCO's
	// estimate for L_S), stored in the checkpoint as prior.logit.
	Prior Prior `json:"prior,omitempty"`
	// EncoderArch and DecoderArch name architectures registered with
	// model.RegisterArch; empty for the built-in networks.
	EncoderArch string `json:"encoder-arch,omitempty"`
	DecoderArch string `json:"decoder-arch,omitempty"`
	// Dtype is the networks' element type (model.Dtype): model.Float32,
	// DefaultConfig's (weights, activations, gradients and Adam's
	// parameters in float32, the likelihood's and the bound's sums, the
	// gradient norm and the NaN check in float64), or model.Float64, the
	// zero value, which configurations written before float32 existed
	// leave out. A float32 run's checkpoints store the networks as F32
	// tensors. Float32 needs the built-in networks and an estimator (not
	// KindExact); DtypeFor gives the default for a configuration.
	Dtype model.Dtype `json:"dtype,omitempty"`

	// Estimator is the encoder's gradient estimator, or estimators.KindExact
	// for the exact gradient by enumerating the 2^K codes (K ≤ 14).
	Estimator estimators.Kind `json:"estimator"`
	// Objective is exact.ELBO or exact.EM: the decoder trained on the exact
	// log p(x), the encoder on the exact ELBO (needs Estimator KindExact).
	Objective exact.Objective   `json:"objective,omitempty"`
	Samples   int               `json:"samples"`
	KL        estimators.KLMode `json:"kl"`
	Normalise bool              `json:"normalise"` // NVIL's variance normalisation

	Batch  int `json:"batch"`
	Epochs int `json:"epochs"`
	// Steps is the training budget in optimizer steps when Epochs is 0:
	// New sets Epochs to the fewest whole epochs that make at least Steps
	// steps, so that the budget does not grow with the corpus.
	Steps int `json:"steps,omitempty"`
	// Warmup is how many steps the learning rate rises linearly over, from
	// LR/Warmup to LR, before the schedule; 0: none.
	Warmup     int      `json:"warmup,omitempty"`
	LR         float64  `json:"lr"`
	LRSchedule Schedule `json:"lr-schedule"`
	// LRScaling shares LR among the layers: LRScalingFanIn (the default)
	// scales each weight matrix's rate by the default model's fan-in over
	// its own, so that every model size moves its outputs as fast as the
	// default's. A configuration written before it existed reads as
	// LRScalingNone, the training it was made with.
	LRScaling LRScaling `json:"lr-scaling"`
	ClipNorm  float64   `json:"clip"` // 0: no clipping
	Seed      uint64    `json:"seed"`

	ValidEvery   int `json:"valid-every"`   // steps between validations; 0: at each epoch's end
	ValidSamples int `json:"valid-samples"` // codes per document for the validation ELBO
	Patience     int `json:"patience"`      // validations without improvement before stopping; 0: never
	LogEvery     int `json:"log-every"`     // steps between log lines when not on a terminal

	// RestartOnDivergence is how many times a run that diverges (a NaN or
	// infinite loss, gradient, parameter or validation bound) goes back to
	// its last good checkpoint and continues with the learning rate
	// multiplied by RestartLRFactor; 0 stops at the first divergence with
	// ErrDiverged. The count is over the whole run, resumes included.
	RestartOnDivergence int `json:"restarts"`
	// RestartLRFactor multiplies the learning rate at each restart; it must
	// lie in (0, 1). 0 means the default, 0.5.
	RestartLRFactor float64 `json:"restart-lr-factor"`

	// Data records where the corpora came from, so that a command can resume
	// the run without being told again. Training itself does not read it.
	Data DataSource `json:"data"`
}

// oldConfigKeys maps the keys of configurations written before they were
// named like the flags to today's.
var oldConfigKeys = map[string]string{
	"decoder_hidden": "decoder-hidden", "decoder_activation": "decoder-activation",
	"lr_schedule": "lr-schedule", "clip_norm": "clip", "valid_every": "valid-every",
	"valid_samples": "valid-samples", "log_every": "log-every",
	"restart_on_divergence": "restarts", "restart_lr_factor": "restart-lr-factor",
	"valid_fraction": "valid-fraction", "text_vocab": "text-vocab",
	"min_count": "min-count", "max_vocab": "max-vocab", "stop_words": "stop-words",
}

// namedKeys are the configuration's typed settings, held by name. A
// configuration written before they were typed may hold "" for a default
// (an unused decoder activation), which is read as the zero value.
var namedKeys = []string{"activation", "input", "decoder-activation", "prior", "estimator", "objective", "kl", "lr-schedule", "lr-scaling", "dtype"}

// renameOldKeys decodes a JSON object, renames its old keys and drops the
// keys in named whose value is "". A key given under both names is an
// error.
func renameOldKeys(b []byte, named ...string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	renamed := false
	for _, k := range named {
		if string(m[k]) == `""` {
			delete(m, k)
			renamed = true
		}
	}
	for old, cur := range oldConfigKeys {
		v, ok := m[old]
		if !ok {
			continue
		}
		if _, dup := m[cur]; dup {
			return nil, fmt.Errorf("train: configuration has both %q and its old name %q", cur, old)
		}
		m[cur] = v
		delete(m, old)
		renamed = true
	}
	if !renamed {
		return b, nil
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads a configuration, accepting the old key names.
func (c *Config) UnmarshalJSON(b []byte) error {
	b, err := renameOldKeys(b, namedKeys...)
	if err != nil {
		return err
	}
	type plain Config
	// A configuration without lr-scaling was trained with one rate.
	c.LRScaling = LRScalingNone
	return json.Unmarshal(b, (*plain)(c))
}

// UnmarshalJSON reads a data source, accepting the old key names.
func (d *DataSource) UnmarshalJSON(b []byte) error {
	b, err := renameOldKeys(b)
	if err != nil {
		return err
	}
	type plain DataSource
	return json.Unmarshal(b, (*plain)(d))
}

// UnmarshalJSON reads text vocabulary settings, accepting the old key names.
func (v *TextVocab) UnmarshalJSON(b []byte) error {
	b, err := renameOldKeys(b)
	if err != nil {
		return err
	}
	type plain TextVocab
	return json.Unmarshal(b, (*plain)(v))
}

// DataSource describes a run's corpora.
type DataSource struct {
	Train string `json:"train,omitempty"` // empty: the synthetic default corpus
	// SyntheticDocs is the synthetic corpus's number of training and
	// validation documents, when Train is empty; 0: synth.Default's.
	SyntheticDocs int     `json:"synthetic-docs,omitempty"`
	Valid         string  `json:"valid,omitempty"`
	Test          string  `json:"test,omitempty"`
	Format        string  `json:"format,omitempty"`
	Vocab         string  `json:"vocab,omitempty"`
	ValidFraction float64 `json:"valid-fraction,omitempty"`
	// TextVocab records how the text format's vocabulary was built from
	// the training file, when it was (no Vocab file), so that a resumed run
	// builds the same one.
	TextVocab *TextVocab `json:"text-vocab,omitempty"`
}

// TextVocab are the settings of a vocabulary built from plain text (see
// data.TextOptions).
type TextVocab struct {
	MinCount  int  `json:"min-count"`
	MaxVocab  int  `json:"max-vocab"`
	StopWords bool `json:"stop-words"`
}

// DefaultConfig returns amvi's defaults, chosen on 20 Newsgroups'
// validation split and on synthetic corpora of 4,000 and 100,000 documents
// (docs/results.md): K=100 binary factors, an encoder with one tanh hidden
// layer of 1,000 units, the linear decoder, a learned prior (one α_j per
// factor, started at 0.5: it can switch off the factors a corpus does not
// need, which gains on the synthetic corpora and is fixed α's equal on 20
// Newsgroups), the leave-one-out estimator
// with 32 codes per document, and Adam at 1e-3, rising linearly over the
// first 500 steps and then on a cosine schedule, over a budget of 16,000
// steps of 64 documents (Epochs 0: as many epochs as that takes) whatever
// the corpus's size; a model of another size has its layers' rates scaled
// by fan-in from this one's (LRScalingFanIn). The networks are float32
// (docs/speed.md, "float32 against float64": the bound is float64's within
// the spread between seeds, in less time). Its other typed settings are
// their zero values.
func DefaultConfig() Config {
	return Config{
		K: 100, Hidden: []int{1000}, Alpha: 0.5, Prior: PriorLearned, Dtype: model.Float32,
		Samples: 32, Normalise: true,
		Batch: 64, Steps: 16000, Warmup: 500, LR: 1e-3, Seed: 1,
		ValidSamples: 10, LogEvery: 100, RestartLRFactor: 0.5,
	}
}

// Prior says whether the prior's probabilities are trained. The zero
// value is PriorFixed; DefaultConfig's is PriorLearned. Its text form is its name, "fixed" or
// "learned", as in cmd/train's -prior.
type Prior int

// The priors.
const (
	PriorFixed   Prior = iota // every α_j is Config.Alpha
	PriorLearned              // one α_j per factor, trained
)

var priors = enum.New[Prior]("prior", []string{PriorFixed: "fixed", PriorLearned: "learned"})

// String returns the prior's name.
func (p Prior) String() string { return priors.String(p) }

// MarshalText returns the prior's name; a value that is none of the priors
// is an error.
func (p Prior) MarshalText() ([]byte, error) { return priors.MarshalText(p) }

// UnmarshalText sets p to the prior named text.
func (p *Prior) UnmarshalText(text []byte) error { return priors.UnmarshalText(p, text) }

// Schedule is the learning rate's schedule over the run. The zero value is
// ScheduleCosine, the default. Its text form is its name, "cosine" or
// "constant", as in cmd/train's -lr-schedule; configurations hold it by
// name, so the order of the values is not stored.
type Schedule int

// The schedules.
const (
	ScheduleCosine   Schedule = iota // from Config.LR down to 0 on a half cosine (after the warm-up)
	ScheduleConstant                 // Config.LR throughout
)

var schedules = enum.New[Schedule]("learning-rate schedule", []string{ScheduleCosine: "cosine", ScheduleConstant: "constant"})

// String returns the schedule's name.
func (s Schedule) String() string { return schedules.String(s) }

// MarshalText returns the schedule's name; a value that is none of the
// schedules is an error.
func (s Schedule) MarshalText() ([]byte, error) { return schedules.MarshalText(s) }

// UnmarshalText sets s to the schedule named text.
func (s *Schedule) UnmarshalText(text []byte) error { return schedules.UnmarshalText(s, text) }

// LRScaling says how the learning rate is shared among a model's layers.
// The zero value is LRScalingFanIn, the default. Its text form is its name,
// "fan-in" or "none", as in cmd/train's -lr-scaling.
//
// With Adam a weight's step is about the rate whatever its gradient's
// scale, so a unit's input moves by about the rate times its fan-in each
// step: with one rate, a model with fewer factors or hidden units learns
// more slowly, per step, than the model the rate was chosen on. Fan-in
// scaling gives a weight matrix whose input is the code or a hidden layer
// the rate LR × base/fan-in, base being the default model's size of that
// input (DefaultConfig: K=100 for the code, 1,000 for hidden units), as in
// μP (Yang & Hu 2021, Adam's rate of hidden and output weights ∝
// 1/fan-in, relative to a base model's shapes). The encoder's first
// layer (its input is the document), the biases and the prior keep LR, so
// the default model trains with LR everywhere, bit for bit as without
// scaling.
type LRScaling int

// The learning-rate scalings.
const (
	LRScalingFanIn LRScaling = iota // a weight matrix on the code or hidden units: LR × base/fan-in
	LRScalingNone                   // LR for every parameter
)

var lrScalings = enum.New[LRScaling]("learning-rate scaling", []string{LRScalingFanIn: "fan-in", LRScalingNone: "none"})

// String returns the scaling's name.
func (s LRScaling) String() string { return lrScalings.String(s) }

// MarshalText returns the scaling's name; a value that is none of the
// scalings is an error.
func (s LRScaling) MarshalText() ([]byte, error) { return lrScalings.MarshalText(s) }

// UnmarshalText sets s to the scaling named text.
func (s *LRScaling) UnmarshalText(text []byte) error { return lrScalings.UnmarshalText(s, text) }

// lrScales returns the multiplier of the learning rate for each tensor of
// the networks' parameters, in the order of their Params (encoder, then
// decoder; each layer's weights, then its bias), for c.LRScaling.
func (c Config) lrScales(enc, dec *mlp.Net) []float64 {
	def := DefaultConfig()
	var s []float64
	for ni, n := range []*mlp.Net{enc, dec} {
		for i, l := range n.Layers {
			w := 1.0
			switch {
			case c.LRScaling != LRScalingFanIn:
			case ni == 1 && i == 0: // the decoder's input: the code
				w = float64(def.K) / float64(l.In)
			case i > 0: // hidden units
				w = float64(def.Hidden[0]) / float64(l.In)
			}
			s = append(s, w, 1)
		}
	}
	return s
}

// Validate reports whether c is complete and consistent.
func (c Config) Validate() error {
	if _, err := c.modelConfig(); err != nil {
		return err
	}
	for _, v := range []encoding.TextMarshaler{c.DecoderActivation, c.Prior, c.Estimator, c.Objective, c.KL, c.LRSchedule, c.LRScaling, c.Dtype} {
		if _, err := v.MarshalText(); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	minSamples := 1
	if est := c.NewEstimator(); est != nil {
		minSamples = est.MinSamples()
	}
	switch {
	case c.Dtype != model.Float64 && c.Estimator == estimators.KindExact:
		return fmt.Errorf("train: estimator exact is a float64 reference: it does not run in %v: set the dtype to float64 (-dtype float64)", c.Dtype)
	case c.Dtype != model.Float64 && (c.EncoderArch != "" || c.DecoderArch != ""):
		return fmt.Errorf("train: registered architectures run in float64 only, not %v: set the dtype to float64 (-dtype float64)", c.Dtype)
	case c.Objective == exact.EM && c.Estimator != estimators.KindExact:
		return fmt.Errorf("train: objective em enumerates the codes: it needs estimator exact, not %s", c.Estimator)
	case c.K > MaxK:
		return fmt.Errorf("train: -K %d: more than %d binary factors is surely a mistake (codes for search use 16 to 256)", c.K, MaxK)
	case c.Estimator == estimators.KindExact && c.K > exact.MaxK:
		return fmt.Errorf("train: estimator exact enumerates 2^K codes: K=%d is more than %d", c.K, exact.MaxK)
	case c.Samples < minSamples:
		return fmt.Errorf("train: estimator %s needs -samples ≥ %d", c.Estimator, minSamples)
	case c.Estimator == estimators.KindDisARM && c.Samples%2 != 0:
		return fmt.Errorf("train: estimator disarm draws antithetic pairs: -samples %d must be even", c.Samples)
	case c.Samples > MaxSamples:
		return fmt.Errorf("train: -samples %d is more than %d", c.Samples, MaxSamples)
	case c.Batch < 1:
		return fmt.Errorf("train: batch size %d must be positive", c.Batch)
	case c.Epochs < 0 || c.Steps < 0 || c.Warmup < 0:
		return fmt.Errorf("train: -epochs %d, -steps %d and -warmup %d must not be negative", c.Epochs, c.Steps, c.Warmup)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("train: -lr %v: the learning rate must be a positive finite number", c.LR)
	case !(c.ClipNorm >= 0) || math.IsInf(c.ClipNorm, 0):
		return fmt.Errorf("train: -clip %v: the gradient-norm bound must be a finite number ≥ 0 (0: no clipping)", c.ClipNorm)
	case c.ValidEvery < 0 || c.Patience < 0 || c.LogEvery < 0:
		return fmt.Errorf("train: -valid-every %d, -patience %d and -log-every %d must not be negative", c.ValidEvery, c.Patience, c.LogEvery)
	case c.ValidSamples < 1 || c.ValidSamples > MaxSamples:
		return fmt.Errorf("train: -valid-samples %d must lie in 1..%d", c.ValidSamples, MaxSamples)
	case c.RestartOnDivergence < 0:
		return fmt.Errorf("train: -restarts %d must not be negative", c.RestartOnDivergence)
	case c.RestartLRFactor != 0 && !(c.RestartLRFactor > 0 && c.RestartLRFactor < 1):
		return fmt.Errorf("train: -restart-lr-factor %v must lie in (0, 1)", c.RestartLRFactor)
	}
	return nil
}

// DtypeFor returns the dtype a configuration gets when none is asked for:
// float64 where float32 does not run (estimator exact, a registered
// architecture), otherwise DefaultConfig's float32.
func DtypeFor(c Config) model.Dtype {
	if c.Estimator == estimators.KindExact || c.EncoderArch != "" || c.DecoderArch != "" {
		return model.Float64
	}
	return DefaultConfig().Dtype
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
		Encoder: encoder.Config{V: c.V, K: c.K, Hidden: c.Hidden, Activation: c.Activation, Input: c.Input, Arch: c.EncoderArch},
		Decoder: decoder.Config{K: c.K, V: c.V, Hidden: c.DecoderHidden, Activation: c.DecoderActivation, Arch: c.DecoderArch},
		Alpha:   c.Alpha,
		Dtype:   c.Dtype,
	}
	if err := mc.Encoder.Validate(); err != nil {
		return mc, err
	}
	if err := mc.Decoder.Validate(); err != nil {
		return mc, err
	}
	if !(c.Alpha > 0 && c.Alpha < 1) {
		return mc, fmt.Errorf("train: -alpha %v: the prior probability must lie in (0, 1)", c.Alpha)
	}
	return mc, nil
}

// NewEstimator returns the estimator c configures, as a run of c builds
// it (NVIL's baseline network in the networks' dtype); nil for KindExact,
// which has none.
// It panics if c.Estimator is none of the kinds (an error from Validate).
func (c Config) NewEstimator() estimators.Estimator {
	switch c.Estimator {
	case estimators.KindExact:
		return nil
	case estimators.KindNVIL:
		return estimators.NewNVIL(estimators.NVILConfig{KL: c.KL, InputDim: c.V, Normalise: c.Normalise, Seed: c.Seed, Float32: c.Dtype == model.Float32})
	}
	return estimators.New(c.Estimator, c.KL, c.V, c.Seed)
}

// MaxK bounds -K: a code of more bits than this is refused as a mistake
// before anything of its size is allocated.
const MaxK = 4096

// MaxSamples bounds -samples and -valid-samples.
const MaxSamples = 1 << 20

// MemoryEstimate returns about how many bytes a run of c holds: the
// parameters with their gradients and Adam's moments, and one step's
// activations, where the decoder's output for every document and sampled
// code (Batch × Samples × V values) dominates. It is computed in float64,
// so that absurd sizes do not overflow, and is meant to within a factor of
// two.
func (c Config) MemoryEstimate() float64 {
	params := func(sizes []float64) float64 {
		p := 0.0
		for i := 1; i < len(sizes); i++ {
			p += sizes[i-1]*sizes[i] + sizes[i]
		}
		return p
	}
	layers := func(in float64, hidden []int, out float64) []float64 {
		s := []float64{in}
		for _, h := range hidden {
			s = append(s, float64(h))
		}
		return append(s, out)
	}
	V, K := float64(c.V), float64(c.K)
	enc, dec := layers(V, c.Hidden, K), layers(K, c.DecoderHidden, V)
	p := params(enc) + params(dec)
	// Weights and gradients in float64, Adam's two moments in float32.
	bytes := p * (8 + 8 + 8)
	// One step: every layer's output (and its gradient) for each document
	// (encoder) and each document and code (decoder).
	rows := float64(max(c.Batch, 1)) * float64(max(c.Samples, c.ValidSamples, 1))
	widths := 0.0
	for _, w := range dec[1:] {
		widths += w
	}
	bytes += 2 * 8 * rows * widths
	encWidths := 0.0
	for _, w := range enc {
		encWidths += w
	}
	bytes += 2 * 8 * float64(max(c.Batch, 1)) * encWidths
	return bytes
}

// ErrTooBig reports a run or evaluation that would not fit in memory.
var ErrTooBig = errors.New("more than this machine's memory")

// CheckMemory refuses, with ErrTooBig, a configuration whose
// MemoryEstimate exceeds the machine's physical memory, naming the flags
// that size it.
func (c Config) CheckMemory() error {
	need, have := c.MemoryEstimate(), PhysicalMemory()
	if have == 0 || need <= have {
		return nil
	}
	return fmt.Errorf("train: the run would need about %s (V=%d, -K %d, -hidden %v, -decoder-hidden %v; each step holds -batch %d × -samples %d × V values), %w (%s): lower -K, -hidden, -decoder-hidden, -batch or -samples, or give -vocab if V is wrong",
		FormatBytes(need), c.V, c.K, c.Hidden, c.DecoderHidden, c.Batch, c.Samples, ErrTooBig, FormatBytes(have))
}

// FormatBytes writes a byte count for a message: "512 MB", "3.2 GB".
func FormatBytes(b float64) string {
	switch {
	case b >= 1e12:
		return fmt.Sprintf("%.1f TB", b/1e12)
	case b >= 1e9:
		return fmt.Sprintf("%.1f GB", b/1e9)
	case b >= 1e6:
		return fmt.Sprintf("%.0f MB", b/1e6)
	}
	return fmt.Sprintf("%.0f kB", b/1e3)
}
