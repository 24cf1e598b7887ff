package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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

// The hostile-use table: amvi's three commands run as a careless or
// malicious user would, over bad flags, files and folders, with signals
// and at the same time. Each case says how the process must end (exit
// code, a phrase of its message) and which files must be left exactly as
// they were; no case may panic or print a stack trace.
//
// AMVI_HOSTILE_BIN=DIR runs the table against the train, eval and encode
// binaries in DIR instead of the ones built from this tree (to record how
// an older version fared); AMVI_HOSTILE_TABLE=FILE appends one line per
// case, "name<TAB>PASS|FAIL<TAB>what failed", to FILE.

// hostileBins holds the three commands' binaries.
var hostileBins struct {
	once                sync.Once
	train, eval, encode string
	err                 error
}

func buildHostileBins(t *testing.T) {
	t.Helper()
	hostileBins.once.Do(func() {
		if d := os.Getenv("AMVI_HOSTILE_BIN"); d != "" {
			hostileBins.train, hostileBins.eval, hostileBins.encode = filepath.Join(d, "train"), filepath.Join(d, "eval"), filepath.Join(d, "encode")
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil || bin == "" {
			hostileBins.err = errors.New("no go command to build the binaries with")
			return
		}
		dir := filepath.Dir(bin)
		for _, c := range []string{"eval", "encode"} {
			if b, err := exec.Command(goTool, "build", "-o", filepath.Join(dir, c), "../"+c).CombinedOutput(); err != nil {
				hostileBins.err = fmt.Errorf("go build ../%s: %v\n%s", c, err, b)
				return
			}
		}
		hostileBins.train, hostileBins.eval, hostileBins.encode = bin, filepath.Join(dir, "eval"), filepath.Join(dir, "encode")
	})
	if hostileBins.err != nil {
		t.Skip(hostileBins.err)
	}
}

// fixtures are the files the cases share, made once.
type fixtures struct {
	dir                  string
	feat, nolabel, vocab string // 120 documents over V=20, labelled and not; its vocabulary
	small                string // 40 of them
	text                 string // 120 lines of text
	stray                string // feat with one id of 5,000,000
	past                 string // feat with an id past V=20
	uciD, uciW           string // UCI files whose header announces 10⁹ documents, 10⁸ words
	emptyVocab           string
	run                  string // a finished run folder
	model                string // its best.safetensors
}

// quick are the flags of a small, fast training run.
var quick = []string{"-K", "3", "-hidden", "8", "-samples", "2", "-batch", "16", "-iw-samples", "0",
	"-eval-samples", "2", "-valid-samples", "2", "-log-every", "0"}

func makeFixtures(t *testing.T) *fixtures {
	t.Helper()
	dir := t.TempDir()
	f := &fixtures{dir: dir}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rng := rand.New(rand.NewPCG(11, 0))
	var feat, nolabel, small, text strings.Builder
	words := []string{"apple", "banana", "cherry", "date", "elder", "fig", "grape", "hazel", "iris", "juniper"}
	for i := range 120 {
		var line strings.Builder
		for _, w := range rng.Perm(20)[:1+rng.IntN(6)] {
			fmt.Fprintf(&line, " %d:%d", w+1, 1+rng.IntN(4))
		}
		fmt.Fprintf(&feat, "%d%s\n", i%3, line.String())
		fmt.Fprintf(&nolabel, "%s\n", strings.TrimSpace(line.String()))
		if i < 40 {
			fmt.Fprintf(&small, "%d%s\n", i%3, line.String())
		}
		for range 3 + rng.IntN(5) {
			text.WriteString(words[rng.IntN(len(words))] + " ")
		}
		text.WriteString("\n")
	}
	f.feat, f.nolabel, f.small, f.text = write("docs.feat", feat.String()), write("nolabel.feat", nolabel.String()),
		write("small.feat", small.String()), write("docs.txt", text.String())
	var vocab strings.Builder
	for i := range 20 {
		fmt.Fprintf(&vocab, "w%d\n", i)
	}
	f.vocab = write("vocab.txt", vocab.String())
	f.stray = write("stray.feat", feat.String()+"1 5000000:1\n")
	f.past = write("past.feat", "1 3:1\n1 21:2\n")
	f.uciD = write("docword.d.txt", "1000000000\n20\n3\n1 1 1\n2 2 1\n3 3 1\n")
	f.uciW = write("docword.w.txt", "3\n100000000\n3\n1 1 1\n2 2 1\n3 3 1\n")
	f.emptyVocab = write("empty-vocab.txt", "")
	f.run = filepath.Join(dir, "finished")
	r := runHostile(t, hostileBins.train, dir, nil, append([]string{"-train", f.feat, "-epochs", "1", "-out", f.run}, quick...)...)
	if r.code != 0 {
		t.Fatalf("the fixture run: exit %d\n%s", r.code, r.stderr)
	}
	f.model = filepath.Join(f.run, train.BestFile)
	return f
}

// runHostile runs a command in the folder cwd under a 6 GB address-space
// limit (so that a version that allocates without bound fails fast instead
// of taking the machine), with stdin and stdout as given (nil: none, a
// buffer) and a 20 s timeout.
func runHostile(t *testing.T, binary, cwd string, setup func(*exec.Cmd), args ...string) hostileResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	name, argv := binary, args
	if p, err := exec.LookPath("prlimit"); err == nil {
		name, argv = p, append([]string{"--as=6000000000", "--", binary}, args...)
	}
	cmd := exec.CommandContext(ctx, name, argv...)
	cmd.Dir = cwd
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if setup != nil {
		setup(cmd)
	}
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	r := hostileResult{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), timedOut: ctx.Err() != nil}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss << 10
	}
	return r
}

type hostileResult struct {
	code           int
	stdout, stderr string
	timedOut       bool
	maxRSS         int64 // bytes
}

// hostileCase is one row of the table.
type hostileCase struct {
	name string
	cmd  string // train, eval or encode
	// args returns the arguments; dir is the case's own empty folder,
	// which is also the working folder.
	args  func(f *fixtures, dir string) []string
	setup func(t *testing.T, f *fixtures, dir string) // before the snapshot
	// start runs the process itself (for signals and concurrency); nil
	// runs it to the end.
	start func(t *testing.T, f *fixtures, dir string, args []string) hostileResult
	io    func(cmd *exec.Cmd)                    // stdin and stdout
	code  int                                    // exit status
	want  string                                 // in stderr
	keep  func(f *fixtures, dir string) []string // paths left exactly as they were
	check func(f *fixtures, dir string, r hostileResult) error
}

// snapshot describes a path: its type, and its contents for a file or a
// folder's list of names.
func snapshot(path string) string {
	st, err := os.Lstat(path)
	if err != nil {
		return "missing"
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return "link to " + target
	case st.IsDir():
		entries, _ := os.ReadDir(path)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name()+"="+snapshot(filepath.Join(path, e.Name())))
		}
		return "folder [" + strings.Join(names, " ") + "]"
	case st.Mode().IsRegular():
		b, _ := os.ReadFile(path)
		return fmt.Sprintf("file %x", sha256.Sum256(b))
	}
	return st.Mode().Type().String()
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// setState rewrites the run state of the checkpoint at path.
func setState(t *testing.T, path string, edit func(st map[string]any)) {
	t.Helper()
	c, err := checkpoints.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	json.Unmarshal([]byte(c.Metadata[train.MetaState]), &st)
	edit(st)
	b, _ := json.Marshal(st)
	c.Metadata[train.MetaState] = string(b)
	if err := checkpoints.Save(path, c); err != nil {
		t.Fatal(err)
	}
}

// startAndSignal starts the command, waits for its first validation line,
// sends sig, and waits for it to end.
func startAndSignal(t *testing.T, binary, cwd string, args []string, sig syscall.Signal) hostileResult {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = cwd
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(stderr.String(), "msg=validation") && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	return hostileResult{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// interrupted leaves in dir/run a run of many epochs stopped by SIGTERM at
// its first validation; extra are more flags.
func interrupted(t *testing.T, f *fixtures, cwd string, extra ...string) {
	t.Helper()
	args := append(append([]string{"-epochs", "200", "-out", "run"}, quick...), extra...)
	if r := startAndSignal(t, hostileBins.train, cwd, args, syscall.SIGTERM); r.code != 0 || !strings.Contains(r.stderr, "resume with") {
		t.Fatalf("interrupting %v: exit %d\n%s", args, r.code, r.stderr)
	}
}

// whileTraining starts a long run in dir/run, waits until it is under way,
// runs the command of the case, then stops the long run.
func whileTraining(t *testing.T, f *fixtures, dir string, args []string, binary string) hostileResult {
	t.Helper()
	long := exec.Command(hostileBins.train, append([]string{"-train", f.feat, "-epochs", "100000", "-out", filepath.Join(dir, "run")}, quick...)...)
	var stderr lockedBuffer
	long.Stderr = &stderr
	if err := long.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		long.Process.Signal(syscall.SIGTERM)
		long.Wait()
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(stderr.String(), "msg=validation") && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
	return runHostile(t, binary, dir, nil, args...)
}

func stdoutTo(path string) func(*exec.Cmd) {
	return func(cmd *exec.Cmd) {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			cmd.Stdout = f
		}
	}
}

func stdinFrom(path string) func(*exec.Cmd) {
	return func(cmd *exec.Cmd) {
		b, _ := os.ReadFile(path)
		cmd.Stdin = bytes.NewReader(b) // through a pipe
	}
}

func exists(path string) bool { _, err := os.Lstat(path); return err == nil }

func hostileCases() []hostileCase {
	args := func(a ...string) func(*fixtures, string) []string {
		return func(*fixtures, string) []string { return a }
	}
	trainOn := func(file func(*fixtures) string, extra ...string) func(*fixtures, string) []string {
		return func(f *fixtures, dir string) []string {
			return append(append([]string{"-train", file(f), "-epochs", "1", "-out", filepath.Join(dir, "run")}, quick...), extra...)
		}
	}
	feat := func(f *fixtures) string { return f.feat }
	noRunFolder := func(f *fixtures, dir string, r hostileResult) error {
		if exists(filepath.Join(dir, "run")) {
			return errors.New("a refused start left the run folder " + snapshot(filepath.Join(dir, "run")))
		}
		return nil
	}
	finishedRun := func(t *testing.T, f *fixtures, dir string) { copyTree(t, f.run, filepath.Join(dir, "run")) }
	evalOn := func(data string, extra ...string) func(*fixtures, string) []string {
		return func(f *fixtures, dir string) []string {
			d := map[string]string{"feat": f.feat, "small": f.small, "past": f.past, "nolabel": f.nolabel, "uciD": f.uciD, "text": f.text}[data]
			return append([]string{"-checkpoint", f.model, "-data", d, "-samples", "2", "-iw-samples", "0"}, extra...)
		}
	}
	badFeat := func(dir string) string { return filepath.Join(dir, "bad.feat") }
	writeBad := func(t *testing.T, f *fixtures, dir string) {
		os.WriteFile(badFeat(dir), []byte("1 3:1\n1 31:1\n"), 0o644)
	}
	precious := func(t *testing.T, f *fixtures, dir string) {
		writeBad(t, f, dir)
		os.WriteFile(filepath.Join(dir, "out.jsonl"), []byte("precious\n"), 0o644)
		os.Symlink("out.jsonl", filepath.Join(dir, "link.jsonl"))
	}
	encodeTo := func(out string, data func(f *fixtures, dir string) string) func(*fixtures, string) []string {
		return func(f *fixtures, dir string) []string {
			o := out
			if !filepath.IsAbs(o) {
				o = filepath.Join(dir, o)
			}
			return []string{"-checkpoint", f.model, "-data", data(f, dir), "-out", o}
		}
	}
	bad := func(_ *fixtures, dir string) string { return badFeat(dir) }
	keepDir := func(_ *fixtures, dir string) []string { return []string{dir} }
	keepRun := func(_ *fixtures, dir string) []string { return []string{filepath.Join(dir, "run")} }

	return []hostileCase{
		// Flags that make no sense: refused, naming the flag, leaving no folder.
		{name: "train -out empty", cmd: "train", args: args("-out", "", "-epochs", "1"), code: 1, want: "-out",
			keep: keepDir},
		{name: "train -lr Inf", cmd: "train", args: trainOn(feat, "-lr", "Inf"), code: 1, want: "-lr", check: noRunFolder},
		{name: "train -lr NaN", cmd: "train", args: trainOn(feat, "-lr", "NaN"), code: 1, want: "-lr", check: noRunFolder},
		{name: "train -clip NaN", cmd: "train", args: trainOn(feat, "-clip", "NaN"), code: 1, want: "-clip", check: noRunFolder},
		{name: "train -clip -1", cmd: "train", args: trainOn(feat, "-clip", "-1"), code: 1, want: "-clip", check: noRunFolder},
		{name: "train -alpha NaN", cmd: "train", args: trainOn(feat, "-alpha", "NaN"), code: 1, want: "-alpha", check: noRunFolder},
		{name: "train -restart-lr-factor NaN", cmd: "train", args: trainOn(feat, "-restart-lr-factor", "NaN"), code: 1, want: "-restart-lr-factor", check: noRunFolder},
		{name: "train -K 100000000", cmd: "train", args: trainOn(feat, "-K", "100000000"), code: 1, want: "-K 100000000", check: noRunFolder},
		{name: "train -K 20000 (fits in memory)", cmd: "train", args: trainOn(feat, "-K", "20000"), code: 1, want: "-K 20000", check: noRunFolder},
		{name: "train -hidden 1000000 (memory)", cmd: "train", args: trainOn(feat, "-hidden", "1000000", "-K", "4000"), code: 1, want: "memory", check: noRunFolder},
		{name: "train -samples 1000000 -batch 1000 (memory)", cmd: "train", args: trainOn(feat, "-samples", "1000000", "-batch", "1000"), code: 1, want: "-samples", check: noRunFolder},

		// Files that do not fit.
		{name: "train: one stray id 5,000,000 without -vocab", cmd: "train", args: trainOn(func(f *fixtures) string { return f.stray }), code: 1, want: "-vocab", check: noRunFolder},
		{name: "train: UCI header announces 10⁹ documents", cmd: "train", args: trainOn(func(f *fixtures) string { return f.uciD }, "-format", "uci", "-valid-fraction", "0"), code: 1, want: "D=1000000000", check: noRunFolder},
		{name: "train: UCI header announces 10⁸ words, no -vocab", cmd: "train", args: trainOn(func(f *fixtures) string { return f.uciW }, "-format", "uci", "-valid-fraction", "0"), code: 1, want: "-vocab", check: noRunFolder},
		{name: "train: empty vocabulary file", cmd: "train", args: func(f *fixtures, dir string) []string {
			return append(trainOn(feat)(f, dir), "-vocab", f.emptyVocab)
		}, code: 1, want: "empty-vocab.txt", check: noRunFolder},
		{name: "train: unlabelled file read as feat", cmd: "train", args: trainOn(func(f *fixtures) string { return f.nolabel }), code: 1, want: "-format feat-nolabel", check: noRunFolder},
		{name: "train: bad corpus leaves no run folder", cmd: "train", args: trainOn(func(f *fixtures) string { return f.past }, "-vocab", "vocab20"),
			setup: func(t *testing.T, f *fixtures, dir string) { copyFile(t, f.vocab, filepath.Join(dir, "vocab20")) },
			code:  1, want: "past.feat:2", check: noRunFolder},
		{name: "train: no validation says so, no infinite ELBO", cmd: "train", args: trainOn(feat, "-valid-fraction", "0"), code: 0, want: "without validation",
			check: func(f *fixtures, dir string, r hostileResult) error {
				if strings.Contains(r.stderr, "ELBO -Inf") {
					return errors.New("stderr shows -Inf")
				}
				return nil
			}},
		{name: "train: text training file from a pipe", cmd: "train", io: stdinFrom(filepathJoinFixture("docs.txt")),
			args: trainOn(func(*fixtures) string { return "/dev/stdin" }, "-format", "text", "-min-count", "1"), code: 0, want: "trained 1 epochs"},
		{name: "train: report to /dev/full", cmd: "train", io: stdoutTo("/dev/full"), args: trainOn(feat, "-test", "docs.feat"),
			setup: func(t *testing.T, f *fixtures, dir string) { copyFile(t, f.feat, filepath.Join(dir, "docs.feat")) },
			code:  1, want: "no space left on device"},

		// Run folders.
		{name: "train into a finished run", cmd: "train", setup: finishedRun, args: trainOn(feat), code: 1, want: "finished run", keep: keepRun},
		{name: "train into an unfinished run", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			finishedRun(t, f, dir)
			setState(t, filepath.Join(dir, "run", train.LastFile), func(st map[string]any) { st["epoch"] = 0.0 })
		}, args: trainOn(feat), code: 1, want: "unfinished run", keep: keepRun},
		{name: "train into a folder with other files", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			os.MkdirAll(filepath.Join(dir, "run"), 0o755)
			os.WriteFile(filepath.Join(dir, "run", "notes.txt"), []byte("mine"), 0o644)
		}, args: trainOn(feat), code: 1, want: "not an amvi run's", keep: keepRun},
		{name: "train -overwrite into a folder with other files", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			finishedRun(t, f, dir)
			os.WriteFile(filepath.Join(dir, "run", "notes.txt"), []byte("mine"), 0o644)
		}, args: trainOn(feat, "-overwrite"), code: 1, want: "not an amvi run's", keep: keepRun},
		{name: "train -out names a file", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			os.WriteFile(filepath.Join(dir, "run"), []byte("mine"), 0o644)
		}, args: trainOn(feat), code: 1, want: "not a folder", keep: keepRun},
		{name: "train -overwrite without validation evaluates its own model", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			finishedRun(t, f, dir)
			copyFile(t, f.feat, filepath.Join(dir, "docs.feat"))
		},
			args: trainOn(feat, "-overwrite", "-valid-fraction", "0", "-test", "docs.feat"), code: 0, want: "without validation",
			check: func(f *fixtures, dir string, r hostileResult) error {
				if strings.Contains(r.stdout, train.BestFile) || exists(filepath.Join(dir, "run", train.BestFile)) {
					return fmt.Errorf("the old run's best checkpoint was evaluated or kept:\n%s", r.stdout)
				}
				return nil
			}},
		{name: "train twice into one folder at once", cmd: "train", args: trainOn(feat),
			start: func(t *testing.T, f *fixtures, dir string, a []string) hostileResult {
				return whileTraining(t, f, dir, a, hostileBins.train)
			}, code: 1, want: "in use"},
		{name: "train -resume while another trains there", cmd: "train", args: func(f *fixtures, dir string) []string {
			return []string{"-resume", "-out", filepath.Join(dir, "run")}
		}, start: func(t *testing.T, f *fixtures, dir string, a []string) hostileResult {
			return whileTraining(t, f, dir, a, hostileBins.train)
		}, code: 1, want: "in use"},
		{name: "train -resume with no run", cmd: "train", args: func(f *fixtures, dir string) []string {
			return []string{"-resume", "-out", filepath.Join(dir, "run")}
		}, code: 1, want: "no run to resume", check: noRunFolder},
		{name: "train -resume of a checkpoint with a negative batch", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			finishedRun(t, f, dir)
			setState(t, filepath.Join(dir, "run", train.LastFile), func(st map[string]any) { st["epoch"], st["batch"] = 0.0, -3.0 })
		}, args: func(f *fixtures, dir string) []string {
			return []string{"-resume", "-out", filepath.Join(dir, "run"), "-iw-samples", "0"}
		}, code: 1, want: "out of range", keep: keepRun},
		{name: "train -resume of a checkpoint past its epoch", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			finishedRun(t, f, dir)
			setState(t, filepath.Join(dir, "run", train.LastFile), func(st map[string]any) { st["epoch"], st["batch"] = 0.0, 1000.0 })
		}, args: func(f *fixtures, dir string) []string {
			return []string{"-resume", "-out", filepath.Join(dir, "run"), "-iw-samples", "0"}
		}, code: 1, want: "out of range", keep: keepRun},

		// Signals and resume.
		{name: "train SIGHUP saves and says how to resume", cmd: "train", args: trainOn(feat, "-epochs", "100000"),
			start: func(t *testing.T, f *fixtures, dir string, a []string) hostileResult {
				return startAndSignal(t, hostileBins.train, dir, a, syscall.SIGHUP)
			}, code: 0, want: "resume with"},
		{name: "train -resume from another working folder", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			copyFile(t, f.feat, filepath.Join(dir, "docs.feat"))
			interrupted(t, f, dir, "-train", "docs.feat", "-epochs", "3")
		}, args: func(f *fixtures, dir string) []string {
			return []string{"-resume", "-out", filepath.Join(dir, "run")}
		}, start: func(t *testing.T, f *fixtures, dir string, a []string) hostileResult {
			return runHostile(t, hostileBins.train, t.TempDir(), nil, a...) // another, empty working folder
		}, code: 0, want: "trained 3 epochs"},
		{name: "train -resume naming the data by another path", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			copyFile(t, f.feat, filepath.Join(dir, "docs.feat"))
			interrupted(t, f, dir, "-train", filepath.Join(dir, "docs.feat"), "-epochs", "3")
		}, args: func(f *fixtures, dir string) []string {
			return []string{"-resume", "-out", "run", "-train", "./docs.feat"}
		}, code: 0, want: "trained 3 epochs"},
		{name: "train -resume of text with its own vocabulary settings", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			interrupted(t, f, dir, "-train", f.text, "-format", "text", "-min-count", "1", "-max-vocab", "7", "-epochs", "3")
		}, args: func(f *fixtures, dir string) []string {
			return []string{"-resume", "-out", "run"}
		}, code: 0, want: "trained 3 epochs"},
		{name: "train -resume with data that changed", cmd: "train", setup: func(t *testing.T, f *fixtures, dir string) {
			copyFile(t, f.feat, filepath.Join(dir, "docs.feat"))
			interrupted(t, f, dir, "-train", "docs.feat", "-epochs", "3")
			b, _ := os.ReadFile(filepath.Join(dir, "docs.feat"))
			os.WriteFile(filepath.Join(dir, "docs.feat"), bytes.Replace(b, []byte(":1"), []byte(":2"), 1), 0o644)
		}, args: func(f *fixtures, dir string) []string {
			return []string{"-resume", "-out", "run"}
		}, code: 1, want: "documents differ", keep: keepRun},

		// eval.
		// Memory does not grow with the samples (eval.TestMemoryDoesNotGrowWithSamples);
		// time does, so past 2^20 per document the count is refused.
		{name: "eval -iw-samples 1048577 (past the cap)", cmd: "eval", args: evalOn("small", "-iw-samples", "1048577"), code: 1, want: "-iw-samples 1048577"},
		{name: "eval -iw-samples 1000000000", cmd: "eval", args: evalOn("small", "-iw-samples", "1000000000"), code: 1, want: "-iw-samples"},
		{name: "eval -samples 0", cmd: "eval", args: evalOn("small", "-samples", "0"), code: 1, want: "-samples"},
		{name: "eval report to /dev/full", cmd: "eval", io: stdoutTo("/dev/full"), args: evalOn("small"), code: 1, want: "no space left on device"},
		{name: "eval -json to /dev/full", cmd: "eval", io: stdoutTo("/dev/full"), args: evalOn("small", "-json"), code: 1, want: "no space left on device"},
		{name: "eval -checkpoint is a folder", cmd: "eval", args: func(f *fixtures, dir string) []string {
			return []string{"-checkpoint", f.run, "-data", f.small}
		}, code: 1, want: "is a folder", keep: func(f *fixtures, dir string) []string { return []string{f.run} }},
		{name: "eval -checkpoint missing", cmd: "eval", args: func(f *fixtures, dir string) []string {
			return []string{"-checkpoint", filepath.Join(dir, "nope.safetensors"), "-data", f.small}
		}, code: 1, want: "nope.safetensors"},
		{name: "eval: id past V", cmd: "eval", args: evalOn("past"), code: 1, want: "past.feat:2"},
		{name: "eval: unlabelled file read as feat", cmd: "eval", args: evalOn("nolabel"), code: 1, want: "-format feat-nolabel"},
		{name: "eval: UCI header announces 10⁹ documents", cmd: "eval", args: evalOn("uciD", "-format", "uci"), code: 1, want: "D=1000000000"},
		{name: "eval: empty vocabulary file", cmd: "eval", args: func(f *fixtures, dir string) []string {
			return append(evalOn("small")(f, dir), "-vocab", f.emptyVocab)
		}, code: 1, want: "empty-vocab.txt"},

		// encode.
		{name: "encode: failure keeps the existing -out", cmd: "encode", setup: precious, args: encodeTo("out.jsonl", bad), code: 1, want: "bad.feat:2",
			keep: func(_ *fixtures, dir string) []string { return []string{filepath.Join(dir, "out.jsonl")} }},
		{name: "encode: failure keeps a symlinked -out and its target", cmd: "encode", setup: precious, args: encodeTo("link.jsonl", bad), code: 1, want: "bad.feat:2",
			keep: func(_ *fixtures, dir string) []string {
				return []string{filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "link.jsonl")}
			}},
		{name: "encode: failure keeps a named pipe -out", cmd: "encode", setup: func(t *testing.T, f *fixtures, dir string) {
			writeBad(t, f, dir)
			fifo := filepath.Join(dir, "fifo")
			syscall.Mkfifo(fifo, 0o644)
			go func() { // a reader, so that opening the pipe does not block
				if r, err := os.Open(fifo); err == nil {
					b := make([]byte, 1<<16)
					for {
						if _, err := r.Read(b); err != nil {
							break
						}
					}
					r.Close()
				}
			}()
		}, args: encodeTo("fifo", bad), code: 1, want: "bad.feat:2",
			keep: func(_ *fixtures, dir string) []string { return []string{filepath.Join(dir, "fifo")} }},
		{name: "encode -out is the -data file", cmd: "encode", setup: func(t *testing.T, f *fixtures, dir string) {
			copyFile(t, f.small, filepath.Join(dir, "in.feat"))
		}, args: encodeTo("in.feat", func(_ *fixtures, dir string) string { return filepath.Join(dir, "in.feat") }), code: 1, want: "-out",
			keep: func(_ *fixtures, dir string) []string { return []string{filepath.Join(dir, "in.feat")} }},
		{name: "encode -out is the checkpoint", cmd: "encode", setup: func(t *testing.T, f *fixtures, dir string) {
			copyFile(t, f.model, filepath.Join(dir, "model.safetensors"))
		}, args: func(f *fixtures, dir string) []string {
			m := filepath.Join(dir, "model.safetensors")
			return []string{"-checkpoint", m, "-data", f.small, "-out", m}
		}, code: 1, want: "-out",
			keep: func(_ *fixtures, dir string) []string { return []string{filepath.Join(dir, "model.safetensors")} }},
		{name: "encode -out is a folder", cmd: "encode", setup: func(t *testing.T, f *fixtures, dir string) {
			os.MkdirAll(filepath.Join(dir, "folder"), 0o755)
			os.WriteFile(filepath.Join(dir, "folder", "x"), []byte("mine"), 0o644)
		}, args: encodeTo("folder", func(f *fixtures, _ string) string { return f.small }), code: 1, want: "folder",
			keep: func(_ *fixtures, dir string) []string { return []string{filepath.Join(dir, "folder")} }},
		{name: "encode to /dev/full", cmd: "encode", io: stdoutTo("/dev/full"), args: func(f *fixtures, dir string) []string {
			return []string{"-checkpoint", f.model, "-data", f.small}
		}, code: 1, want: "no space left on device"},
		{name: "encode -workers 1000000000", cmd: "encode", args: func(f *fixtures, dir string) []string {
			return []string{"-checkpoint", f.model, "-data", f.small, "-workers", "1000000000"}
		}, code: 1, want: "-workers"},
		{name: "encode: unlabelled file read as feat", cmd: "encode", args: func(f *fixtures, dir string) []string {
			return []string{"-checkpoint", f.model, "-data", f.nolabel}
		}, code: 1, want: "-format feat-nolabel"},
		{name: "encode: text from a pipe", cmd: "encode", io: stdinFrom(filepathJoinFixture("docs.txt")), args: func(f *fixtures, dir string) []string {
			return []string{"-checkpoint", f.model, "-data", "-", "-format", "text", "-vocab", f.vocab}
		}, code: 0, want: ""},
		{name: "encode -checkpoint is a run folder", cmd: "encode", args: func(f *fixtures, dir string) []string {
			return []string{"-checkpoint", f.run, "-data", f.small}
		}, code: 1, want: "is a folder", keep: func(f *fixtures, dir string) []string { return []string{f.run} }},
		{name: "train -out is a run folder's checkpoint", cmd: "train", args: func(f *fixtures, dir string) []string {
			return append([]string{"-train", f.feat, "-epochs", "1", "-out", f.model}, quick...)
		}, code: 1, want: "not a folder", keep: func(f *fixtures, dir string) []string { return []string{f.run} }},
		{name: "eval on the run folder's data spelled relatively", cmd: "eval", args: func(f *fixtures, dir string) []string {
			rel, _ := filepath.Rel(dir, f.small)
			return []string{"-checkpoint", f.model, "-data", rel, "-samples", "2", "-iw-samples", "0"}
		}, code: 0, want: "", check: func(f *fixtures, dir string, r hostileResult) error {
			if !strings.Contains(r.stdout, "perplexity") {
				return errors.New("no report")
			}
			return nil
		}},
	}
}

// fixtureDir is set while the table runs, for cases that name a fixture
// before the fixtures exist.
var fixtureDir string

func filepathJoinFixture(name string) string { return filepath.Join(fixtureDir, name) }

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHostileUse runs the hostile-use table.
func TestHostileUse(t *testing.T) {
	needBinary(t)
	buildHostileBins(t)
	f := makeFixtures(t)
	fixtureDir = f.dir
	cases := hostileCases()
	if len(cases) < 40 {
		t.Errorf("%d cases, want at least 40", len(cases))
	}
	var table *os.File
	if p := os.Getenv("AMVI_HOSTILE_TABLE"); p != "" {
		var err error
		if table, err = os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err != nil {
			t.Fatal(err)
		}
		defer table.Close()
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			written := false
			if table != nil {
				defer func() {
					if !written {
						fmt.Fprintf(table, "%s\tFAIL\tthe case's setup failed\n", tc.name)
					}
				}()
			}
			dir := t.TempDir()
			if tc.setup != nil {
				tc.setup(t, f, dir)
			}
			var keep []string
			if tc.keep != nil {
				keep = tc.keep(f, dir)
			}
			before := make([]string, len(keep))
			for i, p := range keep {
				before[i] = snapshot(p)
			}
			binary := map[string]string{"train": hostileBins.train, "eval": hostileBins.eval, "encode": hostileBins.encode}[tc.cmd]
			a := tc.args(f, dir)
			var r hostileResult
			if tc.start != nil {
				r = tc.start(t, f, dir, a)
			} else {
				r = runHostile(t, binary, dir, tc.io, a...)
			}
			var fails []string
			if r.timedOut {
				fails = append(fails, "timed out")
			}
			if r.code != tc.code {
				fails = append(fails, fmt.Sprintf("exit %d, want %d", r.code, tc.code))
			}
			if !strings.Contains(r.stderr, tc.want) {
				fails = append(fails, fmt.Sprintf("message lacks %q", tc.want))
			}
			for _, s := range []string{"panic", "goroutine ", "runtime.", "fatal error"} {
				if strings.Contains(r.stderr, s) {
					fails = append(fails, "stack trace or panic")
					break
				}
			}
			for i, p := range keep {
				if after := snapshot(p); after != before[i] {
					fails = append(fails, fmt.Sprintf("%s changed", filepath.Base(p)))
				}
			}
			if tc.check != nil {
				if err := tc.check(f, dir, r); err != nil {
					fails = append(fails, err.Error())
				}
			}
			if table != nil {
				status := "PASS"
				if len(fails) > 0 {
					status = "FAIL"
				}
				fmt.Fprintf(table, "%s\t%s\t%s\n", tc.name, status, strings.ReplaceAll(strings.Join(fails, "; "), "\n", " "))
				written = true
			}
			if len(fails) > 0 {
				msg := r.stderr
				if len(msg) > 2000 {
					msg = msg[:1000] + "\n…\n" + msg[len(msg)-1000:]
				}
				t.Errorf("%s %q: %s\nstderr:\n%s", tc.cmd, a, strings.Join(fails, "; "), msg)
			}
		})
	}
}
