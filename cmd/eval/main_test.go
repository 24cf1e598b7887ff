package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/testcorpus"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/train"
)

// trained writes a corpus and trains a tiny model on it for one epoch.
func trained(t *testing.T) (*testcorpus.Files, string) { return trainedAs(t, model.Float64) }

// trainedAs is trained with the networks in the given dtype.
func trainedAs(t *testing.T, dtype model.Dtype) (*testcorpus.Files, string) {
	t.Helper()
	dir := t.TempDir()
	f, err := testcorpus.Write(dir, 60, 200, 50)
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.V, cfg.K, cfg.Hidden, cfg.Epochs, cfg.Samples = 60, 5, []int{10}, 1, 2
	cfg.Dtype = dtype
	trainC, validC := data.Split(f.Corpus.Train, 0.2, rand.New(rand.NewPCG(1, 1)))
	tr, err := train.New(cfg, filepath.Join(dir, "run"), trainC, validC, f.Corpus.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f, filepath.Join(dir, "run", train.BestFile)
}

// TestJSONReport evaluates a float64 and a float32 run's checkpoint (the
// latter in float32 networks, its exact and refined figures from the
// widened float64 ones).
func TestJSONReport(t *testing.T) {
	for _, dt := range []model.Dtype{model.Float64, model.Float32} {
		t.Run(dt.String(), func(t *testing.T) { testJSONReport(t, dt) })
	}
}

func testJSONReport(t *testing.T, dtype model.Dtype) {
	f, ck := trainedAs(t, dtype)
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-checkpoint", ck, "-data", f.Test, "-vocab", f.Vocab, "-iw-samples", "20", "-refine", "3", "-json"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
		t.Fatalf("output %q: %v", stdout.String(), err)
	}
	for _, key := range []string{"documents", "skipped_empty", "tokens", "elbo_per_doc", "elbo_per_doc_se", "elbo_per_word",
		"kl_per_doc", "perplexity", "perplexity_corpus", "iw_samples", "iw_per_doc", "iw_perplexity", "checkpoint", "data",
		"exact_logp_per_doc", "exact_elbo_per_doc", "refined_elbo_per_doc", "refined_perplexity", "refine_steps"} {
		if _, ok := m[key]; !ok {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			t.Errorf("no %q in the report (keys %v)", key, keys)
		}
	}
	if m["documents"].(float64) != 50 || m["skipped_empty"].(float64) != 1 || m["iw_samples"].(float64) != 20 {
		t.Errorf("report %v", m)
	}
	if !(m["iw_per_doc"].(float64) > m["elbo_per_doc"].(float64)) {
		t.Errorf("IW estimate %v below the ELBO %v", m["iw_per_doc"], m["elbo_per_doc"])
	}
	// K=5: the exact figures are there, and ordered.
	if lp, el, ok := m["exact_logp_per_doc"].(float64), m["exact_elbo_per_doc"].(float64), m["refine_steps"].(float64) == 3; !(lp > el) || !ok {
		t.Errorf("exact log p(x) %v, exact ELBO %v, refine steps %v", m["exact_logp_per_doc"], m["exact_elbo_per_doc"], m["refine_steps"])
	}
}

func TestMismatchesAreErrors(t *testing.T) {
	f, ck := trained(t)
	other, err := testcorpus.Write(t.TempDir(), 70, 20, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-checkpoint", ck, "-data", other.Test}, "vocabulary"},
		{[]string{"-checkpoint", ck, "-data", f.Test, "-vocab", other.Vocab}, "vocabulary"},
		{[]string{"-checkpoint", f.Test, "-data", f.Test}, "checkpoints"},
		{[]string{"-data", f.Test}, "required"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(tc.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error mentioning %q", tc.args, err, tc.want)
		}
	}
}

// TestCustomArchitecture trains an encoder of a registered architecture
// (model's "residual"), interrupts it, resumes it, requires the resumed
// run to end with the uninterrupted run's parameters, and evaluates its
// checkpoint with this command.
func TestCustomArchitecture(t *testing.T) {
	dir := t.TempDir()
	f, err := testcorpus.Write(dir, 60, 200, 50)
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.V, cfg.K, cfg.Hidden, cfg.Epochs, cfg.Samples, cfg.Batch = 60, 5, []int{10, 10}, 2, 2, 16
	cfg.EncoderArch = "residual"
	cfg.Dtype = train.DtypeFor(cfg) // float64: registered architectures run in it
	trainC, validC := data.Split(f.Corpus.Train, 0.2, rand.New(rand.NewPCG(1, 1)))
	runTo := func(name string, stopAt int) *train.Trainer {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		tr, err := train.New(cfg, filepath.Join(dir, name), trainC, validC, f.Corpus.Vocab)
		if err != nil {
			t.Fatal(err)
		}
		tr.Progress = func(p train.Progress) {
			if p.Step == stopAt {
				cancel()
			}
		}
		if _, err := tr.Run(ctx); err != nil && !errors.Is(err, train.ErrInterrupted) {
			t.Fatal(err)
		}
		return tr
	}
	whole := runTo("whole", -1)
	defer whole.Close()
	runTo("cut", 5).Close()
	resumed, err := train.Resume(filepath.Join(dir, "cut"), trainC, validC, f.Corpus.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer resumed.Close()
	if _, err := resumed.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := append(whole.Model.Enc.Net.Params(), whole.Model.Dec.Net.Params()...)
	for i, p := range append(resumed.Model.Enc.Net.Params(), resumed.Model.Dec.Net.Params()...) {
		for j, v := range p {
			if v != want[i][j] {
				t.Fatalf("parameter %d[%d]: resumed %v, uninterrupted %v", i, j, v, want[i][j])
			}
		}
	}
	var stdout, stderr bytes.Buffer
	ck := filepath.Join(dir, "cut", train.LastFile)
	if err := run([]string{"-checkpoint", ck, "-data", f.Test, "-vocab", f.Vocab, "-json"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &m); err != nil {
		t.Fatalf("output %q: %v", stdout.String(), err)
	}
	if e, ok := m["elbo_per_doc"].(float64); !ok || !(e < 0) {
		t.Errorf("ELBO per document %v", m["elbo_per_doc"])
	}
}
