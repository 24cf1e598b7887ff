// Command eval reports a trained amvi checkpoint's bound on held-out
// documents: the ELBO per document (with standard errors) and per word, the
// KL term, perplexities in the per-document and corpus forms, and the
// importance-weighted estimate of log p(x); for K ≤ 14 the exact log p(x)
// and exact ELBO by enumeration; and with -refine N the refined ELBO, after
// N steps of per-document mean-field optimisation from the encoder's
// posterior (semi-amortised inference). Every ELBO is a lower bound on
// log p(x); so, in expectation, is the IW estimate.
//
//	eval -checkpoint runs/20news/best.safetensors -data data/20news/test.feat -iw-samples 100
//
// With -json it prints one JSON object instead.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/internal/cli"
	"github.com/amvi/amvi/internal/outfile"
	"github.com/amvi/amvi/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		cli.Fatal("eval", err)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("eval", "-checkpoint FILE -data FILE [flags]",
		"Reports a trained checkpoint's bound on held-out documents: the ELBO per document\nand per word, perplexities and the importance-weighted estimate of log p(x).", stdout)
	fs.Group(cli.GroupData)
	var (
		path      = fs.String("data", "", "held-out corpus `FILE` (required)")
		format    = fs.String("format", "feat", "corpus format: "+cli.Formats)
		vocabPath = fs.String("vocab", "", "the corpus's vocabulary `FILE`; checked against the checkpoint's (text uses the checkpoint's)")
	)
	fs.Group(cli.GroupModel)
	ckpt := fs.String("checkpoint", "", "model checkpoint `FILE`, or an export folder (cmd/export) (required)")
	fs.Group(cli.GroupEvaluation)
	var (
		samples   = fs.Int("samples", 20, "codes per document for the ELBO's reconstruction term")
		iw        = fs.Int("iw-samples", 100, "importance samples per document (0: skip)")
		seed      = fs.Uint64("seed", 1, "random seed")
		exactFlag = fs.Bool("exact", true, "when K ≤ 14, also report the exact log p(x) and ELBO by enumerating the 2^K codes")
		refine    = fs.Int("refine", 0, "also report the refined ELBO: this many steps on each document's own logits, from the encoder's (0: skip)")
		refineS   = fs.Int("refine-samples", 8, "codes per document and refinement step (leave-one-out gradient estimate)")
		refineLR  = fs.Float64("refine-lr", 0.05, "Adam learning rate of the refinement")
	)
	fs.Group(cli.GroupOutput)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *ckpt == "" || *path == "" {
		return fmt.Errorf("-checkpoint and -data are required (eval -h lists the flags)")
	}
	if *samples < 1 || *samples > eval.MaxSamples || *iw < 0 || *iw > eval.MaxSamples {
		return fmt.Errorf("-samples %d must lie in 1..%d and -iw-samples %d in 0..%d", *samples, eval.MaxSamples, *iw, eval.MaxSamples)
	}
	if *refine < 0 || *refineS < 2 || !(*refineLR > 0) {
		return fmt.Errorf("-refine must not be negative, -refine-samples must be at least 2 and -refine-lr positive")
	}
	l, err := train.LoadModel(*ckpt)
	if err != nil {
		return err
	}
	var vocab *data.Vocabulary
	if *format == "text" {
		if vocab, err = data.NewVocabulary(l.Vocab); err != nil {
			return fmt.Errorf("%s: the checkpoint has no usable vocabulary for text: %w", *ckpt, err)
		}
	} else if vocab, err = cli.LoadVocab(*vocabPath); err != nil {
		return err
	}
	if vocab != nil && train.VocabularyHash(vocab.Words()) != train.VocabularyHash(l.Vocab) {
		return fmt.Errorf("%s: %w: its vocabulary (%d words) differs from the checkpoint's (%d words)",
			*vocabPath, eval.ErrVocabulary, vocab.Len(), len(l.Vocab))
	}
	c, err := cli.LoadCorpusV(*path, *format, vocab, l.Config.V)
	if _, ok := errors.AsType[*data.ParseError](err); ok && vocab == nil {
		return fmt.Errorf("%w (the checkpoint's vocabulary has %d words)", err, l.Config.V)
	}
	if err != nil {
		return err
	}
	if c.Len() == 0 {
		return fmt.Errorf("%s: no documents to evaluate (%d empty documents skipped, %d tokens not in the vocabulary)", *path, c.SkippedEmpty, c.OOVTokens)
	}
	rep, err := eval.Evaluate(l.Model, c, eval.Options{Samples: *samples, IWSamples: *iw, Seed: *seed,
		Exact: *exactFlag, Refine: *refine, RefineSamples: *refineS, RefineLR: *refineLR})
	if err != nil {
		return fmt.Errorf("%s on %s: %w", *ckpt, *path, err)
	}
	rep.Checkpoint, rep.Data = *ckpt, *path
	// A report that cannot be written (a full disk, a closed pipe) is an
	// error, not exit 0.
	w := outfile.NewWriter(stdout, "standard output")
	if *asJSON {
		json.NewEncoder(w).Encode(rep)
		return w.Err()
	}
	fmt.Fprintf(w, "evaluation of %s on %s\n", *ckpt, *path)
	eval.WriteText(w, rep)
	return w.Err()
}
