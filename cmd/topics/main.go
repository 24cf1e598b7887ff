// Command topics shows what each binary factor of a trained amvi model
// does: the words whose decoder logit rises most when the factor is on
// (for the linear decoder, the factor's weight row; for an MLP decoder,
// the average rise over -samples codes drawn from the prior), and, given
// a corpus, how often the factor is on in its documents.
//
//	topics -checkpoint runs/20news/best.safetensors -data data/20news/test.feat -png topics.png
//
// It prints one line per factor: its index, the fraction of documents
// whose most probable code has it on and the mean of q(z_j = 1 | x) (with
// -data), and its top words. -png draws the factors as a heat map (one row
// per factor, one cell per top word coloured by its rise); -json prints
// one object, {"checkpoint":…,"data":…,"documents":…,"factors":[{"factor",
// "words","ids","effects","on","mean_probability"},…]}, with null for on
// and mean_probability without -data. -factors picks some factors.
//
// The words come from the checkpoint's vocabulary, or -vocab for a model
// trained on word ids only; a word without a name is written #id (the
// 1-based id of the feat format).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/cli"
	"github.com/amvi/amvi/topics"
	"github.com/amvi/amvi/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		cli.Fatal("topics", err)
	}
}

// factorJSON writes NaN usage as null.
type factorJSON struct {
	topics.Factor
	On              *float64 `json:"on"`
	MeanProbability *float64 `json:"mean_probability"`
}

type report struct {
	Checkpoint string       `json:"checkpoint"`
	Data       string       `json:"data,omitempty"`
	Documents  int          `json:"documents"`
	Factors    []factorJSON `json:"factors"`
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("topics", "-checkpoint FILE [flags]",
		"Lists each factor's top words (those whose decoder logit rises most when it is on) and,\n"+
			"with -data, how often documents have it on; -png draws them as a heat map.", stdout)
	fs.Group(cli.GroupData)
	var (
		path      = fs.String("data", "", "corpus whose documents are counted (optional)")
		format    = fs.String("format", "feat", "corpus format: "+data.Formats)
		vocabPath = fs.String("vocab", "", "vocabulary `FILE`: the words of a model trained on word ids only, and of -data's format where it needs one")
	)
	fs.Group(cli.GroupModel)
	ckpt := fs.String("checkpoint", "", "model checkpoint written by training (required)")
	fs.Group(cli.GroupEvaluation)
	var (
		words   = fs.Int("words", 10, "top words per factor")
		which   = fs.String("factors", "", "comma-separated factor indices (default: all)")
		samples = fs.Int("samples", 200, "MLP decoder: codes drawn from the prior to average the effects over")
		seed    = fs.Uint64("seed", 1, "random seed of the prior's codes")
	)
	fs.Group(cli.GroupOutput)
	var (
		pngPath = fs.String("png", "", "write a heat map of the factors' top words to this PNG `FILE`")
		asJSON  = fs.Bool("json", false, "print one JSON object")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	switch {
	case *ckpt == "":
		return errors.New("-checkpoint is required (topics -h lists the flags)")
	case *words < 1 || *samples < 1:
		return errors.New("-words and -samples must be positive")
	}
	l, err := train.LoadModel(*ckpt)
	if err != nil {
		return err
	}
	k := l.Config.K
	var factors []int
	if *which != "" {
		for _, f := range strings.Split(*which, ",") {
			j, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || j < 0 || j >= k {
				return fmt.Errorf("-factors: %q is not a factor index in 0..%d", f, k-1)
			}
			factors = append(factors, j)
		}
	}
	vocab := l.Vocab
	var fileVocab *data.Vocabulary
	if *vocabPath != "" {
		if fileVocab, err = data.LoadVocab(*vocabPath); err != nil {
			return err
		}
		if fileVocab.Len() != l.Config.V {
			return fmt.Errorf("%s has %d words, the model in %s V=%d", *vocabPath, fileVocab.Len(), *ckpt, l.Config.V)
		}
		vocab = fileVocab.Words()
	}

	rep := report{Checkpoint: *ckpt, Data: *path}
	var on, mean []float64
	if *path != "" {
		cv := fileVocab
		if cv == nil && *format == "text" {
			if cv, err = data.NewVocabulary(l.Vocab); err != nil {
				return fmt.Errorf("%s: the checkpoint has no usable vocabulary for text: %w", *ckpt, err)
			}
		}
		c, err := cli.LoadCorpus(*path, *format, cv)
		if err != nil {
			return err
		}
		if c.V > l.Config.V {
			return fmt.Errorf("%s: word ids up to %d, the model in %s V=%d", *path, c.V, *ckpt, l.Config.V)
		}
		enc, err := encoder.Freeze(l.Model.Enc, nil)
		if err != nil {
			return err
		}
		if on, mean, err = topics.Usage(enc, c.Docs); err != nil {
			return fmt.Errorf("%s: %w", *path, err)
		}
		rep.Documents = c.Len()
	}
	eff := topics.Effects(l.Model.Dec, l.Config.Alpha, *samples, rand.New(rand.NewPCG(*seed, 0)))
	described := topics.Describe(eff, vocab, on, mean, *words, factors)
	for _, f := range described {
		fj := factorJSON{Factor: f}
		if !math.IsNaN(f.On) {
			fj.On, fj.MeanProbability = &f.On, &f.MeanProbability
		}
		rep.Factors = append(rep.Factors, fj)
	}
	if *pngPath != "" {
		title := fmt.Sprintf("amvi factors of %s", *ckpt)
		if err := topics.Plot(described, title, *pngPath); err != nil {
			return err
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	if *path != "" {
		fmt.Fprintf(stdout, "%d factors of %s; on: share of the %d documents of %s whose most probable code has the factor on\n", len(described), *ckpt, rep.Documents, *path)
	} else {
		fmt.Fprintf(stdout, "%d factors of %s\n", len(described), *ckpt)
	}
	for _, f := range described {
		use := ""
		if !math.IsNaN(f.On) {
			use = fmt.Sprintf("  on %5.1f%%  mean q %.3f", 100*f.On, f.MeanProbability)
		}
		fmt.Fprintf(stdout, "z%-3d%s  %s\n", f.Factor, use, strings.Join(f.Words, " "))
	}
	return nil
}
