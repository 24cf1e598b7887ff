package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/optim"
)

// Errors a caller may need to tell apart.
var (
	// ErrInterrupted reports that the context was cancelled; the state after
	// the last completed step was saved to last.safetensors.
	ErrInterrupted = errors.New("train: interrupted")
	// ErrDiverged reports a NaN or infinite loss or gradient. Nothing was
	// saved after it; the last checkpoint on disk is intact.
	ErrDiverged = errors.New("train: diverged")
)

// File names inside a run folder.
const (
	LastFile    = "last.safetensors"
	BestFile    = "best.safetensors"
	MetricsFile = "metrics.jsonl"
	CurveFile   = "curve.png"
	ConfigFile  = "config.json"
)

// Trainer holds a run's state.
type Trainer struct {
	Config Config
	Model  *model.Model
	Dir    string // run folder
	Vocab  []string
	Log    *slog.Logger // progress lines when Progress is nil
	// Progress, when set, receives a call after every step (for a terminal
	// progress bar); Log lines are written either way at validations.
	Progress func(p Progress)

	train, valid *data.Corpus
	est          estimators.Estimator
	stepper      *model.Stepper
	opt          *optim.Adam
	grads        *model.Grads
	params       [][]float64
	gradParams   [][]float64
	paramNames   []string
	src          *rand.PCG
	rng          *rand.Rand
	st           state
	started      time.Time
}

// state is the run's position and bookkeeping, saved in checkpoints.
type state struct {
	Epoch          int     `json:"epoch"` // epochs completed
	Batch          int     `json:"batch"` // batches of the current epoch completed
	Step           int     `json:"step"`  // optimizer steps completed
	HasBest        bool    `json:"has_best"`
	BestValid      float64 `json:"best_valid"`
	BestStep       int     `json:"best_step"`
	BadValidations int     `json:"bad_validations"`
	EpochObjective float64 `json:"epoch_objective"` // sum of per-document objectives this epoch
	EpochDocs      int     `json:"epoch_docs"`
	Stopped        bool    `json:"stopped"` // early stopping fired
	RNG            []byte  `json:"rng"`
	TrainDocs      int     `json:"train_docs"`
	ValidDocs      int     `json:"valid_docs"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

// Progress is what a progress display shows after a step.
type Progress struct {
	Epoch, Epochs, Batch, Batches, Step int
	DocsPerSecond                       float64
	RunningObjective                    float64 // mean per document over the epoch so far
}

// New starts a run in dir (created if needed) over train, validating on
// valid (which may be empty: then no early stopping). vocab lists the words
// (len cfg.V); it is stored in checkpoints.
func New(cfg Config, dir string, trainC, validC *data.Corpus, vocab []string) (*Trainer, error) {
	if cfg.V == 0 {
		cfg.V = trainC.V
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	mc, _ := cfg.modelConfig()
	m, err := model.New(mc, rand.New(rand.NewPCG(cfg.Seed, 0x696e6974)))
	if err != nil {
		return nil, err
	}
	t, err := newTrainer(cfg, dir, m, trainC, validC, vocab)
	if err != nil {
		return nil, err
	}
	t.src = rand.NewPCG(cfg.Seed, 0x73616d70)
	t.rng = rand.New(t.src)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: run folder: %w", err)
	}
	if err := writeJSONFile(filepath.Join(dir, ConfigFile), cfg); err != nil {
		return nil, err
	}
	// Start a fresh metrics file: a new run does not append to an old one.
	if err := os.WriteFile(filepath.Join(dir, MetricsFile), nil, 0o644); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	// A run can be resumed from its first step on.
	t.started = time.Now()
	if err := t.save(LastFile); err != nil {
		return nil, err
	}
	return t, nil
}

func newTrainer(cfg Config, dir string, m *model.Model, trainC, validC *data.Corpus, vocab []string) (*Trainer, error) {
	if trainC.V > cfg.V || (validC != nil && validC.V > cfg.V) {
		return nil, fmt.Errorf("train: corpus has more words than the model's V=%d", cfg.V)
	}
	if vocab != nil && len(vocab) != cfg.V {
		return nil, fmt.Errorf("train: vocabulary has %d words, model V=%d", len(vocab), cfg.V)
	}
	if trainC.Len() == 0 {
		return nil, fmt.Errorf("train: the training corpus has no documents")
	}
	if validC == nil {
		validC = &data.Corpus{V: cfg.V}
	}
	est, err := cfg.newEstimator()
	if err != nil {
		return nil, err
	}
	st, err := model.NewStepper(m, est, cfg.Samples, model.Graph, cfg.Workers)
	if err != nil {
		return nil, err
	}
	t := &Trainer{Config: cfg, Model: m, Dir: dir, Vocab: vocab, train: trainC, valid: validC,
		est: est, stepper: st, grads: m.NewGrads(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.params = append(m.Enc.Net.Params(), m.Dec.Net.Params()...)
	t.gradParams = append(t.grads.Enc.Params(), t.grads.Dec.Params()...)
	t.paramNames = append(layerNames("encoder", m.Enc.Net), layerNames("decoder", m.Dec.Net)...)
	t.opt = optim.NewAdam(t.params, cfg.LR)
	t.st.TrainDocs, t.st.ValidDocs = trainC.Len(), validC.Len()
	return t, nil
}

// layerNames returns the checkpoint names of a network's parameters, in the
// order of mlp.Net.Params.
func layerNames(prefix string, n *mlp.Net) []string {
	var names []string
	for i := range n.Layers {
		names = append(names, fmt.Sprintf("%s.layers.%d.weight", prefix, i), fmt.Sprintf("%s.layers.%d.bias", prefix, i))
	}
	return names
}

// Close releases the trainer's graphs.
func (t *Trainer) Close() error { return t.stepper.Close() }

// Result summarises a finished run.
type Result struct {
	Epochs, Steps int
	BestValid     float64 // best validation ELBO per document (-Inf without validation data)
	BestStep      int
	Stopped       bool // early stopping ended the run
	Seconds       float64
}

func (t *Trainer) batchesPerEpoch() int { return (t.train.Len() + t.Config.Batch - 1) / t.Config.Batch }

// learningRate returns the rate for the next step under the schedule.
func (t *Trainer) learningRate() float64 {
	if t.Config.LRSchedule == "cosine" {
		total := float64(t.Config.Epochs * t.batchesPerEpoch())
		return t.Config.LR * 0.5 * (1 + math.Cos(math.Pi*min(1, float64(t.st.Step)/total)))
	}
	return t.Config.LR
}

// Run trains until the configured number of epochs, early stopping, an
// error, or the cancellation of ctx (then it saves last.safetensors and
// returns ErrInterrupted).
func (t *Trainer) Run(ctx context.Context) (*Result, error) {
	t.started = time.Now().Add(-time.Duration(t.st.ElapsedSeconds * float64(time.Second)))
	cfg := t.Config
	nb := t.batchesPerEpoch()
	tick := time.Now()
	tickDocs := 0
	for t.st.Epoch < cfg.Epochs && !t.st.Stopped {
		order := data.Minibatches(t.train.Len(), cfg.Batch, rand.New(rand.NewPCG(cfg.Seed, uint64(t.st.Epoch))))
		for t.st.Batch < nb {
			if ctx.Err() != nil {
				if err := t.save(LastFile); err != nil {
					return nil, err
				}
				return nil, ErrInterrupted
			}
			docs := t.train.Subset(order[t.st.Batch]).Docs
			stats, err := t.stepper.Step(docs, t.rng, t.grads)
			if err != nil {
				if errors.Is(err, estimators.ErrNotFinite) {
					return nil, fmt.Errorf("%w at step %d: %v", ErrDiverged, t.st.Step+1, err)
				}
				return nil, fmt.Errorf("train: step %d: %w", t.st.Step+1, err)
			}
			if err := t.checkGradients(); err != nil {
				return nil, err
			}
			t.clip()
			t.opt.LR = t.learningRate()
			t.opt.Update(t.params, t.gradParams)
			t.st.Batch++
			t.st.Step++
			t.st.EpochObjective += stats.Objective
			t.st.EpochDocs += stats.Docs
			tickDocs += stats.Docs
			if t.Progress != nil {
				t.Progress(Progress{Epoch: t.st.Epoch, Epochs: cfg.Epochs, Batch: t.st.Batch, Batches: nb, Step: t.st.Step,
					DocsPerSecond: float64(tickDocs) / time.Since(tick).Seconds(), RunningObjective: t.st.EpochObjective / float64(t.st.EpochDocs)})
			} else if cfg.LogEvery > 0 && t.st.Step%cfg.LogEvery == 0 {
				t.Log.Info("step", "epoch", t.st.Epoch+1, "batch", t.st.Batch, "of", nb, "step", t.st.Step,
					"train_objective", t.st.EpochObjective/float64(t.st.EpochDocs), "docs_per_s", float64(tickDocs)/time.Since(tick).Seconds())
				tick, tickDocs = time.Now(), 0
			}
			if cfg.ValidEvery > 0 && t.st.Step%cfg.ValidEvery == 0 && t.st.Batch < nb {
				if err := t.validate(false); err != nil {
					return nil, err
				}
			}
		}
		t.st.Epoch++
		t.st.Batch = 0
		if err := t.validate(true); err != nil {
			return nil, err
		}
		t.st.EpochObjective, t.st.EpochDocs = 0, 0
	}
	best := math.Inf(-1)
	if t.st.HasBest {
		best = t.st.BestValid
	}
	return &Result{Epochs: t.st.Epoch, Steps: t.st.Step, BestValid: best, BestStep: t.st.BestStep,
		Stopped: t.st.Stopped, Seconds: time.Since(t.started).Seconds()}, nil
}

// checkGradients returns ErrDiverged naming the first parameter tensor with
// a NaN or infinite gradient.
func (t *Trainer) checkGradients() error {
	for i, g := range t.gradParams {
		for j, v := range g {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w at step %d: gradient of %s[%d] is %v", ErrDiverged, t.st.Step+1, t.paramNames[i], j, v)
			}
		}
	}
	return nil
}

// clip scales the gradients so that their global norm is at most ClipNorm.
func (t *Trainer) clip() {
	if t.Config.ClipNorm == 0 {
		return
	}
	ss := 0.0
	for _, g := range t.gradParams {
		for _, v := range g {
			ss += v * v
		}
	}
	if n := math.Sqrt(ss); n > t.Config.ClipNorm {
		f := t.Config.ClipNorm / n
		for _, g := range t.gradParams {
			for j := range g {
				g[j] *= f
			}
		}
	}
}

// metric is one line of metrics.jsonl.
type metric struct {
	Epoch           float64  `json:"epoch"` // fractional within an epoch
	Step            int      `json:"step"`
	TrainObjective  float64  `json:"train_objective"`
	ValidELBO       *float64 `json:"valid_elbo,omitempty"`
	ValidPerplexity *float64 `json:"valid_perplexity,omitempty"`
	LR              float64  `json:"lr"`
	ElapsedSeconds  float64  `json:"elapsed_s"`
	Best            bool     `json:"best"`
}

// validate evaluates the validation bound, records metrics, keeps the best
// checkpoint, checks early stopping, and saves last.safetensors.
func (t *Trainer) validate(epochEnd bool) error {
	cfg := t.Config
	nb := t.batchesPerEpoch()
	m := metric{
		Epoch: float64(t.st.Epoch) + float64(t.st.Batch)/float64(nb), Step: t.st.Step,
		TrainObjective: t.st.EpochObjective / float64(max(t.st.EpochDocs, 1)),
		LR:             t.opt.LR,
		ElapsedSeconds: time.Since(t.started).Seconds(),
	}
	if math.IsNaN(m.TrainObjective) || math.IsInf(m.TrainObjective, 0) {
		return fmt.Errorf("%w at step %d: training objective is %v", ErrDiverged, t.st.Step, m.TrainObjective)
	}
	if t.valid.Len() > 0 {
		rep, err := eval.Evaluate(t.Model, t.valid, eval.Options{Samples: cfg.ValidSamples, Seed: cfg.Seed ^ uint64(t.st.Step)<<20})
		if errors.Is(err, encoder.ErrNotFinite) {
			return fmt.Errorf("%w at step %d: validation: %v", ErrDiverged, t.st.Step, err)
		}
		if err != nil {
			return fmt.Errorf("train: validation at step %d: %w", t.st.Step, err)
		}
		if math.IsInf(rep.ELBOPerDoc, 0) || math.IsInf(rep.Perplexity, 0) {
			return fmt.Errorf("%w at step %d: validation ELBO %v, perplexity %v", ErrDiverged, t.st.Step, rep.ELBOPerDoc, rep.Perplexity)
		}
		m.ValidELBO, m.ValidPerplexity = &rep.ELBOPerDoc, &rep.Perplexity
		if !t.st.HasBest || rep.ELBOPerDoc > t.st.BestValid {
			t.st.HasBest, t.st.BestValid, t.st.BestStep, t.st.BadValidations = true, rep.ELBOPerDoc, t.st.Step, 0
			m.Best = true
		} else {
			t.st.BadValidations++
			if cfg.Patience > 0 && t.st.BadValidations >= cfg.Patience {
				t.st.Stopped = true
			}
		}
	}
	if m.Best {
		if err := t.save(BestFile); err != nil {
			return err
		}
	}
	if err := t.save(LastFile); err != nil {
		return err
	}
	if err := appendJSONLine(filepath.Join(t.Dir, MetricsFile), m); err != nil {
		return err
	}
	args := []any{"epoch", m.Epoch, "step", m.Step, "train_objective", m.TrainObjective}
	if m.ValidELBO != nil {
		args = append(args, "valid_elbo", *m.ValidELBO, "valid_perplexity", *m.ValidPerplexity, "best", m.Best)
	}
	t.Log.Info("validation", append(args, "elapsed_s", math.Round(m.ElapsedSeconds))...)
	if epochEnd || t.st.Stopped {
		if err := plotCurves(filepath.Join(t.Dir, MetricsFile), filepath.Join(t.Dir, CurveFile)); err != nil {
			t.Log.Warn("could not draw the learning curve", "err", err)
		}
	}
	return nil
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

func appendJSONLine(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("train: metrics: %w", err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("train: metrics: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("train: metrics: %w", err)
	}
	return f.Close()
}

// Checkpoint returns the trainer's current state as a checkpoint.
func (t *Trainer) Checkpoint() (*checkpoints.Checkpoint, error) { return t.checkpoint() }
