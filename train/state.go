package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/optim"
)

// Metadata keys of amvi checkpoints.
const (
	MetaKind       = "kind" // KindModel
	MetaConfig     = "config"
	MetaState      = "state"
	MetaVocabulary = "vocabulary"        // JSON array of the V words ("" entries when unknown)
	MetaVocabHash  = "vocabulary_sha256" // of the words joined by newlines
	MetaOptimizer  = "optimizer"
	MetaEstimator  = "estimator_state"
	KindModel      = "amvi-model"
)

// ErrMismatch reports a checkpoint that does not fit the data or request.
var ErrMismatch = errors.New("checkpoint does not match")

type adamMeta struct {
	Step  int     `json:"step"`
	LR    float64 `json:"lr"`
	Beta1 float64 `json:"beta1"`
	Beta2 float64 `json:"beta2"`
	Eps   float64 `json:"eps"`
}

type nvilMeta struct {
	Mean  float64  `json:"mean"`
	Var   float64  `json:"var"`
	Steps int      `json:"steps"`
	Adam  adamMeta `json:"adam"`
}

// VocabularyHash returns the hash stored with a checkpoint's vocabulary.
func VocabularyHash(words []string) string {
	h := sha256.Sum256([]byte(strings.Join(words, "\n")))
	return hex.EncodeToString(h[:])
}

// addNet adds n's parameters to c, as F32 tensors when f32 is set (a
// float32 run's, whose values are float32: stored exactly).
func addNet(c *checkpoints.Checkpoint, prefix string, n *mlp.Net, f32 bool) {
	add := c.Add
	if f32 {
		add = c.AddFloat32
	}
	for i, l := range n.Layers {
		add(fmt.Sprintf("%s.layers.%d.weight", prefix, i), []int{l.In, l.Out}, l.W)
		add(fmt.Sprintf("%s.layers.%d.bias", prefix, i), []int{l.Out}, l.B)
	}
}

func addAdam(c *checkpoints.Checkpoint, prefix string, names []string, a *optim.Adam) adamMeta {
	for i, name := range names {
		// Stored as float64, which holds the float32 moments exactly.
		c.Add(prefix+".m."+name, []int{len(a.M[i])}, widen(a.M[i]))
		c.Add(prefix+".v."+name, []int{len(a.V[i])}, widen(a.V[i]))
	}
	return adamMeta{Step: a.Step, LR: a.LR, Beta1: a.Beta1, Beta2: a.Beta2, Eps: a.Eps}
}

// widen returns x as float64s.
func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func (t *Trainer) checkpoint() (*checkpoints.Checkpoint, error) {
	c := &checkpoints.Checkpoint{Metadata: map[string]string{MetaKind: KindModel}}
	t.Model.Widen()
	f32 := t.Model.Dtype() == model.Float32
	addNet(c, "encoder", t.Model.Enc.Net, f32)
	addNet(c, "decoder", t.Model.Dec.Net, f32)
	if t.Config.Prior == PriorLearned {
		c.Add(priorTensor, []int{t.Model.K()}, t.Model.Prior.Logit)
	}
	meta := map[string]any{}
	meta[MetaOptimizer] = addAdam(c, "optim", t.paramNames, t.opt)
	if n, ok := t.est.(*estimators.NVIL); ok {
		nm := nvilMeta{Mean: n.Mean, Var: n.Var, Steps: n.Steps}
		if n.Net != nil {
			n.Widen()
			addNet(c, "baseline", n.Net, n.Config.Float32)
			nm.Adam = addAdam(c, "baseline_optim", layerNames("baseline", n.Net), n.Opt)
		}
		meta[MetaEstimator] = nm
	}
	rng, err := t.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("train: random state: %w", err)
	}
	st := t.st
	st.RNG = rng
	st.ElapsedSeconds = time.Since(t.started).Seconds()
	meta[MetaState] = st
	meta[MetaConfig] = t.Config
	vocab := t.Vocab
	if vocab == nil {
		vocab = make([]string, t.Config.V)
	}
	meta[MetaVocabulary] = vocab
	for k, v := range meta {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("train: checkpoint %s: %w", k, err)
		}
		c.Metadata[k] = string(b)
	}
	c.Metadata[MetaVocabHash] = VocabularyHash(vocab)
	return c, nil
}

func (t *Trainer) save(name string) error {
	if err := t.checkParams(); err != nil {
		return fmt.Errorf("%w; %s not written at step %d", err, name, t.st.Step)
	}
	c, err := t.checkpoint()
	if err != nil {
		return err
	}
	if err := checkpoints.Save(filepath.Join(t.Dir, name), c); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// Loaded is a model read back from a checkpoint.
type Loaded struct {
	Config Config
	Model  *model.Model
	Vocab  []string // empty strings where the training data had no words

	// Where the run stood when the checkpoint was written.
	Epochs, Steps int  // completed
	Finished      bool // all epochs done, or stopped early
	// RunID identifies the run that wrote the checkpoint ("" in
	// checkpoints that predate it).
	RunID string
}

// LoadModel reads the model, its config and vocabulary from a checkpoint,
// or from an export folder (see Export).
func LoadModel(path string) (*Loaded, error) {
	path = encoder.CheckpointPath(path)
	c, err := checkpoints.Load(path)
	if err != nil {
		return nil, err
	}
	l, err := modelFromCheckpoint(c)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", path, err)
	}
	return l, nil
}

func modelFromCheckpoint(c *checkpoints.Checkpoint) (*Loaded, error) {
	if k := c.Metadata[MetaKind]; k != KindModel {
		return nil, fmt.Errorf("%w: kind %q, want %q", ErrMismatch, k, KindModel)
	}
	l := &Loaded{}
	if err := unmarshalMeta(c, MetaConfig, &l.Config); err != nil {
		return nil, err
	}
	if err := l.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%w: stored config: %v", ErrMismatch, err)
	}
	if err := unmarshalMeta(c, MetaVocabulary, &l.Vocab); err != nil {
		return nil, err
	}
	if len(l.Vocab) != l.Config.V {
		return nil, fmt.Errorf("%w: vocabulary has %d words, config V=%d", ErrMismatch, len(l.Vocab), l.Config.V)
	}
	if h := VocabularyHash(l.Vocab); h != c.Metadata[MetaVocabHash] {
		return nil, fmt.Errorf("%w: vocabulary hash %s, stored %q", ErrMismatch, h, c.Metadata[MetaVocabHash])
	}
	// Check every shape before allocating, so that the model's size is
	// bounded by the file's and a bad config is named as such.
	if err := checkNetShapes(c, "encoder", append(append([]int{l.Config.V}, l.Config.Hidden...), l.Config.K)); err != nil {
		return nil, err
	}
	if err := checkNetShapes(c, "decoder", append(append([]int{l.Config.K}, l.Config.DecoderHidden...), l.Config.V)); err != nil {
		return nil, err
	}
	mc, _ := l.Config.modelConfig()
	m, err := model.New(mc, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, err
	}
	if err := readNet(c, "encoder", m.Enc.Net); err != nil {
		return nil, err
	}
	if err := readNet(c, "decoder", m.Dec.Net); err != nil {
		return nil, err
	}
	m.Narrow()
	if err := readPrior(c, l.Config, m); err != nil {
		return nil, err
	}
	l.Model = m
	if _, ok := c.Metadata[MetaState]; ok {
		var st state
		if err := unmarshalMeta(c, MetaState, &st); err != nil {
			return nil, err
		}
		l.Epochs, l.Steps, l.Finished, l.RunID = st.Epoch, st.Step, st.Stopped || (st.Epoch >= l.Config.Epochs && st.Batch == 0), st.RunID
	}
	return l, nil
}

// priorTensor names a learned prior's logits in checkpoints.
const priorTensor = "prior.logit"

// readPrior reads a learned prior's logits into m; a fixed prior is the
// config's α.
func readPrior(c *checkpoints.Checkpoint, cfg Config, m *model.Model) error {
	if cfg.Prior != PriorLearned {
		return nil
	}
	if err := readTensor(c, priorTensor, []int{m.K()}, m.Prior.Logit); err != nil {
		return err
	}
	for j, v := range m.Prior.Logit {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s[%d] is %v", ErrMismatch, priorTensor, j, v)
		}
	}
	return nil
}

func unmarshalMeta(c *checkpoints.Checkpoint, key string, v any) error {
	s, ok := c.Metadata[key]
	if !ok {
		return fmt.Errorf("%w: no %q metadata", ErrMismatch, key)
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("%w: %q metadata: %v", ErrMismatch, key, err)
	}
	return nil
}

func readTensor(c *checkpoints.Checkpoint, name string, shape []int, dst []float64) error {
	tn, ok := c.Tensor(name)
	if !ok {
		return fmt.Errorf("%w: no tensor %q", ErrMismatch, name)
	}
	if fmt.Sprint(tn.Shape) != fmt.Sprint(shape) {
		return fmt.Errorf("%w: tensor %q has shape %v, the config needs %v", ErrMismatch, name, tn.Shape, shape)
	}
	copy(dst, tn.Data)
	return nil
}

// checkNetShapes checks that c holds the layers of an MLP with the given
// sizes under prefix, as addNet writes them.
func checkNetShapes(c *checkpoints.Checkpoint, prefix string, sizes []int) error {
	for i := range len(sizes) - 1 {
		for _, tn := range []struct {
			name  string
			shape []int
		}{
			{fmt.Sprintf("%s.layers.%d.weight", prefix, i), []int{sizes[i], sizes[i+1]}},
			{fmt.Sprintf("%s.layers.%d.bias", prefix, i), []int{sizes[i+1]}},
		} {
			got, ok := c.Tensor(tn.name)
			if !ok {
				return fmt.Errorf("%w: no tensor %q", ErrMismatch, tn.name)
			}
			if !slices.Equal(got.Shape, tn.shape) {
				return fmt.Errorf("%w: tensor %q has shape %v, the stored config needs %v", ErrMismatch, tn.name, got.Shape, tn.shape)
			}
		}
	}
	return nil
}

func readNet(c *checkpoints.Checkpoint, prefix string, n *mlp.Net) error {
	for i, l := range n.Layers {
		if err := readTensor(c, fmt.Sprintf("%s.layers.%d.weight", prefix, i), []int{l.In, l.Out}, l.W); err != nil {
			return err
		}
		if err := readTensor(c, fmt.Sprintf("%s.layers.%d.bias", prefix, i), []int{l.Out}, l.B); err != nil {
			return err
		}
	}
	return nil
}

func readAdam(c *checkpoints.Checkpoint, prefix string, names []string, meta adamMeta, a *optim.Adam) error {
	for i, name := range names {
		for _, mom := range []struct {
			key string
			dst []float32
		}{{".m.", a.M[i]}, {".v.", a.V[i]}} {
			buf := make([]float64, len(mom.dst))
			if err := readTensor(c, prefix+mom.key+name, []int{len(mom.dst)}, buf); err != nil {
				return err
			}
			for j, v := range buf {
				mom.dst[j] = float32(v) // exact for what addAdam wrote
			}
		}
	}
	a.Step, a.LR, a.Beta1, a.Beta2, a.Eps = meta.Step, meta.LR, meta.Beta1, meta.Beta2, meta.Eps
	return nil
}

// Resume continues the run saved in dir/last.safetensors over the same
// corpora. It refuses a checkpoint whose vocabulary or corpus sizes differ
// from the data given.
func Resume(dir string, trainC, validC *data.Corpus, vocab []string) (*Trainer, error) {
	path := filepath.Join(dir, LastFile)
	c, err := checkpoints.Load(path)
	if err != nil {
		return nil, fmt.Errorf("train: resume: %w", err)
	}
	l, err := modelFromCheckpoint(c)
	if err != nil {
		return nil, fmt.Errorf("train: resume from %s: %w", path, err)
	}
	if vocab != nil && VocabularyHash(vocab) != VocabularyHash(l.Vocab) {
		return nil, fmt.Errorf("train: resume from %s: %w: the data's vocabulary differs from the checkpoint's", path, ErrMismatch)
	}
	if trainC == nil {
		return nil, errors.New("train: resume: no training corpus")
	}
	if trainC.V > l.Config.V || (validC != nil && validC.V > l.Config.V) {
		return nil, fmt.Errorf("train: resume from %s: %w: the data has more words than the checkpoint's V=%d", path, ErrMismatch, l.Config.V)
	}
	t, err := newTrainer(l.Config, dir, l.Model, trainC, validC, l.Vocab)
	if err != nil {
		return nil, err
	}
	if t.lock, err = lockFolder(dir); err != nil {
		t.Close()
		return nil, err
	}
	return t.orClose(t.resume(c, path))
}

// resume restores the state of checkpoint c, read from path, after
// checking it against the data given.
func (t *Trainer) resume(c *checkpoints.Checkpoint, path string) error {
	dir, trainC := t.Dir, t.train
	trainHash, validHash := t.st.TrainHash, t.st.ValidHash // of the data given
	if err := t.restore(c); err != nil {
		return fmt.Errorf("train: resume from %s: %w", path, err)
	}
	if t.st.TrainDocs != trainC.Len() || t.st.ValidDocs != t.valid.Len() {
		return fmt.Errorf("train: resume from %s: %w: it trained on %d documents validated on %d, now %d and %d",
			path, ErrMismatch, t.st.TrainDocs, t.st.ValidDocs, trainC.Len(), t.valid.Len())
	}
	if err := t.checkState(); err != nil {
		return fmt.Errorf("train: resume from %s: %w", path, err)
	}
	// Checkpoints written before the hashes were recorded have none.
	if t.st.TrainHash != "" && t.st.TrainHash != trainHash || t.st.ValidHash != "" && t.st.ValidHash != validHash {
		return fmt.Errorf("train: resume from %s: %w: the documents differ from those it trained on (same counts, other words or order)", path, ErrMismatch)
	}
	t.st.TrainHash, t.st.ValidHash = trainHash, validHash
	// A process killed while saving leaves temporary files, and metrics
	// written after its last checkpoint: the resumed run rewrites both.
	removeStaleTemps(dir)
	return trimMetrics(filepath.Join(dir, MetricsFile), t.st.Step)
}

// ErrState reports a checkpoint whose run state is out of range.
var ErrState = errors.New("run state out of range")

// checkState refuses a run state that the loop could not continue from:
// counters out of range, a position past the epoch or the run, or a step
// count that does not match the position.
func (t *Trainer) checkState() error {
	st, nb := t.st, t.batchesPerEpoch()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrState, fmt.Sprintf(format, args...))
	}
	switch {
	case st.Epoch < 0 || st.Epoch > t.Config.Epochs:
		return bad("epoch %d outside 0..%d", st.Epoch, t.Config.Epochs)
	case st.Batch < 0 || st.Batch >= nb || st.Epoch == t.Config.Epochs && st.Batch != 0:
		return bad("batch %d of epoch %d outside 0..%d", st.Batch, st.Epoch, nb-1)
	case st.Step != st.Epoch*nb+st.Batch:
		return bad("step %d is not epoch %d × %d batches + batch %d", st.Step, st.Epoch, nb, st.Batch)
	case st.BestStep < 0 || st.BestStep > st.Step:
		return bad("best step %d outside 0..%d", st.BestStep, st.Step)
	case st.BadValidations < 0 || st.EpochDocs < 0 || st.Restarts < 0:
		return bad("negative count (bad validations %d, epoch documents %d, restarts %d)", st.BadValidations, st.EpochDocs, st.Restarts)
	case st.EpochDocs > st.Batch*t.Config.Batch:
		return bad("%d documents seen in the epoch's first %d batches of %d", st.EpochDocs, st.Batch, t.Config.Batch)
	case math.IsNaN(st.BestValid) || math.IsInf(st.BestValid, 0) || math.IsNaN(st.EpochObjective) || math.IsInf(st.EpochObjective, 0):
		return bad("best validation ELBO %v, epoch objective %v", st.BestValid, st.EpochObjective)
	case !(st.LRScale >= 0) || math.IsInf(st.LRScale, 0):
		return bad("learning-rate scale %v", st.LRScale)
	case !(st.ElapsedSeconds >= 0) || math.IsInf(st.ElapsedSeconds, 0):
		return bad("elapsed seconds %v", st.ElapsedSeconds)
	case t.opt.Step < 0:
		return bad("optimizer step %d", t.opt.Step)
	}
	return nil
}

func (t *Trainer) restore(c *checkpoints.Checkpoint) error {
	if err := unmarshalMeta(c, MetaState, &t.st); err != nil {
		return err
	}
	var am adamMeta
	if err := unmarshalMeta(c, MetaOptimizer, &am); err != nil {
		return err
	}
	if err := readAdam(c, "optim", t.paramNames, am, t.opt); err != nil {
		return err
	}
	if n, ok := t.est.(*estimators.NVIL); ok {
		var nm nvilMeta
		if err := unmarshalMeta(c, MetaEstimator, &nm); err != nil {
			return err
		}
		n.Mean, n.Var, n.Steps = nm.Mean, nm.Var, nm.Steps
		if n.Net != nil {
			if err := readNet(c, "baseline", n.Net); err != nil {
				return err
			}
			n.Narrow()
			if err := readAdam(c, "baseline_optim", layerNames("baseline", n.Net), nm.Adam, n.Opt); err != nil {
				return err
			}
		}
	}
	t.src = &rand.PCG{}
	if err := t.src.UnmarshalBinary(t.st.RNG); err != nil {
		return fmt.Errorf("%w: random state: %v", ErrMismatch, err)
	}
	t.rng = rand.New(t.src)
	return nil
}
