// Command synthfit separates model fit from inference on the default
// synthetic corpus (package synth), where the generating model is known and
// log p_θ(x) is exact (K ≤ 14): it trains variants of the synthetic run of
// cmd/train and prints, for each, the exact log p_θ(x) per document of its
// best validation checkpoint on the training, validation and test splits
// beside the generating model's, as a Markdown table (docs/results.md),
// then each model's mean decoder weight on each of the generating model's
// blocks of words.
//
//	go run ./bench/synthfit [-only NAME,...] [-out DIR]
//
// The variants start from the synthetic defaults as they were before issue
// 12 (K=8, encoder 200→100→8, RLOO with 8 codes, Adam 3e-3 constant, 40
// epochs, α=0.5) and change one thing each; "truth-init" starts the decoder
// at the generating model's weights, "unigram-bias" starts the decoder's
// bias at the training split's log word frequencies.
package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/synth"
	"github.com/amvi/amvi/train"

	"gonum.org/v1/gonum/floats"
)

// variant is one training run: a change to the configuration, and to the
// model before training.
type variant struct {
	name, what string
	cfg        func(c *train.Config)
	init       func(m, truth *model.Model, trainC *data.Corpus)
}

var variants = []variant{
	{name: "default", what: "the old synthetic defaults"},
	{name: "truth-init", what: "decoder started at the generating model's", init: func(m, truth *model.Model, _ *data.Corpus) {
		l, tl := m.Dec.Net.Layers[0], truth.Dec.Net.Layers[0]
		copy(l.W, tl.W)
		copy(l.B, tl.B)
	}},
	{name: "alpha0.3", what: "the true prior α=0.3", cfg: func(c *train.Config) { c.Alpha = 0.3 }},
	{name: "prior", what: "a learned prior", cfg: func(c *train.Config) { c.Prior = train.PriorLearned }},
	{name: "unigram-bias", what: "decoder bias started at log unigram frequencies", init: unigramBias},
	{name: "seed2", what: "seed 2", cfg: func(c *train.Config) { c.Seed = 2 }},
	{name: "seed3", what: "seed 3", cfg: func(c *train.Config) { c.Seed = 3 }},
	{name: "epochs200", what: "200 epochs", cfg: func(c *train.Config) { c.Epochs = 200 }},
	{name: "batch16", what: "batch 16 (4× the steps)", cfg: func(c *train.Config) { c.Batch = 16 }},
	{name: "K12", what: "K=12 (4 factors more than the truth's)", cfg: func(c *train.Config) { c.K = 12 }},
	{name: "em", what: "EM (-objective em)", cfg: func(c *train.Config) { c.Estimator, c.Objective = estimators.KindExact, exact.EM }},
	{name: "em-lr1e-2-200", what: "EM, Adam 1e-2 cosine, 200 epochs", cfg: func(c *train.Config) {
		c.Estimator, c.Objective, c.LR, c.LRSchedule, c.Epochs = estimators.KindExact, exact.EM, 1e-2, train.ScheduleCosine, 200
	}},
}

func unigramBias(m, _ *model.Model, trainC *data.Corpus) {
	b := m.Dec.Net.Layers[len(m.Dec.Net.Layers)-1].B
	counts := make([]float64, len(b))
	total := 0.0
	for _, d := range trainC.Docs {
		for i, w := range d.Words {
			counts[w] += float64(d.Counts[i])
			total += float64(d.Counts[i])
		}
	}
	for w, c := range counts {
		b[w] = math.Log((c + 0.5) / (total + 0.5*float64(len(b))))
	}
}

func main() {
	only := flag.String("only", "", "comma-separated variant names (default: all)")
	out := flag.String("out", filepath.Join(os.TempDir(), "synthfit"), "folder for the runs")
	flag.Parse()
	if err := run(*only, *out); err != nil {
		fmt.Fprintln(os.Stderr, "synthfit:", err)
		os.Exit(1)
	}
}

// logp returns the mean exact log p(x) per document of c under m.
func logp(m *model.Model, c *data.Corpus) float64 {
	ev := exact.New(m)
	s := 0.0
	for _, d := range c.Docs {
		s += ev.Doc(d).LogMarginal
	}
	return s / float64(c.Len())
}

func run(only, out string) error {
	s, err := synth.Generate(synth.Default)
	if err != nil {
		return err
	}
	// The split of cmd/train: 10% held out, with the seed's stream.
	trainC, validC := data.Split(s.Train, 0.1, rand.New(rand.NewPCG(1, 0x76616c)))
	truth := s.Truth
	truthTest := logp(truth, s.Test)
	fmt.Println("| run | log p_θ(x), training split | validation split | test split | test − truth | best step of |")
	fmt.Println("|---|---|---|---|---|---|")
	row := func(name string, m *model.Model, best, steps int) {
		tr, va, te := logp(m, trainC), logp(m, validC), logp(m, s.Test)
		step := ""
		if steps > 0 {
			step = fmt.Sprintf("%d of %d", best, steps)
		}
		fmt.Printf("| %s | %.2f | %.2f | %.2f | %.2f | %s |\n", name, tr, va, te, te-truthTest, step)
	}
	row("generating model (α=0.3)", truth, 0, 0)
	alpha := truth.Prior.Logit[0]
	for j := range truth.Prior.Logit {
		truth.Prior.Logit[j] = 0 // α = 0.5
	}
	row("generating decoder with α=0.5", truth, 0, 0)
	for j := range truth.Prior.Logit {
		truth.Prior.Logit[j] = alpha
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	var models []named
	for _, v := range variants {
		if len(want) > 0 && !want[v.name] {
			continue
		}
		cfg := train.DefaultConfig()
		// The synthetic run as it was before issue 12, pinned.
		cfg.K, cfg.Hidden, cfg.Epochs, cfg.LR, cfg.LogEvery = synth.Default.K, []int{100}, 40, 3e-3, 0
		cfg.Samples, cfg.Warmup, cfg.LRSchedule, cfg.LRScaling = 8, 0, train.ScheduleConstant, train.LRScalingNone
		cfg.Prior, cfg.Dtype = train.PriorFixed, model.Float64
		if v.cfg != nil {
			v.cfg(&cfg)
		}
		dir := filepath.Join(out, v.name)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		t, err := train.New(cfg, dir, trainC, validC, s.Vocab)
		if err != nil {
			return err
		}
		if v.init != nil {
			v.init(t.Model, truth, trainC)
		}
		res, err := t.Run(context.Background())
		t.Close()
		if err != nil {
			return err
		}
		l, err := train.LoadModel(filepath.Join(dir, train.BestFile))
		if err != nil {
			return err
		}
		row(v.what, l.Model, res.BestStep, res.Steps)
		models = append(models, named{v.what, l.Model})
	}
	// Each factor's mean decoder weight on each of the generating model's
	// word blocks (V/K words each; the truth has about +3 on its own block).
	for _, nm := range append([]named{{"generating model", truth}}, models...) {
		fmt.Printf("\nmean weight of each factor on each block of words, %s:\n", nm.name)
		l := nm.m.Dec.Net.Layers[0]
		V, K := l.Out, l.In
		block := V / synth.Default.K
		for j := 0; j < K; j++ {
			fmt.Printf("z%-2d", j)
			for b := 0; b < synth.Default.K; b++ {
				fmt.Printf(" %5.2f", floats.Sum(l.W[j*V+b*block:j*V+(b+1)*block])/float64(block))
			}
			fmt.Println()
		}
	}
	return nil
}

type named struct {
	name string
	m    *model.Model
}
