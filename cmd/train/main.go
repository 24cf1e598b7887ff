// Command train fits an amvi model: K binary latent factors with a neural
// decoder over the words, and an encoder trained by a score-function
// estimator to approximate the posterior.
//
// With no -train it generates the default synthetic corpus (package synth),
// trains on it and evaluates on its held-out split, where the true log p(x)
// is known and printed beside the bound. With -train it reads a corpus:
//
//	train -train data/20news/train.feat -vocab data/20news/vocab.new \
//	      -test data/20news/test.feat -out runs/20news
//
// SIGINT or SIGTERM finishes the current step, writes last.safetensors and
// exits 0; -resume -out DIR continues the run exactly, with the settings and
// data stored in its checkpoint (a flag that contradicts them is an error;
// only -restarts and -restart-lr-factor may change). A new run refuses to
// start in a folder that holds an unfinished one unless given -overwrite.
//
// A NaN or infinite loss, gradient or bound stops the run with an error
// naming the step and the tensor; with -restarts N it goes back to the last
// good checkpoint instead and continues with the learning rate multiplied by
// -restart-lr-factor, at most N times.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/internal/cli"
	"github.com/amvi/amvi/internal/outfile"
	"github.com/amvi/amvi/internal/progress"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/synth"
	"github.com/amvi/amvi/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		cli.Fatal("train", err)
	}
}

// intList is a flag holding comma-separated sizes, e.g. "500" or "500,200";
// "" or "none" is an empty list.
type intList []int

func (l *intList) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(v string) error {
	*l = nil
	if v == "" || v == "none" {
		return nil
	}
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a positive size", f)
		}
		*l = append(*l, n)
	}
	return nil
}

// options are the command's flags.
type options struct {
	cfg                    train.Config
	set                    map[string]bool // flags given on the command line
	out                    string
	resume, overwrite      bool
	evalSamples, iwSamples int
	refine                 int
	minCount, maxVocab     int
	stopWords              bool
	cpuProfile             string
}

// defaultConfig returns the defaults of a new run's flags.
func defaultConfig() train.Config {
	cfg := train.DefaultConfig()
	cfg.Data = train.DataSource{Format: "feat", ValidFraction: 0.1}
	return cfg
}

// usage and about head the command's -h.
const (
	usage = "[flags]"
	about = `Trains an amvi model: K binary latent factors, a decoder over the words and
an encoder trained by a score-function estimator. With no -train it trains on
a synthetic corpus whose true log p(x) is known (about a minute); -train FILE
-vocab FILE -test FILE trains on your corpus. -resume -out DIR continues a run.`
)

// newFlagSet defines the command's flags on o, with the defaults taken from
// cfg (and cfg.Data); finish must be called after parsing to copy the list
// flags into o.cfg.
func newFlagSet(o *options, cfg *train.Config, stdout io.Writer) (fs *cli.FlagSet, finish func()) {
	src := &cfg.Data
	tv := train.TextVocab{MinCount: 5, MaxVocab: 2000, StopWords: true}
	if src.TextVocab != nil {
		tv = *src.TextVocab
	}
	fs = cli.NewFlagSet("train", usage, about, stdout)
	hidden, decHidden := intList(cfg.Hidden), intList(cfg.DecoderHidden)

	fs.Group(cli.GroupData)
	fs.StringVar(&src.Train, "train", src.Train, "training corpus `FILE` (none: the synthetic default corpus)")
	fs.IntVar(&src.SyntheticDocs, "synthetic-docs", src.SyntheticDocs, fmt.Sprintf("with no -train: documents in the synthetic corpus's training and validation splits (0: %d)", synth.Default.Train))
	fs.StringVar(&src.Valid, "valid", src.Valid, "validation corpus `FILE` (default: -valid-fraction of -train)")
	fs.StringVar(&src.Test, "test", src.Test, "held-out corpus `FILE`, evaluated at the end with the best checkpoint")
	fs.StringVar(&src.Format, "format", src.Format, "corpus format: "+data.Formats)
	fs.StringVar(&src.Vocab, "vocab", src.Vocab, "vocabulary `FILE`, one word per line (a second column is ignored)")
	fs.Float64Var(&src.ValidFraction, "valid-fraction", src.ValidFraction, "fraction of -train held out for validation when -valid is not given, in [0, 1)")
	fs.IntVar(&o.minCount, "min-count", tv.MinCount, "text format: drop words seen fewer times in the training file")
	fs.IntVar(&o.maxVocab, "max-vocab", tv.MaxVocab, "text format: keep at most this many words")
	fs.BoolVar(&o.stopWords, "stop-words", tv.StopWords, "text format: drop English stop words")

	fs.Group(cli.GroupModel)
	fs.IntVar(&cfg.K, "K", cfg.K, "number of binary latent factors")
	fs.Var(&hidden, "hidden", "encoder hidden layer `sizes`, comma-separated")
	fs.TextVar(&cfg.Activation, "activation", cfg.Activation, "encoder hidden `activation`: "+cli.Choices[encoder.Activation]())
	fs.TextVar(&cfg.Input, "input", cfg.Input, "encoder `input`: "+cli.Choices[encoder.Input]()+" (log1p: log(1+count))")
	fs.Var(&decHidden, "decoder-hidden", "decoder hidden layer `sizes` (none: the linear decoder W z + c)")
	fs.TextVar(&cfg.DecoderActivation, "decoder-activation", cfg.DecoderActivation, "decoder hidden `activation`: "+cli.Choices[encoder.Activation]())
	fs.StringVar(&cfg.EncoderArch, "encoder-arch", cfg.EncoderArch, "encoder architecture registered with model.RegisterArch, e.g. residual (none: the MLP of -hidden and -activation)")
	fs.StringVar(&cfg.DecoderArch, "decoder-arch", cfg.DecoderArch, "decoder architecture registered with model.RegisterArch (none: the built-in decoder)")
	fs.Float64Var(&cfg.Alpha, "alpha", cfg.Alpha, "prior probability of each factor (the start, with -prior learned)")
	fs.TextVar(&cfg.Prior, "prior", cfg.Prior, "`prior`: "+cli.Choices[train.Prior]()+" (fixed: every factor's probability is -alpha; learned: one probability per factor, in the checkpoint)")
	fs.TextVar(&cfg.Dtype, "dtype", cfg.Dtype, "the networks' `dtype`: "+cli.Choices[model.Dtype]()+" (float32: weights, activations, gradients and Adam in float32, the likelihood's and the bound's sums in float64; not given: float64 for -estimator exact and registered architectures)")

	fs.Group(cli.GroupTraining)
	fs.TextVar(&cfg.Estimator, "estimator", cfg.Estimator, "gradient `estimator`: "+cli.Choices[estimators.Kind]()+" (exact: the exact gradient by enumeration, K ≤ 14)")
	fs.TextVar(&cfg.Objective, "objective", cfg.Objective, "training `objective`: "+cli.Choices[exact.Objective]()+" (em: the decoder on the exact log p(x), the encoder on the exact ELBO; implies -estimator exact)")
	fs.IntVar(&cfg.Samples, "samples", cfg.Samples, "codes sampled per document and step")
	fs.TextVar(&cfg.KL, "kl", cfg.KL, "KL `term`: "+cli.Choices[estimators.KLMode]()+" (closed: exact; stochastic: in the learning signal)")
	fs.BoolVar(&cfg.Normalise, "normalise", cfg.Normalise, "nvil: divide the learning signal by its running standard deviation")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "documents per minibatch")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the training corpus (0: as many as make -steps)")
	fs.IntVar(&cfg.Steps, "steps", cfg.Steps, "with -epochs 0: the training budget in optimizer steps, rounded up to whole epochs")
	fs.IntVar(&cfg.Warmup, "warmup", cfg.Warmup, "steps over which the learning rate rises linearly to -lr before the schedule (0: none)")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam learning rate")
	fs.TextVar(&cfg.LRSchedule, "lr-schedule", cfg.LRSchedule, "learning-rate `schedule`: "+cli.Choices[train.Schedule]())
	fs.TextVar(&cfg.LRScaling, "lr-scaling", cfg.LRScaling, "learning rate per layer, `scaling`: "+cli.Choices[train.LRScaling]()+" (fan-in: a weight matrix on the code or hidden units gets -lr × the default model's fan-in / its own)")
	fs.Float64Var(&cfg.ClipNorm, "clip", cfg.ClipNorm, "clip the gradient's global norm to this (0: no clipping)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed: the same seed gives the same run")
	fs.IntVar(&cfg.RestartOnDivergence, "restarts", cfg.RestartOnDivergence,
		"on a NaN or infinite loss, gradient or bound, go back to the last good checkpoint with a lower learning rate, at most this many times (0: stop)")
	fs.Float64Var(&cfg.RestartLRFactor, "restart-lr-factor", cfg.RestartLRFactor, "multiply the learning rate by this at each restart, in (0, 1)")
	fs.BoolVar(&o.resume, "resume", false, "continue the run in -out from its last checkpoint (other flags must agree with it)")

	fs.Group(cli.GroupEvaluation)
	fs.IntVar(&cfg.ValidEvery, "valid-every", cfg.ValidEvery, "steps between validations (0: every epoch)")
	fs.IntVar(&cfg.ValidSamples, "valid-samples", cfg.ValidSamples, "codes per document for the validation ELBO")
	fs.IntVar(&cfg.Patience, "patience", cfg.Patience, "stop after this many validations without improvement (0: never)")
	fs.IntVar(&o.evalSamples, "eval-samples", 20, "codes per document for the final evaluation's ELBO")
	fs.IntVar(&o.iwSamples, "iw-samples", 100, "importance samples per document for the final evaluation (0: skip)")
	fs.IntVar(&o.refine, "refine", 0, "the final evaluation also reports the refined ELBO after this many steps per document (cmd/eval -refine; 0: skip)")

	fs.Group(cli.GroupOutput)
	fs.StringVar(&o.out, "out", "runs/default", "run folder `DIR`: checkpoints, config.json, metrics.jsonl, curve.png, eval.json")
	fs.BoolVar(&o.overwrite, "overwrite", false, "start a new run in -out even if it holds an unfinished one")
	fs.IntVar(&cfg.LogEvery, "log-every", cfg.LogEvery, "steps between log lines when stderr is not a terminal")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `FILE` (for go tool pprof)")
	return fs, func() { cfg.Hidden, cfg.DecoderHidden = hidden, decHidden }
}

// parseFlags parses args with the defaults taken from cfg (and cfg.Data).
// It returns flag.ErrHelp after -h or -version.
func parseFlags(args []string, cfg train.Config, stdout io.Writer) (*options, error) {
	o := &options{set: map[string]bool{}}
	fs, finish := newFlagSet(o, &cfg, stdout)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	finish()
	src := cfg.Data
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if cfg.Objective == exact.EM && !o.set["estimator"] {
		cfg.Estimator = estimators.KindExact // EM is VI with q = p(z|x): by enumeration
	}
	src.TextVocab = nil
	if src.Format == "text" && src.Vocab == "" && src.Train != "" {
		src.TextVocab = &train.TextVocab{MinCount: o.minCount, MaxVocab: o.maxVocab, StopWords: o.stopWords}
	}
	cfg.Data = src
	switch {
	case o.out == "":
		return nil, errors.New(`-out "": give the run folder`)
	case src.SyntheticDocs < 0 || src.SyntheticDocs > 0 && src.Train != "":
		return nil, fmt.Errorf("-synthetic-docs %d: give a positive number of documents, and only without -train", src.SyntheticDocs)
	case !(src.ValidFraction >= 0 && src.ValidFraction < 1):
		return nil, fmt.Errorf("-valid-fraction %v must lie in [0, 1)", src.ValidFraction)
	case o.minCount < 0 || o.maxVocab < 0:
		return nil, fmt.Errorf("-min-count and -max-vocab must not be negative")
	case o.evalSamples < 1 || o.evalSamples > eval.MaxSamples || o.iwSamples < 0 || o.iwSamples > eval.MaxSamples || o.refine < 0:
		return nil, fmt.Errorf("-eval-samples %d must lie in 1..%d, -iw-samples %d in 0..%d, and -refine must not be negative", o.evalSamples, eval.MaxSamples, o.iwSamples, eval.MaxSamples)
	}
	o.cfg = cfg
	return o, nil
}

// restartPolicy lists the Config fields that -resume may change: the
// restart policy, which only acts if the run diverges, and the data files'
// paths, which may be spelled otherwise (the documents are checked by
// their SHA-256, the vocabulary by its hash).
var restartPolicy = map[string]bool{"restarts": true, "restart-lr-factor": true,
	"train": true, "valid": true, "test": true, "vocab": true}

// configDiff lists the settings in which b differs from a, by their JSON
// names (those of the flags), leaving out the restart policy.
func configDiff(a, b train.Config) ([]string, error) {
	flat := func(c train.Config) (map[string]string, error) {
		js, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(js, &m); err != nil {
			return nil, err
		}
		out := map[string]string{}
		for k, v := range m {
			if k == "data" {
				var d map[string]json.RawMessage
				if err := json.Unmarshal(v, &d); err != nil {
					return nil, err
				}
				for dk, dv := range d {
					out[dk] = string(dv) // the data flags: -train, -valid, …
				}
				continue
			}
			out[k] = string(v)
		}
		return out, nil
	}
	fa, err := flat(a)
	if err != nil {
		return nil, err
	}
	fb, err := flat(b)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for k, va := range fa {
		if vb := fb[k]; vb != va && !restartPolicy[k] {
			diffs = append(diffs, fmt.Sprintf("%s %s (checkpoint: %s)", k, orNone(vb), orNone(va)))
		}
	}
	for k, vb := range fb {
		if _, ok := fa[k]; !ok && !restartPolicy[k] {
			diffs = append(diffs, fmt.Sprintf("%s %s (checkpoint: none)", k, vb))
		}
	}
	sort.Strings(diffs)
	return diffs, nil
}

func orNone(s string) string {
	if s == "" || s == "null" {
		return "none"
	}
	return s
}

func run(args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, defaultConfig(), stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	stopProfile, err := cli.StartCPUProfile(o.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile(&err)
	cfg, out := o.cfg, o.out
	lastPath := filepath.Join(out, train.LastFile)
	// The folder is this process's from here on: a second process that
	// tries to train in it is refused until this one ends.
	var folder *train.Folder
	if o.resume {
		if folder, err = train.Open(out); err != nil {
			if errors.Is(err, train.ErrNoRun) {
				return fmt.Errorf("%w: -resume continues a run that was started with -out %s; start one without -resume", err, out)
			}
			return err
		}
		defer folder.Release()
		prev, err := train.LoadModel(lastPath)
		if err != nil {
			return err
		}
		// Parse again with the checkpoint's settings as the defaults: the
		// run continues as it was configured, and a flag that says
		// otherwise is an error rather than silently ignored.
		given := o.set
		o, err = parseFlags(args, prev.Config, io.Discard)
		if err != nil {
			return err
		}
		diffs, err := configDiff(prev.Config, o.cfg)
		if err != nil {
			return err
		}
		if len(diffs) > 0 {
			return fmt.Errorf("%s: %w: -resume continues the run with its own settings, but the flags ask for %s",
				lastPath, train.ErrMismatch, strings.Join(diffs, ", "))
		}
		cfg = o.cfg
		// Files named again on the command line are read from there (in
		// this working folder); the others from where the run stored them.
		cfg.Data = prev.Config.Data
		for _, p := range []struct {
			flag string
			dst  *string
			val  string
		}{{"train", &cfg.Data.Train, o.cfg.Data.Train}, {"valid", &cfg.Data.Valid, o.cfg.Data.Valid},
			{"test", &cfg.Data.Test, o.cfg.Data.Test}, {"vocab", &cfg.Data.Vocab, o.cfg.Data.Vocab}} {
			if given[p.flag] {
				*p.dst = p.val
			}
		}
	} else {
		newRunDefaults(&cfg, o.set)
		// Paths are stored absolute, so that -resume finds the files from
		// any working folder.
		for _, p := range []*string{&cfg.Data.Train, &cfg.Data.Valid, &cfg.Data.Test, &cfg.Data.Vocab} {
			if *p != "" {
				if abs, err := filepath.Abs(*p); err == nil {
					*p = abs
				}
			}
		}
		// Check the settings before the folder is made, so that a refused
		// start leaves none behind (V is known only once the data is read).
		chk := cfg
		chk.V = max(chk.V, 1)
		if err := chk.Validate(); err != nil {
			return err
		}
		if folder, err = train.Claim(out, o.overwrite); err != nil {
			return err
		}
		defer folder.Release()
	}
	src := cfg.Data
	corp, err := loadCorpora(src, cfg.Seed, src.TextVocab)
	if err != nil {
		return err
	}
	cfg.V = len(corp.vocab)

	var t *train.Trainer
	if o.resume {
		t, err = train.Resume(out, corp.train, corp.valid, corp.vocab)
		if err == nil {
			t.Config.RestartOnDivergence, t.Config.RestartLRFactor = cfg.RestartOnDivergence, cfg.RestartLRFactor
			t.Config.Data = cfg.Data
		}
	} else {
		t, err = train.New(cfg, out, corp.train, corp.valid, corp.vocab)
	}
	if err != nil {
		return err
	}
	defer t.Close()
	method := fmt.Sprintf("%s with S=%d", t.Config.Estimator, t.Config.Samples)
	switch {
	case t.Config.Objective == exact.EM:
		method = "EM (exact log p(x) for the decoder, exact ELBO for the encoder)"
	case t.Config.Estimator == estimators.KindExact:
		method = "the exact ELBO gradient"
	}
	fmt.Fprintf(stderr, "training on %s: %d documents (%d validation), V=%d, K=%d, %s, %d epochs, about %s of memory, run folder %s\n",
		describe(src.Train), corp.train.Len(), corp.valid.Len(), t.Config.V, t.Config.K, method, t.Config.Epochs, train.FormatBytes(t.Config.MemoryEstimate()), out)
	finish := progress.Attach(t, stderr)
	// A closed terminal (SIGHUP) stops the run like Ctrl-C: the state is
	// saved and the run can be resumed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	res, err := t.Run(ctx)
	stop()
	finish()
	if errors.Is(err, train.ErrInterrupted) {
		fmt.Fprintf(stderr, "interrupted: state saved to %s\nresume with: %s -resume -out %s\n", lastPath, command(), out)
		return nil
	}
	if errors.Is(err, train.ErrDiverged) {
		return fmt.Errorf("%w\nthe last good checkpoint is %s; %s -resume -out %s -restarts 3 continues from it with a lower learning rate",
			err, lastPath, command(), out)
	}
	if err != nil {
		return err
	}
	if res.HasBest {
		fmt.Fprintf(stderr, "trained %d epochs (%d steps) in %.1fs; best validation ELBO %.3f per document at step %d\n",
			res.Epochs, res.Steps, res.Seconds, res.BestValid, res.BestStep)
	} else {
		fmt.Fprintf(stderr, "trained %d epochs (%d steps) in %.1fs, without validation (no validation documents): the last state is the model\n",
			res.Epochs, res.Steps, res.Seconds)
	}
	if res.Restarts > 0 {
		fmt.Fprintf(stderr, "the run diverged and restarted %d times; the learning rate ended at %.3g\n", res.Restarts, res.LR)
	}
	if corp.test == nil {
		return nil
	}
	// A report that cannot be written (a full disk, a closed pipe) is an
	// error, not exit 0.
	w := outfile.NewWriter(stdout, "standard output")
	if err := evaluate(w, out, res, corp, o.evalSamples, o.iwSamples, o.refine, cfg.Seed); err != nil {
		return err
	}
	return w.Err()
}

// syntheticSpare is how many factors the synthetic run has beyond the
// generating model's.
const syntheticSpare = 4

// newRunDefaults sets what a new run's defaults depend on, for the flags
// not set: the synthetic corpus's sizes (syntheticDefaults) and the dtype,
// float64 where float32 does not run (train.DtypeFor). A resumed run keeps
// its checkpoint's.
func newRunDefaults(cfg *train.Config, set map[string]bool) {
	syntheticDefaults(cfg, set)
	if !set["dtype"] {
		cfg.Dtype = train.DtypeFor(*cfg)
	}
}

// syntheticDefaults fits a new run on the synthetic corpus, which is small,
// to about the generating model's size, except for the flags set: an
// encoder of 100 hidden units and syntheticSpare factors more than the
// generating model's K=8. The spare factors are there because from a random
// start the training settles in distributed codes whose factors each mix
// several of the truth's; with spare ones and the default learned prior,
// which fits each factor's probability, the held-out bound ends closer to
// the truth (docs/results.md, "Training settings across corpus sizes"),
// while K stays small enough for -estimator exact and -objective em to
// enumerate the 2^K codes. The training settings are the defaults.
func syntheticDefaults(cfg *train.Config, set map[string]bool) {
	if cfg.Data.Train != "" {
		return
	}
	if !set["K"] {
		cfg.K = synth.Default.K + syntheticSpare
	}
	if !set["hidden"] {
		cfg.Hidden = []int{100}
	}
}

// command returns how this program was started, for a message that tells
// the user what to run next.
func command() string {
	if strings.Contains(os.Args[0], "go-build") {
		return "go run ./cmd/train"
	}
	return os.Args[0]
}

func describe(path string) string {
	if path == "" {
		return "the synthetic default corpus"
	}
	return path
}

type corpora struct {
	train, valid, test *data.Corpus
	vocab              []string
	synthetic          *synth.Corpus
}

func loadCorpora(src train.DataSource, seed uint64, tv *train.TextVocab) (*corpora, error) {
	c := &corpora{}
	if src.Train == "" {
		spec := synth.Default
		if src.SyntheticDocs > 0 {
			spec.Train = src.SyntheticDocs
		}
		s, err := synth.Generate(spec)
		if err != nil {
			return nil, err
		}
		c.synthetic, c.vocab, c.test = s, s.Vocab, s.Test
		c.train, c.valid = data.Split(s.Train, src.ValidFraction, rand.New(rand.NewPCG(seed, 0x76616c)))
		return c, nil
	}
	var vocab *data.Vocabulary
	var err error
	if src.Format == "text" && src.Vocab == "" {
		if tv == nil {
			tv = &train.TextVocab{MinCount: 5, MaxVocab: 2000, StopWords: true}
		}
		// One pass over the file (it may be a pipe) builds the vocabulary
		// and the corpus.
		vocab, c.train, err = cli.LoadTextBuildingVocab(src.Train, tv.MinCount, tv.MaxVocab, tv.StopWords)
	} else {
		if vocab, err = cli.LoadVocab(src.Vocab); err == nil {
			c.train, err = cli.LoadCorpus(src.Train, src.Format, vocab)
		}
	}
	if err != nil {
		return nil, err
	}
	if c.train.Len() == 0 {
		return nil, fmt.Errorf("%s: no documents to train on (%d empty documents skipped)", src.Train, c.train.SkippedEmpty)
	}
	if src.Valid != "" {
		if c.valid, err = cli.LoadCorpus(src.Valid, src.Format, vocab); err != nil {
			return nil, err
		}
		if c.valid.Len() == 0 {
			return nil, fmt.Errorf("%s: no documents to validate on (%d empty documents skipped)", src.Valid, c.valid.SkippedEmpty)
		}
	} else {
		c.train, c.valid = data.Split(c.train, src.ValidFraction, rand.New(rand.NewPCG(seed, 0x76616c)))
	}
	if src.Test != "" {
		if c.test, err = cli.LoadCorpus(src.Test, src.Format, vocab); err != nil {
			return nil, err
		}
		if c.test.Len() == 0 {
			return nil, fmt.Errorf("%s: no documents to evaluate (%d empty documents skipped)", src.Test, c.test.SkippedEmpty)
		}
	}
	v := max(c.train.V, c.valid.V)
	if c.test != nil {
		v = max(v, c.test.V)
	}
	c.vocab = cli.Words(vocab, v)
	for _, x := range []*data.Corpus{c.train, c.valid, c.test} {
		if x != nil {
			x.V = v
		}
	}
	return c, nil
}

// evaluate reports the bound of the run's best checkpoint (its last, when
// it had no validation) on the test corpus. It refuses a checkpoint that
// another run wrote.
func evaluate(stdout io.Writer, dir string, res *train.Result, c *corpora, samples, iwSamples, refine int, seed uint64) error {
	path := filepath.Join(dir, train.LastFile)
	if res.HasBest {
		path = filepath.Join(dir, train.BestFile)
	}
	l, err := train.LoadModel(path)
	if err != nil {
		return err
	}
	if l.RunID != res.RunID {
		return fmt.Errorf("%s: %w: it was written by another run (%q, this run is %q); not evaluating it", path, train.ErrMismatch, l.RunID, res.RunID)
	}
	rep, err := eval.Evaluate(l.Model, c.test, eval.Options{Samples: samples, IWSamples: iwSamples, Seed: seed, Exact: true, Refine: refine})
	if err != nil {
		return err
	}
	rep.Checkpoint, rep.Data = path, c.test.Source
	if err := train.SaveEval(dir, rep); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "held-out evaluation of %s on %s (saved in %s)\n", path, describe(c.test.Source), filepath.Join(dir, train.EvalFile))
	eval.WriteText(stdout, rep)
	if c.synthetic != nil {
		ev := exact.New(c.synthetic.Truth)
		logp, perWord := 0.0, 0.0
		for _, d := range c.test.Docs {
			lp := ev.Doc(d).LogMarginal
			logp += lp
			perWord += lp / float64(d.Tokens())
		}
		D := float64(c.test.Len())
		fmt.Fprintf(stdout, "  true log p(x) per document     %10.3f   (the generating model; the bound can reach it only if q is exact)\n", logp/D)
		fmt.Fprintf(stdout, "  true perplexity                %10.3f\n", math.Exp(-perWord/D))
	}
	return nil
}
