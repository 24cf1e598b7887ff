package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFullDiskKeepsLastCheckpoint makes saving fail for real: a file size
// limit (RLIMIT_FSIZE) below a checkpoint's size makes the kernel refuse
// the write with EFBIG, as a full disk refuses it with ENOSPC. (The Go
// runtime ignores the SIGXFSZ that comes with it.) Root ignores folder
// permissions, so an unwritable folder cannot be simulated here; the limit
// works for every user. Run must return the error and leave the previous
// last.safetensors and no temporary file.
func TestFullDiskKeepsLastCheckpoint(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	cfg, trainC, validC, vocab := smallRun(t, "rloo")
	dir := t.TempDir()
	tr, err := New(cfg, dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	last := filepath.Join(dir, LastFile)
	before, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}

	limit := old
	limit.Cur = uint64(len(before) / 2)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		tr.Close()
		t.Skip(err)
	}
	_, err = tr.Run(context.Background())
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	t.Log(err)
	if !errors.Is(err, syscall.EFBIG) || !strings.Contains(err.Error(), "safetensors") {
		t.Fatalf("Run: %v, want EFBIG from saving a checkpoint", err)
	}
	after, err := os.ReadFile(last)
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("last.safetensors changed (%v)", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	// With room again the run resumes from the kept checkpoint and finishes.
	tr.Close()
	tr, err = Resume(dir, trainC, validC, vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
