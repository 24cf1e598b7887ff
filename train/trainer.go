package train

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/outfile"
	"github.com/amvi/amvi/internal/par"
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
	GoodFile    = "good.safetensors" // where a divergence restarts (only with Config.RestartOnDivergence > 0)
	CurveFile   = "curve.png"
	ConfigFile  = "config.json"
)

// SaveEval writes the held-out evaluation rep to the run folder dir as
// eval.json, through a temporary file.
func SaveEval(dir string, rep *eval.Report) error {
	return writeJSONFile(filepath.Join(dir, EvalFile), rep)
}

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
	stepper      stepper
	opt          *optim.Adam
	grads        *model.Grads
	params       [][]float64 // the float64 parameters: all, or in a float32 run the prior's
	gradParams   [][]float64
	params32     [][]float32 // a float32 run's networks' parameters
	gradParams32 [][]float32
	paramSpans   []span // params32's and params's, in the order of paramNames
	gradSpans    []span
	paramNames   []string
	gradPieces   []span // checkGradients's
	src          *rand.PCG
	rng          *rand.Rand
	st           state
	started      time.Time
	lock         *folderLock
	timing       timing
}

// timing measures this process's training steps and validations, for the
// documents per second and the time left that progress reports. It is not
// saved: a resumed run measures afresh.
type timing struct {
	stepSeconds    float64 // all steps timed
	steps          int
	epochSeconds   float64 // the current epoch's steps
	epochDocs      int
	validSeconds   float64 // the last validation; 0 before the first
	hasValid       bool    // a validation ran in this process
	lastValid      float64 // its ELBO per document
	lastPerplexity float64
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
	EpochTokens    int     `json:"epoch_tokens,omitempty"`
	Stopped        bool    `json:"stopped"` // early stopping fired
	RNG            []byte  `json:"rng"`
	TrainDocs      int     `json:"train_docs"`
	ValidDocs      int     `json:"valid_docs"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	Restarts       int     `json:"restarts,omitempty"`     // restarts after a divergence so far
	LRScale        float64 `json:"lr_scale,omitempty"`     // learning-rate multiplier from restarts; 0 means 1
	Interrupted    bool    `json:"interrupted,omitempty"`  // saved on interrupt, not at a validation
	TrainHash      string  `json:"train_sha256,omitempty"` // of the training documents, in order (see corpusHash)
	ValidHash      string  `json:"valid_sha256,omitempty"`
	// RunID names the run: random, drawn when it starts and kept by
	// resumes and restarts, so that a checkpoint can be told to be this
	// run's and not another's that was in the folder before.
	RunID string `json:"run,omitempty"`
}

// lrScale returns the learning-rate multiplier left by restarts.
func (s state) lrScale() float64 {
	if s.LRScale == 0 {
		return 1
	}
	return s.LRScale
}

// Progress is what a progress display shows after a step or a validation.
type Progress struct {
	Epoch, Epochs    int     // Epoch counts from 0: the epoch in progress (after a validation at an epoch's end, the next one)
	Batch, Batches   int     // batches of this epoch completed, of Batches
	Step             int     // optimizer steps completed
	DocsPerSecond    float64 // training documents per second over this epoch's steps (validation excluded)
	RunningObjective float64 // the training objective's mean per document over the epoch so far

	// Elapsed is the run's time so far, resumed runs included; Left is the
	// estimated time to the last epoch's end, validations included (0 when
	// nothing has been measured yet).
	Elapsed, Left time.Duration

	// Validated is set on the call made right after a validation, which
	// ValidELBO, ValidPerplexity and ValidSeconds then describe; HasValid
	// reports whether ValidELBO holds the last validation of this process.
	Validated, HasValid bool
	ValidELBO           float64 // per document
	ValidPerplexity     float64 // per-document form
	ValidSeconds        float64
	// HasBest reports whether BestValid holds the best validation ELBO per
	// document so far, reached after BestEpoch epochs (fractional with
	// -valid-every).
	HasBest   bool
	BestValid float64
	BestEpoch float64
}

// progress returns the run's progress now.
func (t *Trainer) progress() Progress {
	cfg := t.Config
	nb := t.batchesPerEpoch()
	p := Progress{Epoch: t.st.Epoch, Epochs: cfg.Epochs, Batch: t.st.Batch, Batches: nb, Step: t.st.Step,
		Elapsed: time.Since(t.started), HasValid: t.timing.hasValid, ValidELBO: t.timing.lastValid,
		ValidPerplexity: t.timing.lastPerplexity, ValidSeconds: t.timing.validSeconds,
		HasBest: t.st.HasBest, BestValid: t.st.BestValid, BestEpoch: float64(t.st.BestStep) / float64(nb)}
	if t.st.EpochDocs > 0 {
		p.RunningObjective = t.st.EpochObjective / float64(t.st.EpochDocs)
	}
	if t.timing.epochSeconds > 0 {
		p.DocsPerSecond = float64(t.timing.epochDocs) / t.timing.epochSeconds
	}
	if t.timing.steps > 0 {
		perStep := t.timing.stepSeconds / float64(t.timing.steps)
		steps := (cfg.Epochs-t.st.Epoch)*nb - t.st.Batch
		valids := cfg.Epochs - t.st.Epoch
		if cfg.ValidEvery > 0 {
			valids += steps / cfg.ValidEvery
		}
		perValid := t.timing.validSeconds
		if !t.timing.hasValid && t.valid.Len() > 0 {
			// Not measured yet: guess a training step's cost per document.
			perValid = perStep / float64(cfg.Batch) * float64(t.valid.Len())
		}
		p.Left = time.Duration((float64(max(steps, 0))*perStep + float64(valids)*perValid) * float64(time.Second))
	}
	return p
}

// New starts a run in dir (created if needed) over train, validating on
// valid (which may be empty: then no early stopping). vocab lists the words
// (len cfg.V); it is stored in checkpoints.
func New(cfg Config, dir string, trainC, validC *data.Corpus, vocab []string) (*Trainer, error) {
	if trainC == nil {
		return nil, errors.New("train: no training corpus")
	}
	if cfg.V == 0 {
		cfg.V = trainC.V
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Epochs == 0 && cfg.Batch > 0 {
		nb := (trainC.Len() + cfg.Batch - 1) / cfg.Batch
		cfg.Epochs = (cfg.Steps + nb - 1) / max(nb, 1)
	}
	if err := cfg.CheckMemory(); err != nil {
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
	t.st.RunID = newRunID()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: run folder: %w", err)
	}
	if t.lock, err = lockFolder(dir); err != nil {
		return nil, err
	}
	t, err = t.orClose(t.start())
	if err != nil {
		return nil, err
	}
	return t, nil
}

// orClose returns t, or closes it and returns err.
func (t *Trainer) orClose(err error) (*Trainer, error) {
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// start writes a new run's first files.
func (t *Trainer) start() error {
	dir, cfg := t.Dir, t.Config
	removeStaleTemps(dir)
	if err := writeJSONFile(filepath.Join(dir, ConfigFile), cfg); err != nil {
		return err
	}
	// Start a fresh metrics file: a new run does not append to an old one.
	if err := outfile.WriteFile(filepath.Join(dir, MetricsFile), nil); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	// A new run's best checkpoint is written at its first validation; one
	// left by an earlier run is not this run's.
	if err := os.Remove(filepath.Join(dir, BestFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("train: %w", err)
	}
	// A run can be resumed from its first step on.
	t.started = time.Now()
	if err := t.save(LastFile); err != nil {
		return err
	}
	return t.markGood()
}

// newRunID returns a random run identifier.
func newRunID() string {
	var b [12]byte
	crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newTrainer(cfg Config, dir string, m *model.Model, trainC, validC *data.Corpus, vocab []string) (*Trainer, error) {
	if trainC == nil {
		return nil, errors.New("train: no training corpus")
	}
	if trainC.V > cfg.V || (validC != nil && validC.V > cfg.V) {
		return nil, fmt.Errorf("train: corpus has more words than the model's V=%d", cfg.V)
	}
	if err := data.CheckDocuments(trainC.Docs, cfg.V); err != nil {
		return nil, fmt.Errorf("train: training corpus: %w", err)
	}
	if validC != nil {
		if err := data.CheckDocuments(validC.Docs, cfg.V); err != nil {
			return nil, fmt.Errorf("train: validation corpus: %w", err)
		}
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
	est := cfg.NewEstimator()
	st, err := cfg.newStepper(m, est)
	if err != nil {
		return nil, err
	}
	t := &Trainer{Config: cfg, Model: m, Dir: dir, Vocab: vocab, train: trainC, valid: validC,
		est: est, stepper: st, grads: m.NewGrads(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	t.params32, t.params = m.Params()
	t.gradParams32, t.gradParams = t.grads.Params()
	t.paramNames = append(layerNames("encoder", m.Enc.Net), layerNames("decoder", m.Dec.Net)...)
	if cfg.Prior == PriorLearned {
		t.params = append(t.params, m.Prior.Logit)
		t.gradParams = append(t.gradParams, t.grads.Prior)
		t.paramNames = append(t.paramNames, priorTensor)
	}
	t.paramSpans, t.gradSpans = spans(t.params32, t.params), spans(t.gradParams32, t.gradParams)
	t.opt = optim.NewAdamMixed(t.params32, t.params, cfg.LR)
	t.opt.Scale = cfg.lrScales(m.Enc.Net, m.Dec.Net)
	if cfg.Prior == PriorLearned {
		t.opt.Scale = append(t.opt.Scale, 1)
	}
	t.st.TrainDocs, t.st.ValidDocs = trainC.Len(), validC.Len()
	t.st.TrainHash, t.st.ValidHash = corpusHash(trainC), corpusHash(validC)
	return t, nil
}

// stepper computes one minibatch's loss gradient: a model.Stepper around an
// estimator, or an exact.Stepper.
type stepper interface {
	Step(docs []data.Document, rng *rand.Rand, g *model.Grads) (model.StepStats, error)
	Close() error
}

func (cfg Config) newStepper(m *model.Model, est estimators.Estimator) (stepper, error) {
	if cfg.Estimator == estimators.KindExact {
		return exact.NewStepper(m, cfg.Objective)
	}
	return model.NewStepper(m, est, cfg.Samples)
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

// Close releases the trainer's graphs and its hold on the run folder.
func (t *Trainer) Close() error {
	t.lock.release()
	t.lock = nil
	return t.stepper.Close()
}

// Result summarises a finished run.
type Result struct {
	Epochs, Steps int
	BestValid     float64 // best validation ELBO per document (-Inf without validation data)
	BestStep      int
	Stopped       bool    // early stopping ended the run
	HasBest       bool    // a validation was made: best.safetensors is this run's best model
	Restarts      int     // restarts after a divergence (Config.RestartOnDivergence)
	LR            float64 // the learning rate at the end, after any restarts' reductions
	Seconds       float64
	RunID         string // the run's identity, as stored in its checkpoints (see Loaded.RunID)
}

func (t *Trainer) batchesPerEpoch() int { return (t.train.Len() + t.Config.Batch - 1) / t.Config.Batch }

// learningRate returns the rate for the next step: the linear warm-up over
// the first Config.Warmup steps, then the schedule over the rest (cosine:
// from LR at the warm-up's end to 0 at the run's).
func (t *Trainer) learningRate() float64 {
	lr := t.Config.LR * t.st.lrScale()
	step, warm := t.st.Step, t.Config.Warmup
	if step < warm {
		return lr * float64(step+1) / float64(warm)
	}
	if t.Config.LRSchedule == ScheduleCosine {
		total := float64(t.Config.Epochs*t.batchesPerEpoch() - warm)
		return lr * 0.5 * (1 + math.Cos(math.Pi*min(1, float64(step-warm)/max(total, 1))))
	}
	return lr
}

// Run trains until the configured number of epochs, early stopping, an
// error, or the cancellation of ctx (then it saves last.safetensors and
// returns ErrInterrupted).
//
// A divergence returns an error wrapping ErrDiverged, unless
// Config.RestartOnDivergence allows another restart: then the run goes back
// to the last good checkpoint (good.safetensors, the state at the last
// validation), multiplies the learning rate by Config.RestartLRFactor and
// continues. Restarts are deterministic and
// recorded in the checkpoints, so a resumed run repeats them exactly.
func (t *Trainer) Run(ctx context.Context) (*Result, error) {
	t.started = time.Now().Add(-time.Duration(t.st.ElapsedSeconds * float64(time.Second)))
	if !t.st.Interrupted {
		// last.safetensors holds this state, written at a validation or at
		// the start: make it the restart point, in case a process was
		// killed between writing it and good.safetensors, or restarts
		// were enabled only now.
		if err := t.markGood(); err != nil {
			return nil, err
		}
	}
	t.st.Interrupted = false
	for {
		err := t.epochs(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrDiverged) {
			return nil, err
		}
		if t.st.Restarts >= t.Config.RestartOnDivergence {
			if t.st.Restarts > 0 {
				err = fmt.Errorf("%w (after %d restarts from the last good checkpoint)", err, t.st.Restarts)
			}
			return nil, err
		}
		if err := t.restart(err); err != nil {
			return nil, err
		}
	}
	best := math.Inf(-1)
	if t.st.HasBest {
		best = t.st.BestValid
	}
	return &Result{Epochs: t.st.Epoch, Steps: t.st.Step, BestValid: best, BestStep: t.st.BestStep, HasBest: t.st.HasBest, RunID: t.st.RunID,
		Stopped: t.st.Stopped, Restarts: t.st.Restarts, LR: t.learningRate(), Seconds: time.Since(t.started).Seconds()}, nil
}

// epochs trains from the current position to the end of the run.
func (t *Trainer) epochs(ctx context.Context) error {
	cfg := t.Config
	nb := t.batchesPerEpoch()
	tick := time.Now()
	tickDocs := 0
	t.timing.epochSeconds, t.timing.epochDocs = 0, 0
	for t.st.Epoch < cfg.Epochs && !t.st.Stopped {
		order := data.Minibatches(t.train.Len(), cfg.Batch, rand.New(rand.NewPCG(cfg.Seed, uint64(t.st.Epoch))))
		for t.st.Batch < nb && !t.st.Stopped {
			if ctx.Err() != nil {
				t.st.Interrupted = true
				if err := t.save(LastFile); err != nil {
					return err
				}
				return ErrInterrupted
			}
			docs := t.train.Subset(order[t.st.Batch]).Docs
			stepStart := time.Now()
			stats, err := t.stepper.Step(docs, t.rng, t.grads)
			if err != nil {
				if errors.Is(err, estimators.ErrNotFinite) {
					return fmt.Errorf("%w at step %d: %v (%s)", ErrDiverged, t.st.Step+1, err, t.describeParams())
				}
				return fmt.Errorf("train: step %d: %w", t.st.Step+1, err)
			}
			if err := t.checkGradients(); err != nil {
				return err
			}
			t.clip()
			t.opt.LR = t.learningRate()
			t.opt.UpdateMixed(t.params32, t.gradParams32, t.params, t.gradParams)
			t.st.Batch++
			t.st.Step++
			t.st.EpochObjective += stats.Objective
			t.st.EpochDocs += stats.Docs
			t.st.EpochTokens += stats.Tokens
			tickDocs += stats.Docs
			sec := time.Since(stepStart).Seconds()
			t.timing.stepSeconds += sec
			t.timing.steps++
			t.timing.epochSeconds += sec
			t.timing.epochDocs += stats.Docs
			if t.Progress != nil {
				t.Progress(t.progress())
			} else if cfg.LogEvery > 0 && t.st.Step%cfg.LogEvery == 0 {
				t.Log.Info("step", "epoch", t.st.Epoch+1, "batch", t.st.Batch, "of", nb, "step", t.st.Step,
					"train_objective", round(t.st.EpochObjective/float64(t.st.EpochDocs), 2),
					"docs_per_s", math.Round(float64(tickDocs)/time.Since(tick).Seconds()))
				tick, tickDocs = time.Now(), 0
			}
			if cfg.ValidEvery > 0 && t.st.Step%cfg.ValidEvery == 0 && t.st.Batch < nb {
				if err := t.validate(false); err != nil {
					return err
				}
			}
		}
		if t.st.Stopped {
			// Early stopping fired at a validation within the epoch, which
			// saved the final state: the run ends there, as a resumed one
			// does.
			break
		}
		t.st.Epoch++
		t.st.Batch = 0
		if err := t.validate(true); err != nil {
			return err
		}
		t.timing.epochSeconds, t.timing.epochDocs = 0, 0
	}
	return nil
}

// restart goes back to the last good checkpoint after the divergence cause,
// with the learning rate scaled down once more. That checkpoint is the one
// written at the last validation (or at the start), good.safetensors, even
// when an interrupt wrote last.safetensors since: so a run that was
// interrupted and resumed restarts from the same point as one that was not.
func (t *Trainer) restart(cause error) error {
	path := filepath.Join(t.Dir, GoodFile)
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(t.Dir, LastFile) // a run folder from before restarts were enabled
	}
	c, err := checkpoints.Load(path)
	if err != nil {
		return fmt.Errorf("%w; cannot restart: %v", cause, err)
	}
	prev := t.st
	if err := readNet(c, "encoder", t.Model.Enc.Net); err != nil {
		return fmt.Errorf("%w; cannot restart from %s: %v", cause, path, err)
	}
	if err := readNet(c, "decoder", t.Model.Dec.Net); err != nil {
		return fmt.Errorf("%w; cannot restart from %s: %v", cause, path, err)
	}
	t.Model.Narrow()
	if err := readPrior(c, t.Config, t.Model); err != nil {
		return fmt.Errorf("%w; cannot restart from %s: %v", cause, path, err)
	}
	t.st = state{}
	if err := t.restore(c); err != nil {
		return fmt.Errorf("%w; cannot restart from %s: %v", cause, path, err)
	}
	if err := t.checkParams(); err != nil {
		return fmt.Errorf("%w; cannot restart from %s: %v", cause, path, err)
	}
	if err := t.checkState(); err != nil {
		return fmt.Errorf("%w; cannot restart from %s: %v", cause, path, err)
	}
	t.st.TrainHash, t.st.ValidHash = prev.TrainHash, prev.ValidHash
	t.st.Restarts = prev.Restarts + 1
	t.st.LRScale = prev.lrScale() * t.Config.restartLRFactor()
	if err := trimMetrics(filepath.Join(t.Dir, MetricsFile), t.st.Step); err != nil {
		return err
	}
	t.Log.Warn("diverged; restarting from the last good checkpoint with a lower learning rate",
		"err", cause.Error(), "from_step", t.st.Step, "restart", t.st.Restarts, "of", t.Config.RestartOnDivergence, "lr", t.learningRate())
	return nil
}

// describeParams names the first parameter that is NaN or infinite or, if
// they are all finite, the largest in magnitude, for an error message.
func (t *Trainer) describeParams() string {
	if err := t.checkParams(); err != nil {
		return strings.TrimPrefix(err.Error(), ErrDiverged.Error()+": ")
	}
	bi, bj, big := 0, 0, -1.0
	for i, p := range t.paramSpans {
		for j := range p.len() {
			if v := math.Abs(p.at(j)); v > big {
				bi, bj, big = i, j, v
			}
		}
	}
	return fmt.Sprintf("parameters finite, the largest %s[%d] = %.3g", t.paramNames[bi], bj, t.paramSpans[bi].at(bj))
}

// checkParams returns ErrDiverged naming the first parameter tensor that
// holds a NaN or infinite value.
func (t *Trainer) checkParams() error {
	for i, p := range t.paramSpans {
		if j := p.finite(); j >= 0 {
			return fmt.Errorf("%w: parameter %s[%d] is %v", ErrDiverged, t.paramNames[i], j, p.at(j))
		}
	}
	return nil
}

// eachGradient calls fn on every part of the gradient that can be
// nonzero, with its tensor's index in gradParams and its offset there: the
// encoder's first-layer weights only in the rows of the minibatch's words
// when the step tracked them. It stops early when fn returns false.
func (t *Trainer) eachGradient(fn func(i, off int, g span) bool) {
	rows, sparse := t.grads.EncoderRows()
	for i, g := range t.gradSpans {
		if i == 0 && sparse {
			cols := t.Model.Enc.Net.Layers[0].Out
			for _, r := range rows {
				if !fn(0, r*cols, g.slice(r*cols, (r+1)*cols)) {
					return
				}
			}
			continue
		}
		if !fn(i, 0, g) {
			return
		}
	}
}

// checkGradients returns ErrDiverged naming the first parameter tensor with
// a NaN or infinite gradient.
func (t *Trainer) checkGradients() error {
	// A NaN or an infinity makes the sum of squares one, and so can finite
	// values past 1e154: only then look at each value (the element-wise
	// test alone was 10% of a step's CPU at NVIL S=1 on 20 Newsgroups).
	// The sums run over the cores, in pieces of at most gradPiece values.
	t.gradPieces = t.gradPieces[:0]
	n := 0
	t.eachGradient(func(_, _ int, g span) bool {
		n += g.len()
		for g.len() > gradPiece {
			t.gradPieces = append(t.gradPieces, g.slice(0, gradPiece))
			g = g.slice(gradPiece, g.len())
		}
		t.gradPieces = append(t.gradPieces, g)
		return true
	})
	grain := len(t.gradPieces) // one part for a small gradient
	if n >= 4*gradPiece {
		grain = 1
	}
	var bad atomic.Bool
	par.For(len(t.gradPieces), max(grain, 1), func(lo, hi int) {
		for _, g := range t.gradPieces[lo:hi] {
			if s := g.dot(); math.IsNaN(s) || math.IsInf(s, 0) {
				bad.Store(true)
				return
			}
		}
	})
	if !bad.Load() {
		return nil
	}
	var err error
	t.eachGradient(func(i, off int, g span) bool {
		if j := g.finite(); j >= 0 {
			err = fmt.Errorf("%w at step %d: gradient of %s[%d] is %v", ErrDiverged, t.st.Step+1, t.paramNames[i], off+j, g.at(j))
			return false
		}
		return true
	})
	return err
}

// gradPiece is the most values checkGradients sums in one piece.
const gradPiece = 1 << 14

// clip scales the gradients so that their global norm is at most ClipNorm.
func (t *Trainer) clip() {
	if t.Config.ClipNorm == 0 {
		return
	}
	ss := 0.0
	t.eachGradient(func(_, _ int, g span) bool {
		ss = g.sumSquares(ss)
		return true
	})
	if n := math.Sqrt(ss); n > t.Config.ClipNorm {
		f := t.Config.ClipNorm / n
		t.eachGradient(func(_, _ int, g span) bool {
			g.scale(f)
			return true
		})
	}
}

// metric is one line of metrics.jsonl, written at each validation. The
// training figures are over the epoch's steps so far (the objective is the
// estimator's: the ELBO, or L_S for VIMCO, averaged while the parameters
// change); the validation figures are of the parameters at this step.
type metric struct {
	Epoch                 float64  `json:"epoch"` // fractional within an epoch
	Step                  int      `json:"step"`
	TrainObjective        float64  `json:"train_objective"`          // per document
	TrainObjectivePerWord float64  `json:"train_objective_per_word"` // Σ objective / Σ tokens
	TrainPerplexity       float64  `json:"train_perplexity"`         // exp(−train_objective_per_word)
	ValidELBO             *float64 `json:"valid_elbo,omitempty"`     // per document
	ValidELBOPerWord      *float64 `json:"valid_elbo_per_word,omitempty"`
	ValidPerplexity       *float64 `json:"valid_perplexity,omitempty"`        // exp(−mean_d ELBO_d/N_d)
	ValidPerplexityCorpus *float64 `json:"valid_perplexity_corpus,omitempty"` // exp(−Σ ELBO_d/Σ N_d)
	ValidKL               *float64 `json:"valid_kl_per_doc,omitempty"`
	ValidSeconds          float64  `json:"valid_s,omitempty"`
	LR                    float64  `json:"lr"`
	DocsPerSecond         float64  `json:"docs_per_s"` // training documents per second over the epoch's steps, validation excluded
	ElapsedSeconds        float64  `json:"elapsed_s"`
	Best                  bool     `json:"best"`
	Goroutines            int      `json:"goroutines"`          // of this process, to spot leaks in long runs
	RSSBytes              int64    `json:"rss_bytes,omitempty"` // resident memory (Linux only)
}

// round returns x rounded to the given number of decimals, for log lines.
func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(x*p) / p
}

// validate evaluates the validation bound, records metrics, keeps the best
// checkpoint, checks early stopping, and saves last.safetensors. The metrics
// line is written before the checkpoints, so a crash between the two leaves
// a line that a resumed run drops (see trimMetrics) and writes again.
func (t *Trainer) validate(epochEnd bool) error {
	cfg := t.Config
	t.Model.Widen() // for what reads the float64 networks (exact enumeration, the checkpoints)
	nb := t.batchesPerEpoch()
	m := metric{
		Epoch: float64(t.st.Epoch) + float64(t.st.Batch)/float64(nb), Step: t.st.Step,
		TrainObjective: t.st.EpochObjective / float64(max(t.st.EpochDocs, 1)),
		LR:             t.opt.LR,
		DocsPerSecond:  math.Round(float64(t.timing.epochDocs) / max(t.timing.epochSeconds, 1e-9)),
		ElapsedSeconds: time.Since(t.started).Seconds(),
		Goroutines:     runtime.NumGoroutine(),
		RSSBytes:       residentBytes(),
	}
	if math.IsNaN(m.TrainObjective) || math.IsInf(m.TrainObjective, 0) {
		return fmt.Errorf("%w at step %d: training objective is %v (%s)", ErrDiverged, t.st.Step, m.TrainObjective, t.describeParams())
	}
	if err := t.checkParams(); err != nil {
		return fmt.Errorf("%w at step %d: %v", ErrDiverged, t.st.Step, strings.TrimPrefix(err.Error(), ErrDiverged.Error()+": "))
	}
	if t.st.EpochTokens > 0 {
		m.TrainObjectivePerWord = t.st.EpochObjective / float64(t.st.EpochTokens)
		m.TrainPerplexity = math.Exp(-m.TrainObjectivePerWord)
	}
	if epochEnd {
		// The checkpoints below start the next epoch: its sums start at zero.
		t.st.EpochObjective, t.st.EpochDocs, t.st.EpochTokens = 0, 0, 0
	}
	if t.valid.Len() > 0 {
		validStart := time.Now()
		rep, err := eval.Evaluate(t.Model, t.valid, eval.Options{Samples: cfg.ValidSamples, Seed: cfg.Seed ^ uint64(t.st.Step)<<20})
		if errors.Is(err, encoder.ErrNotFinite) {
			return fmt.Errorf("%w at step %d: validation: %v (%s)", ErrDiverged, t.st.Step, err, t.describeParams())
		}
		if err != nil {
			return fmt.Errorf("train: validation at step %d: %w", t.st.Step, err)
		}
		if math.IsInf(rep.ELBOPerDoc, 0) || math.IsInf(rep.Perplexity, 0) || math.IsNaN(rep.ELBOPerDoc) || math.IsNaN(rep.Perplexity) {
			return fmt.Errorf("%w at step %d: validation ELBO %v, perplexity %v (%s)", ErrDiverged, t.st.Step, rep.ELBOPerDoc, rep.Perplexity, t.describeParams())
		}
		m.ValidELBO, m.ValidPerplexity = &rep.ELBOPerDoc, &rep.Perplexity
		m.ValidELBOPerWord, m.ValidPerplexityCorpus, m.ValidKL = &rep.ELBOPerWord, &rep.PerplexityCorpus, &rep.KLPerDoc
		m.ValidSeconds = time.Since(validStart).Seconds()
		t.timing.validSeconds, t.timing.hasValid = m.ValidSeconds, true
		t.timing.lastValid, t.timing.lastPerplexity = rep.ELBOPerDoc, rep.Perplexity
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
	if err := appendJSONLine(filepath.Join(t.Dir, MetricsFile), m); err != nil {
		return err
	}
	if m.Best {
		if err := t.save(BestFile); err != nil {
			return err
		}
	}
	if err := t.save(LastFile); err != nil {
		return err
	}
	if err := t.markGood(); err != nil {
		return err
	}
	args := []any{"epoch", round(m.Epoch, 2), "step", m.Step, "train_objective", round(m.TrainObjective, 2)}
	if m.ValidELBO != nil {
		args = append(args, "valid_elbo", round(*m.ValidELBO, 2), "valid_perplexity", round(*m.ValidPerplexity, 1), "best", m.Best)
	}
	t.Log.Info("validation", append(args, "docs_per_s", m.DocsPerSecond, "elapsed_s", math.Round(m.ElapsedSeconds))...)
	if t.Progress != nil {
		p := t.progress()
		p.Validated = m.ValidELBO != nil
		p.RunningObjective = m.TrainObjective // the epoch's sums may have been reset above
		t.Progress(p)
	}
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
	// Through a temporary file, so that a kill never leaves half a file.
	if err := outfile.WriteFile(path, append(b, '\n')); err != nil {
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
