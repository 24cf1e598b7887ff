package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/train"
)

// bin is the command built once for the tests that run it as a process.
var bin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "amvi-train-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if goTool, err := exec.LookPath("go"); err == nil {
		out := filepath.Join(dir, "train")
		if b, err := exec.Command(goTool, "build", "-o", out, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, b)
			return 1
		}
		bin = out
	}
	return m.Run()
}

func needBinary(t *testing.T) {
	t.Helper()
	if bin == "" {
		t.Skip("no go command to build the binary with")
	}
}

// small are the flags of a quick run on the synthetic corpus (57 steps per
// epoch, a few milliseconds each).
func small(out string, epochs int) []string {
	// A constant rate without warm-up, one for every layer: the tests'
	// expected rates, and the early stopping of TestKilledAtRandomMoments,
	// assume it.
	return []string{"-K", "4", "-hidden", "16", "-epochs", fmt.Sprint(epochs), "-valid-every", "5", "-samples", "2",
		"-lr", "3e-3", "-lr-schedule", "constant", "-lr-scaling", "none", "-warmup", "0", "-iw-samples", "0", "-eval-samples", "2", "-out", out}
}

// result is how a process ended.
type result struct {
	code           int
	stdout, stderr string
}

func runBinary(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// noCrash fails t if a process's output shows a panic or a stack trace.
func noCrash(t *testing.T, what string, r result) {
	t.Helper()
	for _, s := range []string{"panic", "goroutine ", "runtime."} {
		if strings.Contains(r.stderr, s) || strings.Contains(r.stdout, s) {
			t.Errorf("%s: output shows %q:\n%s", what, s, r.stderr)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tensorsOf returns a checkpoint's tensors and its run state, without the
// fields that depend on the clock.
func tensorsOf(t *testing.T, path string) ([]checkpoints.Tensor, map[string]any) {
	t.Helper()
	c, err := checkpoints.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(c.Metadata[train.MetaState]), &st); err != nil {
		t.Fatal(err)
	}
	delete(st, "elapsed_seconds")
	delete(st, "run") // random, drawn when a run starts
	return c.Tensors, st
}

// sameCheckpoint fails t unless the checkpoints at got and want hold the
// same tensors, bit for bit, and the same run state.
func sameCheckpoint(t *testing.T, got, want string) {
	t.Helper()
	gt, gs := tensorsOf(t, got)
	wt, ws := tensorsOf(t, want)
	if len(gt) != len(wt) {
		t.Fatalf("%d tensors, want %d", len(gt), len(wt))
	}
	for i := range wt {
		if gt[i].Name != wt[i].Name || fmt.Sprint(gt[i].Shape) != fmt.Sprint(wt[i].Shape) {
			t.Fatalf("tensor %d: %s %v, want %s %v", i, gt[i].Name, gt[i].Shape, wt[i].Name, wt[i].Shape)
		}
		for j, v := range wt[i].Data {
			if math.Float64bits(gt[i].Data[j]) != math.Float64bits(v) {
				t.Fatalf("%s[%d] = %v, want %v", wt[i].Name, j, gt[i].Data[j], v)
			}
		}
	}
	gj, _ := json.Marshal(gs)
	wj, _ := json.Marshal(ws)
	if !bytes.Equal(gj, wj) {
		t.Errorf("run state\n%s\nwant\n%s", gj, wj)
	}
}

// uninterrupted trains the small run of the given length without stopping
// and returns its folder.
func uninterrupted(t *testing.T, epochs int) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "whole")
	if r := runBinary(t, small(out, epochs)...); r.code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", r.code, r.stderr)
	}
	return out
}

// TestSignalsSaveAndResumeExactly sends SIGINT and SIGTERM to a training
// process mid-epoch: it must write last.safetensors, say how to resume and
// exit 0, and the resumed run must end with the parameters, optimizer state
// and run state of a run that was never interrupted.
func TestSignalsSaveAndResumeExactly(t *testing.T) {
	needBinary(t)
	want := uninterrupted(t, 3)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			cmd := exec.Command(bin, small(out, 3)...)
			var stderr lockedBuffer // read while the process writes it
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Signal once the run is under way: after its first
			// validation (step 5 of 57 in the first epoch).
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(stderr.String(), "step=5 ") && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("interrupted process: %v\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "resume with: ") || !strings.Contains(stderr.String(), "-resume -out "+out) {
				t.Errorf("no line saying how to resume:\n%s", stderr.String())
			}
			_, st := tensorsOf(t, filepath.Join(out, train.LastFile))
			t.Logf("%v: stopped at epoch %v, batch %v, step %v", sig, st["epoch"], st["batch"], st["step"])
			if st["batch"] == 0.0 || st["interrupted"] != true {
				t.Errorf("checkpoint state %v: want one written mid-epoch on interrupt", st)
			}
			r := runBinary(t, "-resume", "-out", out, "-iw-samples", "0", "-eval-samples", "2")
			if r.code != 0 {
				t.Fatalf("resume: exit %d\n%s", r.code, r.stderr)
			}
			sameCheckpoint(t, filepath.Join(out, train.LastFile), filepath.Join(want, train.LastFile))
			sameCheckpoint(t, filepath.Join(out, train.BestFile), filepath.Join(want, train.BestFile))
		})
	}
}

// TestKilledAtRandomMoments kills (SIGKILL) a training process at random
// moments, seeded, and restarts it each time: with -resume once it has
// written last.safetensors, afresh before. After every kill the checkpoints
// on disk must load; at the end the resumed run must finish with the
// parameters of a run that was never killed. Kills that leave a temporary
// checkpoint file behind happened while a checkpoint was being written.
//
// It does so for the synthetic corpus, for a run with -patience and
// -valid-every whose early stopping fires within an epoch (step 505 of
// epoch 9), and for the text format, whose vocabulary is built from the
// training file with settings other than the defaults.
func TestKilledAtRandomMoments(t *testing.T) {
	needBinary(t)
	if testing.Short() {
		t.Skip("about 30 s")
	}
	textFile := filepath.Join(t.TempDir(), "docs.txt")
	rng := rand.New(rand.NewPCG(7, 7))
	words := strings.Fields("apple banana cherry date elder fig grape hazel iris juniper kale lime mango nut olive pear quince rose sage thyme")
	var text strings.Builder
	for range 600 {
		for range 4 + rng.IntN(12) {
			text.WriteString(words[rng.IntN(rng.IntN(len(words))+1)] + " ")
		}
		text.WriteString("\n")
	}
	if err := os.WriteFile(textFile, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		args         func(out string) []string
		kills        int
		stopsInEpoch bool // early stopping fires within an epoch
	}{
		{"synthetic", func(out string) []string { return small(out, 16) }, 25, false},
		{"patience and valid-every", func(out string) []string { return append(small(out, 16), "-patience", "2") }, 12, true},
		{"text", func(out string) []string {
			return append(small(out, 30), "-train", textFile, "-format", "text", "-min-count", "2", "-max-vocab", "15", "-stop-words=false")
		}, 12, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			killAtRandom(t, tc.args, tc.kills, tc.stopsInEpoch)
		})
	}
}

// killAtRandom is TestKilledAtRandomMoments for one configuration.
func killAtRandom(t *testing.T, args func(out string) []string, kills int, stopsInEpoch bool) {
	want := filepath.Join(t.TempDir(), "whole")
	start := time.Now()
	r := runBinary(t, args(want)...)
	// Kills at random moments fall within the first quarter of the
	// uninterrupted run's length, so that most of them land before the run
	// finishes on an idle machine (under a second) as on a loaded one.
	window := max(int(time.Since(start).Milliseconds())/4, 20)
	if r.code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", r.code, r.stderr)
	}
	if _, st := tensorsOf(t, filepath.Join(want, train.LastFile)); stopsInEpoch && (st["stopped"] != true || st["batch"] == 0.0) {
		t.Fatalf("the uninterrupted run's early stopping did not fire within an epoch: %v", st)
	}
	out := filepath.Join(t.TempDir(), "run")
	last := filepath.Join(out, train.LastFile)
	rng := rand.New(rand.NewPCG(6, 2026))
	duringWrite, fresh, survived, restarts := 0, 0, 0, 0
	for k := 0; k < kills; k++ {
		a := args(out)
		if _, err := os.Stat(last); err == nil {
			a = []string{"-resume", "-out", out, "-iw-samples", "0", "-eval-samples", "2"}
		} else {
			a = append(a, "-overwrite")
			fresh++
		}
		cmd := exec.Command(bin, a...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if k%2 == 0 {
			time.Sleep(time.Duration(rng.IntN(window)) * time.Millisecond)
		} else {
			// Watch the folder and kill as a checkpoint is being
			// written, at the first to fourth write seen.
			waitForWrite(out, 1+rng.IntN(4), 5*time.Second)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if err == nil {
			if survived >= kills*2/5 || restarts == 3 {
				// On a fast machine the run may finish between kills: that
				// is success too, and the kills so far are what was tested.
				t.Logf("the run finished before kill %d", k+1)
				break
			}
			// The run outran the kills: the machine is faster now than
			// when the uninterrupted run was timed (this project's shared
			// machines swing by several times within minutes). Again from
			// the start, the kills sooner; this attempt landed none.
			restarts++
			window = max(window/2, 20)
			if err := os.RemoveAll(out); err != nil {
				t.Fatal(err)
			}
			t.Logf("the run finished before kill %d: again from the start, kills within %d ms", k+1, window)
			k--
			continue
		}
		survived++
		noCrash(t, fmt.Sprintf("kill %d", k+1), result{stderr: stderr.String()})
		if temps, _ := filepath.Glob(filepath.Join(out, ".*.safetensors.tmp-*")); len(temps) > 0 {
			duringWrite++
		}
		for _, name := range []string{train.LastFile, train.BestFile} {
			path := filepath.Join(out, name)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			if _, err := train.LoadModel(path); err != nil {
				t.Fatalf("after kill %d: %v", k+1, err)
			}
		}
	}
	r = runBinary(t, "-resume", "-out", out, "-iw-samples", "0", "-eval-samples", "2")
	if r.code != 0 && !strings.Contains(r.stderr, "holds a finished run") {
		t.Fatalf("final resume: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("%d kills survived (%d while a checkpoint was being written, %d before the first checkpoint)", survived, duringWrite, fresh)
	if survived < kills*2/5 {
		t.Errorf("only %d kills landed before the run finished; lengthen it", survived)
	}
	sameCheckpoint(t, last, filepath.Join(want, train.LastFile))
	sameCheckpoint(t, filepath.Join(out, train.BestFile), filepath.Join(want, train.BestFile))
	if temps, _ := filepath.Glob(filepath.Join(out, ".*tmp*")); len(temps) > 0 {
		t.Errorf("temporary files left after the resumed run: %v", temps)
	}
	// The metrics, less what depends on the clock, are those of the
	// uninterrupted run: nothing lost, nothing twice.
	if got, wantM := metricsLines(t, out), metricsLines(t, want); got != wantM {
		t.Errorf("metrics.jsonl after the kills:\n%s\nwant\n%s", got, wantM)
	}
}

// waitForWrite polls dir until it has seen the n-th temporary checkpoint
// file appear (checkpoints.Save writes ".NAME.tmp-RANDOM", then renames it),
// or until the timeout.
func waitForWrite(dir string, n int, timeout time.Duration) {
	seen := map[string]bool{}
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if name := e.Name(); strings.HasPrefix(name, ".") && strings.Contains(name, ".safetensors.tmp-") && !seen[name] {
				seen[name] = true
				if len(seen) == n {
					return
				}
			}
		}
	}
}

// metricsLines returns a run's metrics without the fields that depend on the
// clock or the process.
func metricsLines(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for line := range bytes.Lines(b) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		delete(m, "elapsed_s")
		delete(m, "rss_bytes")
		delete(m, "goroutines")
		delete(m, "valid_s")
		delete(m, "docs_per_s")
		j, _ := json.Marshal(m)
		sb.Write(append(j, '\n'))
	}
	return sb.String()
}
