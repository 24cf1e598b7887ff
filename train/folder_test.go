package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
)

// TestClaimRefusesWhatIsNotAnEmptyRun checks the folder rules of a new run:
// foreign files are refused even with overwrite and left alone; a run is
// refused without overwrite and removed with it; a folder that Claim made
// for a start that goes no further is removed again.
func TestClaimRefusesWhatIsNotAnEmptyRun(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.Epochs = 1
	run := finishedRun(t, cfg, trainC, validC, vocab)
	if _, err := Claim(run, false); !errors.Is(err, ErrRunExists) || !strings.Contains(err.Error(), "finished run") {
		t.Errorf("a finished run: %v", err)
	}
	notes := filepath.Join(run, "notes.txt")
	os.WriteFile(notes, []byte("mine"), 0o644)
	if _, err := Claim(run, true); !errors.Is(err, ErrForeign) || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("foreign file with overwrite: %v", err)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" {
		t.Errorf("the foreign file after Claim: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(run, LastFile)); err != nil {
		t.Errorf("the run was touched although Claim failed: %v", err)
	}
	os.Remove(notes)
	f, err := Claim(run, true)
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(run); len(entries) != 0 {
		t.Errorf("-overwrite left %v", entries)
	}
	f.Release()

	fresh := filepath.Join(t.TempDir(), "a", "b")
	f, err = Claim(fresh, false)
	if err != nil {
		t.Fatal(err)
	}
	f.Release()
	if _, err := os.Stat(filepath.Dir(fresh)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the folders Claim made for nothing are still there: %v", err)
	}
	if _, err := Open(fresh); !errors.Is(err, ErrNoRun) {
		t.Errorf("Open of no folder: %v", err)
	}
}

// TestFolderLockExcludesOthers takes the folder's flock as another process
// would (another open file description) while a run holds it, and the
// other way round.
func TestFolderLockExcludesOthers(t *testing.T) {
	dir := t.TempDir()
	f, err := Claim(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := unix.Flock(int(other.Fd()), unix.LOCK_EX|unix.LOCK_NB); !errors.Is(err, unix.EWOULDBLOCK) {
		t.Errorf("flock while Claim holds the folder: %v", err)
	}
	f.Release()
	if err := unix.Flock(int(other.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Fatalf("flock after Release: %v", err)
	}
	if _, err := Claim(dir, false); !errors.Is(err, ErrBusy) {
		t.Errorf("Claim while another holds the folder: %v", err)
	}
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	if _, err := New(cfg, dir, trainC, validC, vocab); !errors.Is(err, ErrBusy) {
		t.Errorf("New while another holds the folder: %v", err)
	}
}

// TestResumeRefusesStateOutOfRange edits a checkpoint's run state to
// values the loop cannot continue from: Resume refuses each with ErrState.
func TestResumeRefusesStateOutOfRange(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	dir := t.TempDir()
	tr, err := New(cfg, dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tr.Progress = func(p Progress) {
		if p.Step == 3 {
			cancel()
		}
	}
	if _, err := tr.Run(ctx); !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	tr.Close()
	last := filepath.Join(dir, LastFile)
	orig, err := checkpoints.Load(last)
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range []string{`"batch":-3`, `"batch":1000`, `"step":-1`, `"epoch":-1`, `"epoch":99`, `"best_step":99999`, `"bad_validations":-1`, `"epoch_docs":100000`} {
		c := *orig
		c.Metadata = map[string]string{}
		for k, v := range orig.Metadata {
			c.Metadata[k] = v
		}
		key := edit[:strings.Index(edit, ":")]
		st := c.Metadata[MetaState]
		i := strings.Index(st, key+":")
		j := i + strings.IndexAny(st[i:], ",}")
		c.Metadata[MetaState] = st[:i] + edit + st[j:]
		if err := checkpoints.Save(last, &c); err != nil {
			t.Fatal(err)
		}
		if _, err := Resume(dir, trainC, validC, vocab); !errors.Is(err, ErrState) {
			t.Errorf("%s: %v", edit, err)
		}
	}
}

// TestNewRefusesCorporaThatDoNotFit: a nil corpus and documents with ids
// past V are errors, not panics.
func TestNewRefusesCorporaThatDoNotFit(t *testing.T) {
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	if _, err := New(cfg, t.TempDir(), nil, validC, vocab); err == nil {
		t.Error("nil training corpus accepted")
	}
	bad := *validC
	bad.Docs = append(append([]data.Document(nil), validC.Docs...), data.Document{Words: []int{cfg.V}, Counts: []int{1}})
	if _, err := New(cfg, t.TempDir(), trainC, &bad, vocab); !errors.Is(err, data.ErrInvalidDocument) {
		t.Errorf("a validation document with id V: %v", err)
	}
	if _, err := New(cfg, t.TempDir(), &bad, validC, vocab); !errors.Is(err, data.ErrInvalidDocument) {
		t.Errorf("a training document with id V: %v", err)
	}
}

// TestMemoryIsCheckedUpFront asks for more memory than the machine has:
// refused with ErrTooBig naming the flags, before anything is allocated.
func TestMemoryIsCheckedUpFront(t *testing.T) {
	if PhysicalMemory() == 0 {
		t.Skip("the machine's memory is not known here")
	}
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	cfg.K, cfg.Hidden = 2000, []int{1 << 20}
	_, err := New(cfg, t.TempDir(), trainC, validC, vocab)
	if !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), "-hidden") {
		t.Errorf("hidden 2^20 over K=2000: %v", err)
	}
	cfg.K, cfg.Hidden = 20_000, []int{8}
	if _, err := New(cfg, t.TempDir(), trainC, validC, vocab); err == nil || !strings.Contains(err.Error(), "-K 20000") {
		t.Errorf("K=20000 (fits in memory, but surely a mistake): %v", err)
	}
	small := DefaultConfig()
	small.V = 2000
	if small.MemoryEstimate() > 1e9 {
		t.Errorf("the default model over 2,000 words is estimated at %s", FormatBytes(small.MemoryEstimate()))
	}
}
