package amvibeam

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
)

// tiny is a trained model checkpoint of V=30 words and K=4 factors.
const tiny = "../testdata/encoder/tiny.safetensors"

// bin holds cmd/encode and cmd/eval, built once: the pipelines' outputs are
// compared with theirs.
var bin string

func TestMain(m *testing.M) {
	beam.Init()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "amvibeam-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("go", "build", "-o", dir+"/", "github.com/amvi/amvi/cmd/encode", "github.com/amvi/amvi/cmd/eval")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	bin = dir
	return m.Run()
}

// command runs one of the built commands and returns its standard output.
func command(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return stdout.Bytes()
}

// writeFeat writes n random documents over V=30 words in feat format, one
// in ten empty.
func writeFeat(t *testing.T, path string, n int, rng *rand.Rand) {
	t.Helper()
	var b strings.Builder
	for range n {
		fmt.Fprintf(&b, "%d", rng.IntN(3))
		if rng.IntN(10) > 0 {
			for _, w := range rng.Perm(30)[:1+rng.IntN(8)] {
				fmt.Fprintf(&b, " %d:%d", w+1, 1+rng.IntN(4)) // ids are 1-based
			}
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func execute(t *testing.T, p *beam.Pipeline) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := prism.Execute(ctx, p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
}

// TestEncodeMatchesCmdEncode runs the encode pipeline on Prism over two
// files matched by a glob, in 3 shards, as JSON Lines and as CSV, and checks
// that every shard file is byte for byte `encode -shard i/3` on its input.
func TestEncodeMatchesCmdEncode(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := map[string]int{"a.feat": 300, "b.feat": 70}
	for name, n := range inputs {
		writeFeat(t, filepath.Join(dir, name), n, rng)
	}
	for _, csv := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "codes")
		p, s := beam.NewPipelineWithRoot()
		Encode(s, EncodeOptions{Inputs: []string{filepath.Join(dir, "*.feat")}, Format: "feat", Checkpoint: tiny,
			Output: out, Shards: 3, CSV: csv, Digits: -1})
		execute(t, p)
		ext, flags := ".jsonl", []string{}
		if csv {
			ext, flags = ".csv", []string{"-csv"}
		}
		files, _ := filepath.Glob(filepath.Join(out, "*"))
		if len(files) != 2*3 {
			t.Fatalf("csv %v: output files %v, want 3 shards of each of 2 inputs", csv, files)
		}
		for name := range inputs {
			for i := range 3 {
				got, err := os.ReadFile(filepath.Join(out, fmt.Sprintf("%s-%05d-of-00003%s", name, i, ext)))
				if err != nil {
					t.Fatal(err)
				}
				want := command(t, "encode", append(flags, "-checkpoint", tiny, "-data", filepath.Join(dir, name), "-shard", fmt.Sprintf("%d/3", i))...)
				if !bytes.Equal(got, want) {
					t.Errorf("csv %v: %s shard %d: the pipeline wrote %d bytes unlike encode's %d", csv, name, i, len(got), len(want))
				}
			}
		}
	}
}

// TestEvalMatchesCmdEval runs the eval pipeline on Prism over a corpus of
// 300 documents (5 batches), with the exact and the refined figures, and
// checks that its report is byte for byte that of `eval -json`, and that
// its merged partial gives the same report.
func TestEvalMatchesCmdEval(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "test.feat")
	writeFeat(t, data, 300, rand.New(rand.NewPCG(3, 4)))
	report, partial := filepath.Join(dir, "report.json"), filepath.Join(dir, "partial.json")
	p, s := beam.NewPipelineWithRoot()
	Eval(s, EvalOptions{Checkpoint: tiny, Data: data, Format: "feat", Samples: 7, IWSamples: 30, Seed: 5,
		Exact: true, Refine: 3, RefineSamples: 4, RefineLR: 0.05, Output: report, Partial: partial})
	execute(t, p)
	got, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	want := command(t, "eval", "-checkpoint", tiny, "-data", data, "-samples", "7", "-iw-samples", "30", "-seed", "5",
		"-refine", "3", "-refine-samples", "4", "-json")
	if !bytes.Equal(got, want) {
		t.Errorf("pipeline's report\n%s\neval's\n%s", got, want)
	}
	if merged := command(t, "eval", "-merge", "-json", partial); !bytes.Equal(merged, want) {
		t.Errorf("report of the pipeline's partial\n%s\neval's\n%s", merged, want)
	}
}
