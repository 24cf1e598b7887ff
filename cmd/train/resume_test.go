package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/synth"
	"github.com/amvi/amvi/train"
)

// interruptedRun leaves in out a run of the small configuration that was
// interrupted at step 7 of 57 of its first epoch, as the command would.
func interruptedRun(t *testing.T, out string, epochs int) {
	t.Helper()
	o, err := parseFlags(small(out, epochs), defaultConfig(), os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := o.cfg
	newRunDefaults(&cfg, o.set)
	s, err := synth.Generate(synth.Default)
	if err != nil {
		t.Fatal(err)
	}
	trainC, validC := data.Split(s.Train, cfg.Data.ValidFraction, rand.New(rand.NewPCG(cfg.Seed, 0x76616c)))
	cfg.V = len(s.Vocab)
	tr, err := train.New(cfg, out, trainC, validC, s.Vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr.Progress = func(p train.Progress) {
		if p.Step == 7 {
			cancel()
		}
	}
	if _, err := tr.Run(ctx); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("Run: %v, want ErrInterrupted", err)
	}
}

// TestResumeKeepsItsSettings resumes with flags that contradict the
// checkpoint: refused, naming them. The same flags, or none, or a new
// restart policy, are accepted.
func TestResumeKeepsItsSettings(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	interruptedRun(t, out, 1)
	needBinary(t)
	for _, tc := range []struct {
		args []string
		want string // "" for success
	}{
		{[]string{"-K", "10"}, "K 10 (checkpoint: 4)"},
		{[]string{"-hidden", "16,16", "-lr", "0.1"}, "hidden [16,16] (checkpoint: [16]), lr 0.1 (checkpoint: 0.003)"},
		{[]string{"-seed", "2"}, "seed 2 (checkpoint: 1)"},
		{[]string{"-train", "other.feat"}, "open other.feat: no such file"}, // the file given is read, and its documents checked
		{[]string{"-epochs", "2"}, "epochs 2 (checkpoint: 1)"},
		{[]string{"-restarts", "2", "-restart-lr-factor", "0.25"}, ""},
		{small(out, 1), ""},
	} {
		r := runBinary(t, append([]string{"-resume", "-out", out, "-iw-samples", "0", "-eval-samples", "2"}, tc.args...)...)
		if tc.want == "" {
			if r.code != 0 {
				t.Errorf("%v: exit %d\n%s", tc.args, r.code, r.stderr)
			}
			continue
		}
		want := "checkpoint does not match: -resume continues the run with its own settings, but the flags ask for " + tc.want
		if strings.HasPrefix(tc.want, "open ") {
			want = tc.want
		}
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("%v: exit %d, %s; want exit 1 and a mismatch naming %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestResumeDefaultsAreTheCheckpoints parses a resume's flags over stored
// settings that differ from every default: nothing differs.
func TestResumeDefaultsAreTheCheckpoints(t *testing.T) {
	prev := train.Config{V: 9, K: 3, Hidden: []int{5, 7}, Activation: encoder.ReLU, Input: encoder.InputLog1p, DecoderHidden: []int{4},
		DecoderActivation: encoder.Sigmoid, Alpha: 0.2, Estimator: estimators.KindVIMCO, Samples: 3, KL: estimators.Stochastic, Batch: 7, Epochs: 2,
		LR: 0.25, LRSchedule: train.ScheduleCosine, ClipNorm: 3, Seed: 99, ValidEvery: 4, ValidSamples: 2, Patience: 3,
		LogEvery: 0, Data: train.DataSource{Train: "a.txt", Test: "b.txt", Format: "text", ValidFraction: 0,
			TextVocab: &train.TextVocab{MinCount: 2, MaxVocab: 50, StopWords: false}}}
	o, err := parseFlags([]string{"-resume", "-out", "x", "-restarts", "4"}, prev, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if diffs, err := configDiff(prev, o.cfg); err != nil || len(diffs) > 0 {
		t.Errorf("differences %q (%v)", diffs, err)
	}
	if o.cfg.RestartOnDivergence != 4 {
		t.Errorf("-restarts: %d", o.cfg.RestartOnDivergence)
	}
}

// TestUnfinishedRunIsKept starts a new run in a folder that holds an
// unfinished one, then a finished one: refused, unless -overwrite.
func TestUnfinishedRunIsKept(t *testing.T) {
	needBinary(t)
	out := filepath.Join(t.TempDir(), "run")
	interruptedRun(t, out, 2)
	before, err := os.ReadFile(filepath.Join(out, train.LastFile))
	if err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, small(out, 1)...)
	if r.code != 1 || !strings.Contains(r.stderr, "holds an unfinished run (step 7, epoch 0 of 2): continue it with -resume, or start over with -overwrite (which deletes it)") {
		t.Fatalf("new run over an unfinished one: exit %d\n%s", r.code, r.stderr)
	}
	if after, err := os.ReadFile(filepath.Join(out, train.LastFile)); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("the unfinished run's checkpoint changed (%v)", err)
	}
	if r := runBinary(t, append(small(out, 1), "-overwrite")...); r.code != 0 {
		t.Fatalf("-overwrite: exit %d\n%s", r.code, r.stderr)
	}
	before, err = os.ReadFile(filepath.Join(out, train.LastFile))
	if err != nil {
		t.Fatal(err)
	}
	if r := runBinary(t, small(out, 1)...); r.code != 1 || !strings.Contains(r.stderr, "holds a finished run (1 epochs, 57 steps): start over with -overwrite") {
		t.Fatalf("a new run over a finished one: exit %d\n%s", r.code, r.stderr)
	}
	if after, err := os.ReadFile(filepath.Join(out, train.LastFile)); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("the finished run's checkpoint changed (%v)", err)
	}
}

// TestFullDiskWhileTraining resumes a run under a file size limit (ulimit
// -f) smaller than a checkpoint, so that its next save fails as on a full
// disk: the process must exit 1 with the error, keep the previous
// checkpoint, and the run must resume from it once there is room.
func TestFullDiskWhileTraining(t *testing.T) {
	needBinary(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	out := filepath.Join(t.TempDir(), "run")
	interruptedRun(t, out, 1)
	last := filepath.Join(out, train.LastFile)
	before, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "-c", `ulimit -f 40 && exec "$0" -resume -out "$1" -iw-samples 0`, bin, out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "file too large") {
		t.Fatalf("resume with a full disk: %v, want exit 1 and an error saying so:\n%s", err, stderr.String())
	}
	noCrash(t, "full disk", result{stderr: stderr.String()})
	t.Log(strings.TrimSpace(stderr.String()[strings.LastIndex(strings.TrimSpace(stderr.String()), "\n")+1:]))
	if after, err := os.ReadFile(last); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("last.safetensors changed (%v)", err)
	}
	if r := runBinary(t, "-resume", "-out", out, "-iw-samples", "0"); r.code != 0 {
		t.Fatalf("resume with room: exit %d\n%s", r.code, r.stderr)
	}
}

// TestDivergenceFlags provokes a divergence with an absurd learning rate:
// without -restarts the command fails naming the step and a tensor and
// says how to continue; with -restarts it goes back to the last good
// checkpoint with a lower rate and finishes. The run is float64, whose
// step and tensor of divergence the test names (float32 overflows sooner,
// elsewhere).
func TestDivergenceFlags(t *testing.T) {
	needBinary(t)
	out := filepath.Join(t.TempDir(), "run")
	r := runBinary(t, append(small(out, 1), "-lr", "1e300", "-dtype", "float64")...)
	noCrash(t, "diverging run", r)
	if r.code != 1 || !strings.Contains(r.stderr, "train: diverged at step 5") ||
		!strings.Contains(r.stderr, "decoder.layers.0.") || !strings.Contains(r.stderr, "-resume -out "+out+" -restarts 3") {
		t.Fatalf("diverging run: exit %d\n%s", r.code, r.stderr)
	}
	r = runBinary(t, "-resume", "-out", out, "-iw-samples", "0", "-eval-samples", "2", "-restarts", "2", "-restart-lr-factor", "1e-151")
	if r.code != 0 {
		t.Fatalf("resume with restarts: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "the run diverged and restarted 2 times; the learning rate ended at 0.01") {
		t.Errorf("no line about the restarts:\n%s", r.stderr)
	}
	if strings.Count(r.stderr, "restarting from the last good checkpoint") != 2 {
		t.Errorf("want two restart warnings:\n%s", r.stderr)
	}
}
