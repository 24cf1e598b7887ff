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
// exits 0; -resume -out DIR continues the run exactly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/internal/cli"
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

func run(args []string, stdout, stderr io.Writer) error {
	cfg := train.DefaultConfig()
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		src         train.DataSource
		out         = fs.String("out", "runs/default", "run folder")
		resume      = fs.Bool("resume", false, "continue the run in -out from its last checkpoint")
		seed        = fs.Uint64("seed", cfg.Seed, "random seed")
		evalSamples = fs.Int("eval-samples", 20, "codes per document for the final evaluation's ELBO")
		iwSamples   = fs.Int("iw-samples", 100, "importance samples per document for the final evaluation")
		minCount    = fs.Int("min-count", 5, "text format: drop words seen fewer times in the training file")
		maxVocab    = fs.Int("max-vocab", 2000, "text format: keep at most this many words")
		stopWords   = fs.Bool("stop-words", true, "text format: drop English stop words")
	)
	hidden, decHidden := intList(cfg.Hidden), intList(cfg.DecoderHidden)
	fs.StringVar(&src.Train, "train", "", "training corpus (none: the synthetic default corpus)")
	fs.StringVar(&src.Valid, "valid", "", "validation corpus (default: -valid-fraction of -train)")
	fs.StringVar(&src.Test, "test", "", "held-out corpus evaluated at the end with the best checkpoint")
	fs.StringVar(&src.Format, "format", "feat", "corpus format: "+cli.Formats)
	fs.StringVar(&src.Vocab, "vocab", "", "vocabulary file, one word per line (a second column is ignored)")
	fs.Float64Var(&src.ValidFraction, "valid-fraction", 0.1, "fraction of -train held out for validation when -valid is not given")
	fs.IntVar(&cfg.K, "K", cfg.K, "number of binary latent factors")
	fs.Var(&hidden, "hidden", "encoder hidden layer sizes, comma-separated")
	fs.StringVar(&cfg.Activation, "activation", cfg.Activation, "encoder activation: tanh|relu|sigmoid|softplus")
	fs.StringVar(&cfg.Input, "input", cfg.Input, "encoder input: counts|log1p")
	fs.Var(&decHidden, "decoder-hidden", "decoder hidden layer sizes (none: the linear decoder W z + c)")
	fs.StringVar(&cfg.DecoderActivation, "decoder-activation", cfg.DecoderActivation, "decoder hidden activation")
	fs.Float64Var(&cfg.Alpha, "alpha", cfg.Alpha, "prior probability of each factor")
	fs.StringVar(&cfg.Estimator, "estimator", cfg.Estimator, "gradient estimator: reinforce|nvil|rloo|vimco")
	fs.IntVar(&cfg.Samples, "samples", cfg.Samples, "codes sampled per document and step")
	fs.StringVar(&cfg.KL, "kl", cfg.KL, "KL term: closed (exact) or stochastic (in the learning signal)")
	fs.BoolVar(&cfg.Normalise, "normalise", cfg.Normalise, "nvil: divide the learning signal by its running standard deviation")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "documents per minibatch")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the training corpus")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam learning rate")
	fs.StringVar(&cfg.LRSchedule, "lr-schedule", cfg.LRSchedule, "learning-rate schedule: constant|cosine")
	fs.Float64Var(&cfg.ClipNorm, "clip", cfg.ClipNorm, "clip the gradient's global norm to this (0: no clipping)")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "parallel shards of each minibatch (results depend on it, as on -seed)")
	fs.IntVar(&cfg.ValidEvery, "valid-every", cfg.ValidEvery, "steps between validations (0: every epoch)")
	fs.IntVar(&cfg.ValidSamples, "valid-samples", cfg.ValidSamples, "codes per document for the validation ELBO")
	fs.IntVar(&cfg.Patience, "patience", cfg.Patience, "stop after this many validations without improvement (0: never)")
	fs.IntVar(&cfg.LogEvery, "log-every", cfg.LogEvery, "steps between log lines when stderr is not a terminal")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfg.Hidden, cfg.DecoderHidden, cfg.Seed = hidden, decHidden, *seed

	if *resume {
		prev, err := train.LoadModel(filepath.Join(*out, train.LastFile))
		if err != nil {
			return err
		}
		src = prev.Config.Data
	} else if src.Train == "" {
		// The default corpus is small: fit the generating model's size unless told otherwise.
		if !set["K"] {
			cfg.K = synth.Default.K
		}
		if !set["hidden"] {
			cfg.Hidden = []int{100}
		}
		if !set["epochs"] {
			cfg.Epochs = 15
		}
		if !set["lr"] {
			cfg.LR = 3e-3
		}
	}
	cfg.Data = src
	corp, err := loadCorpora(src, *seed, *minCount, *maxVocab, *stopWords)
	if err != nil {
		return err
	}
	cfg.V = len(corp.vocab)

	var t *train.Trainer
	if *resume {
		t, err = train.Resume(*out, corp.train, corp.valid, corp.vocab)
	} else {
		t, err = train.New(cfg, *out, corp.train, corp.valid, corp.vocab)
	}
	if err != nil {
		return err
	}
	defer t.Close()
	fmt.Fprintf(stderr, "training on %s: %d documents (%d validation), V=%d, K=%d, %s with S=%d, %d epochs, run folder %s\n",
		describe(src.Train), corp.train.Len(), corp.valid.Len(), t.Config.V, t.Config.K, t.Config.Estimator, t.Config.Samples, t.Config.Epochs, *out)
	finish := cli.AttachProgress(t, corp.train.Len(), stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	res, err := t.Run(ctx)
	stop()
	finish()
	if errors.Is(err, train.ErrInterrupted) {
		fmt.Fprintf(stderr, "interrupted: state saved to %s\nresume with: %s -resume -out %s\n",
			filepath.Join(*out, train.LastFile), os.Args[0], *out)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "trained %d epochs (%d steps) in %.1fs; best validation ELBO %.3f per document at step %d\n",
		res.Epochs, res.Steps, res.Seconds, res.BestValid, res.BestStep)
	if corp.test == nil {
		return nil
	}
	return evaluate(stdout, *out, corp, *evalSamples, *iwSamples, *seed)
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

func loadCorpora(src train.DataSource, seed uint64, minCount, maxVocab int, stopWords bool) (*corpora, error) {
	c := &corpora{}
	if src.Train == "" {
		s, err := synth.Generate(synth.Default)
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
		vocab, err = cli.BuildTextVocab(src.Train, minCount, maxVocab, stopWords)
	} else {
		vocab, err = cli.LoadVocab(src.Vocab)
	}
	if err != nil {
		return nil, err
	}
	if c.train, err = cli.LoadCorpus(src.Train, src.Format, vocab); err != nil {
		return nil, err
	}
	if src.Valid != "" {
		if c.valid, err = cli.LoadCorpus(src.Valid, src.Format, vocab); err != nil {
			return nil, err
		}
	} else {
		c.train, c.valid = data.Split(c.train, src.ValidFraction, rand.New(rand.NewPCG(seed, 0x76616c)))
	}
	if src.Test != "" {
		if c.test, err = cli.LoadCorpus(src.Test, src.Format, vocab); err != nil {
			return nil, err
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

// evaluate reports the best checkpoint's bound on the test corpus.
func evaluate(stdout io.Writer, dir string, c *corpora, samples, iwSamples int, seed uint64) error {
	path := filepath.Join(dir, train.BestFile)
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(dir, train.LastFile)
	}
	l, err := train.LoadModel(path)
	if err != nil {
		return err
	}
	rep, err := eval.Evaluate(l.Model, c.test, eval.Options{Samples: samples, IWSamples: iwSamples, Seed: seed})
	if err != nil {
		return err
	}
	rep.Checkpoint = path
	fmt.Fprintf(stdout, "held-out evaluation of %s on %s\n", path, describe(c.test.Source))
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
