package train

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/estimators"
)

// readState returns the run state stored in a checkpoint file.
func readState(t *testing.T, path string) state {
	t.Helper()
	c, err := checkpoints.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal([]byte(c.Metadata[MetaState]), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// readMetrics returns the lines of a run's metrics.jsonl, without the fields
// that depend on the clock or the process (times, speeds, memory, goroutines).
func readMetrics(t *testing.T, dir string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		delete(m, "elapsed_s")
		delete(m, "rss_bytes")
		delete(m, "goroutines")
		delete(m, "valid_s")
		delete(m, "docs_per_s")
		lines = append(lines, m)
	}
	return lines
}

func sameParams(t *testing.T, got, want *Trainer) {
	t.Helper()
	for i, p := range params(want) {
		for j, v := range p {
			if g := params(got)[i][j]; math.Float64bits(g) != math.Float64bits(v) {
				t.Fatalf("parameter %d[%d]: %v, want %v", i, j, g, v)
			}
		}
	}
}

// divergingRun is a configuration whose learning rate, 1e300, overflows the
// parameters at the first step, so that the second step diverges. Two
// restarts, each multiplying the rate by 1e-151, bring it down to 1e-2.
func divergingRun(t *testing.T) (Config, func(dir string) *Trainer) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs, cfg.LR = 2, 1e300
	cfg.RestartOnDivergence, cfg.RestartLRFactor = 2, 1e-151
	return cfg, func(dir string) *Trainer {
		tr, err := New(cfg, dir, trainC, validC, vocab)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		return tr
	}
}

// TestDivergenceNamesStepAndTensor provokes a divergence without restarts:
// the error names the step and a parameter tensor, and the checkpoint
// written at the start is left as it was.
func TestDivergenceNamesStepAndTensor(t *testing.T) {
	_, newRun := divergingRun(t)
	dir := t.TempDir()
	tr := newRun(dir)
	tr.Config.RestartOnDivergence = 0
	before, err := os.ReadFile(filepath.Join(dir, LastFile))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Run(context.Background())
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("Run: %v, want ErrDiverged", err)
	}
	t.Log(err)
	if !regexp.MustCompile(`at step \d+: .*(encoder|decoder)\.layers\.\d\.(weight|bias)\[\d+\] (is|=) `).MatchString(err.Error()) {
		t.Errorf("error %q does not name the step and a tensor", err)
	}
	after, err := os.ReadFile(filepath.Join(dir, LastFile))
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("last.safetensors changed (%v)", err)
	}

	// A NaN that reaches the loss and the gradients at the first step.
	tr = newRun(t.TempDir())
	tr.Config.RestartOnDivergence, tr.Config.LR = 0, 1e-3
	tr.Model.Dec.Net.Layers[0].W[7] = math.NaN()
	_, err = tr.Run(context.Background())
	t.Log(err)
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "at step 1: ") || !strings.Contains(err.Error(), "decoder.layers.0.weight[7] is NaN") {
		t.Errorf("Run: %v, want ErrDiverged at step 1 naming decoder.layers.0.weight[7]", err)
	}
}

// TestDivergenceRestarts lets the run restart twice from its last good
// checkpoint: it finishes, with the learning rate reduced and the restarts
// recorded in the checkpoint and the metrics.
func TestDivergenceRestarts(t *testing.T) {
	cfg, newRun := divergingRun(t)
	dir := t.TempDir()
	tr := newRun(dir)
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantLR := cfg.LR * (cfg.RestartLRFactor * cfg.RestartLRFactor)
	if res.Restarts != 2 || res.LR != wantLR || res.Epochs != cfg.Epochs || math.IsInf(res.BestValid, 0) {
		t.Errorf("result %+v, want 2 restarts, LR %v, %d epochs", res, wantLR, cfg.Epochs)
	}
	st := readState(t, filepath.Join(dir, LastFile))
	if st.Restarts != 2 || st.LRScale != cfg.RestartLRFactor*cfg.RestartLRFactor {
		t.Errorf("checkpoint state: %d restarts, LR scale %v", st.Restarts, st.LRScale)
	}
	for _, m := range readMetrics(t, dir) {
		if m["lr"] != wantLR {
			t.Errorf("metrics line %v: lr %v, want %v", m["step"], m["lr"], wantLR)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, GoodFile)); err != nil {
		t.Error(err)
	}

	// With one restart allowed, the second divergence is final.
	tr = newRun(t.TempDir())
	tr.Config.RestartOnDivergence = 1
	if _, err := tr.Run(context.Background()); !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "after 1 restarts") {
		t.Errorf("one restart: %v, want ErrDiverged after 1 restart", err)
	}
}

// TestRestartsResumeExactly interrupts a run that restarts after
// divergences, once before the first divergence (the interrupt checkpoint
// then holds parameters that are finite but about to overflow) and once
// after the restarts, and requires the parameters of the uninterrupted run.
func TestRestartsResumeExactly(t *testing.T) {
	cfg, newRun := divergingRun(t)
	_, trainC, validC, vocab := smallRun(t, "rloo")
	whole := newRun(t.TempDir())
	if _, err := whole.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, stopAt := range []int{1, 10} {
		dir := t.TempDir()
		tr := newRun(dir)
		ctx, cancel := context.WithCancel(context.Background())
		tr.Progress = func(p Progress) {
			if p.Step == stopAt {
				cancel()
			}
		}
		if _, err := tr.Run(ctx); !errors.Is(err, ErrInterrupted) {
			t.Fatalf("stop at %d: %v, want ErrInterrupted", stopAt, err)
		}
		cancel()
		tr.Close()
		st := readState(t, filepath.Join(dir, LastFile))
		if want := map[int]int{1: 0, 10: 2}[stopAt]; st.Restarts != want || !st.Interrupted {
			t.Errorf("stop at %d: checkpoint with %d restarts (interrupted %t), want %d", stopAt, st.Restarts, st.Interrupted, want)
		}
		resumed, err := Resume(dir, trainC, validC, vocab)
		if err != nil {
			t.Fatal(err)
		}
		res, err := resumed.Run(context.Background())
		resumed.Close()
		if err != nil {
			t.Fatalf("stop at %d: resumed run: %v", stopAt, err)
		}
		if res.Restarts != 2 || res.LR != cfg.LR*(cfg.RestartLRFactor*cfg.RestartLRFactor) {
			t.Errorf("stop at %d: %+v", stopAt, res)
		}
		sameParams(t, resumed, whole)
	}
}

// TestResumeFromEpochEnd resumes from the checkpoint written at the end of an
// epoch, as after a kill right after it: the metrics and parameters must be
// those of a run that went on. (The epoch's running objective used to be
// saved before it was reset, so the next epoch's objective came out wrong.)
func TestResumeFromEpochEnd(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs = 2
	wholeDir := t.TempDir()
	whole, err := New(cfg, wholeDir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	if _, err := whole.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	first := cfg
	first.Epochs = 1
	tr, err := New(first, dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	tr, err = Resume(dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.Config.Epochs = 2
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameParams(t, tr, whole)
	got, want := readMetrics(t, dir), readMetrics(t, wholeDir)
	if len(got) != len(want) {
		t.Fatalf("%d metrics lines, want %d", len(got), len(want))
	}
	for i := range want {
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("metrics line %d: %s = %v, want %v", i, k, got[i][k], v)
			}
		}
	}
}

// TestResumeCleansUpAfterAKill leaves what a killed process can leave: a
// temporary checkpoint file, metrics lines from after the last checkpoint
// and a line cut short. Resume removes them.
func TestResumeCleansUpAfterAKill(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs = 1
	dir := t.TempDir()
	tr, err := New(cfg, dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	metrics := filepath.Join(dir, MetricsFile)
	good, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(metrics, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"epoch":1.1,"step":13,"train_objective":-1,"lr":0.003,"elapsed_s":1,"best":false}` + "\n" + `{"epoch":1.2,"st`)
	f.Close()
	stale := filepath.Join(dir, "."+LastFile+".tmp-abc123")
	if err := os.WriteFile(stale, []byte("half a checkpoint"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err = Resume(dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if after, err := os.ReadFile(metrics); err != nil || !bytes.Equal(after, good) {
		t.Errorf("metrics after resume:\n%s\nwant\n%s", after, good)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file: %v", err)
	}
}

// TestResumeRefusesOtherConfig resumes from checkpoints whose stored config
// does not fit their tensors (as when a config is edited or a file pieced
// together from two runs) or whose vocabulary does not fit the data.
func TestResumeRefusesOtherConfig(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs = 1
	dir := finishedRun(t, cfg, trainC, validC, vocab)
	orig, err := checkpoints.Load(filepath.Join(dir, LastFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"K", func(c *Config) { c.K++ }, `tensor "encoder.layers.1.weight" has shape [16 6], the stored config needs [16 7]`},
		{"hidden", func(c *Config) { c.Hidden = []int{16, 16} }, `tensor "encoder.layers.1.weight" has shape [16 6], the stored config needs [16 16]`},
		{"decoder", func(c *Config) { c.DecoderHidden = []int{8} }, `tensor "decoder.layers.0.weight" has shape [6 60], the stored config needs [6 8]`},
		{"V", func(c *Config) { c.V++ }, "vocabulary has 60 words, config V=61"},
		{"estimator", func(c *Config) { c.Estimator = estimators.KindNVIL }, `no "estimator_state" metadata`},
		{"invalid", func(c *Config) { c.Samples = 0 }, "stored config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := t.TempDir()
			c := *orig
			c.Metadata = map[string]string{}
			for k, v := range orig.Metadata {
				c.Metadata[k] = v
			}
			var oc Config
			if err := json.Unmarshal([]byte(c.Metadata[MetaConfig]), &oc); err != nil {
				t.Fatal(err)
			}
			tc.change(&oc)
			b, _ := json.Marshal(oc)
			c.Metadata[MetaConfig] = string(b)
			if err := checkpoints.Save(filepath.Join(other, LastFile), &c); err != nil {
				t.Fatal(err)
			}
			_, err := Resume(other, trainC, validC, vocab)
			if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Resume: %v, want ErrMismatch mentioning %q", err, tc.want)
			}
		})
	}
	// The same number of documents, one of them changed.
	changed := *trainC
	changed.Docs = append([]data.Document(nil), trainC.Docs...)
	changed.Docs[3] = changed.Docs[4]
	if _, err := Resume(dir, &changed, validC, vocab); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "documents differ") {
		t.Errorf("resume over changed documents: %v, want ErrMismatch", err)
	}
	// Data with more words than the checkpoint's vocabulary.
	wider := *trainC
	wider.V++
	if _, err := Resume(dir, &wider, validC, nil); !errors.Is(err, ErrMismatch) {
		t.Errorf("resume over a wider vocabulary: %v, want ErrMismatch", err)
	}
}

func TestMetricsRecordGoroutinesAndMemory(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs = 1
	dir := finishedRun(t, cfg, trainC, validC, vocab)
	b, err := os.ReadFile(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	for line := range bytes.Lines(b) {
		var m metric
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		if m.Goroutines < 1 {
			t.Errorf("step %d: %d goroutines", m.Step, m.Goroutines)
		}
		if _, err := os.Stat("/proc/self/status"); err == nil && m.RSSBytes < 1<<20 {
			t.Errorf("step %d: RSS %d bytes", m.Step, m.RSSBytes)
		}
	}
}

// TestGradientCheckFindsEveryValue puts one NaN or infinity at a time into
// a gradient large enough that the check splits it over the cores, at the
// start, the middle and the end of each tensor, and requires the error to
// name exactly that value; a finite gradient passes.
func TestGradientCheckFindsEveryValue(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Hidden = []int{2000} // 60×2000 first-layer weights: split in pieces
	tr, err := New(cfg, t.TempDir(), trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.checkGradients(); err != nil {
		t.Fatalf("zero gradient: %v", err)
	}
	if len(tr.gradPieces) < 8 {
		t.Fatalf("%d pieces: the check does not split the gradient", len(tr.gradPieces))
	}
	for i, g := range tr.gradParams {
		for _, j := range []int{0, len(g) / 2, len(g) - 1} {
			for _, bad := range []float64{math.NaN(), math.Inf(-1)} {
				g[j] = bad
				err := tr.checkGradients()
				g[j] = 0
				want := fmt.Sprintf("gradient of %s[%d] is %v", tr.paramNames[i], j, bad)
				if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), want) {
					t.Errorf("%s[%d] = %v: %v, want %q", tr.paramNames[i], j, bad, err, want)
				}
			}
		}
	}
}
