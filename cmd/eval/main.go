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
//
// A corpus too big for one machine is evaluated in shards and merged:
//
//	eval -checkpoint C -data D -shard 0/3 -partial p0.json   # on machine 0, and so on
//	eval -merge -json p0.json p1.json p2.json
//
// -shard i/N evaluates only shard i of N (data.Shard: blocks of 64
// documents, by index), -partial writes its statistics instead of a report,
// and -merge combines partial files into the report that one process would
// print, bit for bit (the sums are exact; see docs/distributed.md). Partials
// of different checkpoints, data or settings are refused. -merge with
// -partial writes the merged partial instead, for merging in stages.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/internal/cli"
	"github.com/amvi/amvi/internal/evalio"
	"github.com/amvi/amvi/internal/outfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		cli.Fatal("eval", err)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("eval", "-checkpoint FILE -data FILE [flags]  |  -merge [flags] PARTIAL...",
		"Reports a trained checkpoint's bound on held-out documents: the ELBO per document\nand per word, perplexities and the importance-weighted estimate of log p(x).", stdout)
	fs.KeepArgs = true // -merge's partial files
	fs.Group(cli.GroupData)
	var (
		path      = fs.String("data", "", "held-out corpus `FILE` (required)")
		format    = fs.String("format", "feat", "corpus format: "+data.Formats)
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
	shardFlag := fs.String("shard", "", "evaluate only shard `i/N` of the corpus (blocks of 64 documents); needs -partial")
	fs.Group(cli.GroupOutput)
	asJSON := fs.Bool("json", false, "print one JSON object")
	partial := fs.String("partial", "", "write the statistics for -merge to this `file` instead of a report")
	merge := fs.Bool("merge", false, "merge the partial files given as arguments into one report (or, with -partial, one partial)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *merge {
		if *ckpt != "" || *path != "" || *shardFlag != "" {
			return errors.New("-merge reads partial files only: no -checkpoint, -data or -shard")
		}
		if fs.NArg() == 0 {
			return errors.New("-merge needs the partial files as arguments")
		}
		p, err := mergeFiles(fs.Args())
		if err != nil {
			return err
		}
		return finish(p, *partial, *asJSON, stdout)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: every setting is a flag, and flags go before it; only -merge takes files (eval -h lists them)", fs.Arg(0))
	}
	var shard data.Shard
	if *shardFlag != "" {
		var err error
		if shard, err = data.ParseShard(*shardFlag); err != nil {
			return fmt.Errorf("-shard: %w", err)
		}
		if *partial == "" && shard.N > 1 {
			return errors.New("-shard needs -partial: one shard's figures are not the corpus's")
		}
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
	l, c, err := evalio.Load(*ckpt, *path, *vocabPath, *format)
	if err != nil {
		return err
	}
	src, err := evalio.Source(*ckpt, *path, *vocabPath, *format)
	if err != nil {
		return err
	}
	p, err := eval.EvaluatePartial(l.Model, c, eval.Options{Samples: *samples, IWSamples: *iw, Seed: *seed,
		Exact: *exactFlag, Refine: *refine, RefineSamples: *refineS, RefineLR: *refineLR, Shard: shard}, src)
	if err != nil {
		return fmt.Errorf("%s on %s: %w", *ckpt, *path, err)
	}
	p.Checkpoint, p.Data = *ckpt, *path
	return finish(p, *partial, *asJSON, stdout)
}

// mergeFiles reads and merges partial files.
func mergeFiles(paths []string) (*eval.Partial, error) {
	var all *eval.Partial
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		p, err := eval.ReadPartial(f, path)
		f.Close()
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = p
		} else if err := all.Merge(p); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return all, nil
}

// finish writes p to the file partial, or else its report to stdout.
func finish(p *eval.Partial, partial string, asJSON bool, stdout io.Writer) error {
	if partial != "" {
		var b bytes.Buffer
		p.WriteTo(&b)
		return outfile.WriteFile(partial, b.Bytes())
	}
	rep, err := p.Report()
	if err != nil {
		return err
	}
	// A report that cannot be written (a full disk, a closed pipe) is an
	// error, not exit 0.
	w := outfile.NewWriter(stdout, "standard output")
	if asJSON {
		json.NewEncoder(w).Encode(rep)
		return w.Err()
	}
	fmt.Fprintf(w, "evaluation of %s on %s\n", rep.Checkpoint, rep.Data)
	eval.WriteText(w, rep)
	return w.Err()
}
