// Command amvi-beam runs amvi's encode or eval pipeline on an Apache Beam
// runner (package amvibeam; docs/distributed.md):
//
//	amvi-beam -job encode -input 'corpus/*.feat' -checkpoint best.safetensors -output codes/ -shards 16 --runner=prism
//	amvi-beam -job eval -checkpoint best.safetensors -data test.feat -vocab vocab.new -output report.json --runner=prism
//
// Beam's own flags (--runner, --project, --region, --staging_location,
// --environment_config, --endpoint, …) choose and configure the runner.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	// The runners -runner can name.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"

	amvibeam "github.com/amvi/amvi/beam"
)

var (
	job        = flag.String("job", "", "encode or eval (required)")
	input      = flag.String("input", "", "encode: comma-separated file patterns of the documents")
	checkpoint = flag.String("checkpoint", "", "model checkpoint (required)")
	dataPath   = flag.String("data", "", "eval: the held-out corpus")
	format     = flag.String("format", "feat", "input format: feat|feat-nolabel|uci|text")
	vocab      = flag.String("vocab", "", "vocabulary file")
	output     = flag.String("output", "", "encode: the folder of the shards; eval: the report file (required)")
	shards     = flag.Int("shards", 16, "encode: output shards per input file")
	csv        = flag.Bool("csv", false, "encode: write CSV instead of JSON Lines")
	skipEmpty  = flag.Bool("skip-empty", false, "encode: leave out documents with no (known) words")
	probs      = flag.Bool("probs", false, "encode: also write the K probabilities q(z_j=1|x)")
	label      = flag.Bool("label", false, "encode: also write each document's label field (feat format only)")
	digits     = flag.Int("digits", -1, "encode: with -probs, significant digits of the probabilities; -1: the fewest that read back exactly")
	samples    = flag.Int("samples", 20, "eval: codes per document for the ELBO's reconstruction term")
	iw         = flag.Int("iw-samples", 100, "eval: importance samples per document (0: skip)")
	seed       = flag.Uint64("seed", 1, "eval: random seed")
	exactFlag  = flag.Bool("exact", true, "eval: when K ≤ 14, also report the exact log p(x) and ELBO")
	refine     = flag.Int("refine", 0, "eval: also report the refined ELBO after this many steps per document (0: skip)")
	refineS    = flag.Int("refine-samples", 8, "eval: codes per document and refinement step")
	refineLR   = flag.Float64("refine-lr", 0.05, "eval: Adam learning rate of the refinement")
	partial    = flag.String("partial", "", "eval: also write the merged partial statistics to this file")
)

func main() {
	flag.Parse()
	beam.Init() // a worker started by the runner serves here and exits
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "amvi-beam: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	if *checkpoint == "" || *output == "" {
		return errors.New("-checkpoint and -output are required")
	}
	if !slices.Contains([]string{"feat", "feat-nolabel", "uci", "text"}, *format) {
		return fmt.Errorf("unknown -format %q", *format)
	}
	p, s := beam.NewPipelineWithRoot()
	switch *job {
	case "encode":
		if *input == "" || *shards < 1 || *digits < -1 || *digits == 0 || *digits > 17 || *label && *format != "feat" {
			return errors.New("encode needs -input, a positive -shards, -digits -1 or in 1..17, and -label only with -format feat")
		}
		amvibeam.Encode(s, amvibeam.EncodeOptions{Inputs: strings.Split(*input, ","), Format: *format, Checkpoint: *checkpoint,
			Vocab: *vocab, Output: *output, Shards: *shards, CSV: *csv, SkipEmpty: *skipEmpty, Probs: *probs, Label: *label, Digits: *digits})
	case "eval":
		if *dataPath == "" || *samples < 1 || *iw < 0 || *refine < 0 || *refineS < 2 || !(*refineLR > 0) {
			return errors.New("eval needs -data, a positive -samples, -iw-samples and -refine not negative, -refine-samples at least 2 and a positive -refine-lr")
		}
		amvibeam.Eval(s, amvibeam.EvalOptions{Checkpoint: *checkpoint, Data: *dataPath, Vocab: *vocab, Format: *format,
			Samples: *samples, IWSamples: *iw, Seed: *seed, Exact: *exactFlag, Refine: *refine, RefineSamples: *refineS, RefineLR: *refineLR,
			Output: *output, Partial: *partial})
	default:
		return fmt.Errorf("-job %q: want encode or eval", *job)
	}
	return beamx.Run(context.Background(), p)
}
