package checkpoints

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
)

// previous saves a checkpoint at dir/last.safetensors, standing for an
// earlier save that a failed one must not damage, and returns its path and
// bytes.
func previous(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, "last.safetensors")
	if err := Save(path, small()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

// checkIntact fails unless path still holds want and dir holds nothing else
// (in particular no leftover temporary file).
func checkIntact(t *testing.T, dir, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("previous checkpoint: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("previous checkpoint at %s was modified", path)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{filepath.Base(path)}) {
		t.Errorf("directory holds %q, want only %q", names, filepath.Base(path))
	}
	if _, err := Load(path); err != nil {
		t.Errorf("previous checkpoint no longer loads: %v", err)
	}
}

// bigger returns a checkpoint larger than small(), spanning several write
// chunks.
func bigger() *Checkpoint {
	c := small()
	c.Add("big", []int{3*chunkFloats + 1}, seq(3*chunkFloats+1))
	return c
}

func TestSaveReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.safetensors")
	for i, c := range []*Checkpoint{bigger(), small(), {}, bigger()} {
		if err := Save(path, c); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := encode(t, c); !bytes.Equal(got, want) {
			t.Fatalf("save %d: file holds %d bytes that differ from Write's %d", i, len(got), len(want))
		}
		if names := dirNames(t, dir); !slices.Equal(names, []string{"last.safetensors"}) {
			t.Fatalf("save %d: directory holds %q", i, names)
		}
	}
}

func TestSaveRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := Save("rel.safetensors", small()); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("rel.safetensors"); err != nil {
		t.Fatal(err)
	}
}

func TestSavePermissions(t *testing.T) {
	dir := t.TempDir()
	ref, err := os.Create(filepath.Join(dir, "ref"))
	if err != nil {
		t.Fatal(err)
	}
	ref.Close()
	path := filepath.Join(dir, "c.safetensors")
	if err := Save(path, small()); err != nil {
		t.Fatal(err)
	}
	fi1, _ := os.Stat(ref.Name())
	fi2, _ := os.Stat(path)
	if fi1.Mode() != fi2.Mode() {
		t.Errorf("saved file has mode %v, os.Create gives %v", fi2.Mode(), fi1.Mode())
	}
}

func TestSaveUnwritableDir(t *testing.T) {
	t.Run("chmod 0500", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root, which ignores directory permissions; see the other subtests")
		}
		dir := t.TempDir()
		path, prev := previous(t, dir)
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		err := Save(path, bigger())
		if !errors.Is(err, fs.ErrPermission) || errors.Is(err, ErrCorrupt) {
			t.Errorf("Save into read-only directory: %v, want a permission error", err)
		}
		os.Chmod(dir, 0o700)
		checkIntact(t, dir, path, prev)
	})
	t.Run("directory is a file", func(t *testing.T) {
		dir := t.TempDir()
		notDir, prev := previous(t, dir)
		err := Save(filepath.Join(notDir, "x.safetensors"), small())
		if err == nil || !errors.Is(err, syscall.ENOTDIR) {
			t.Errorf("Save under a regular file: %v, want ENOTDIR", err)
		}
		checkIntact(t, dir, notDir, prev)
	})
	t.Run("missing directory", func(t *testing.T) {
		err := Save(filepath.Join(t.TempDir(), "no", "such", "x.safetensors"), small())
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Save into a missing directory: %v, want ErrNotExist", err)
		}
	})
}

func TestSaveDiskFull(t *testing.T) {
	total := len(encode(t, bigger()))
	for _, n := range []int{0, 1, 8, 100, 8 * chunkFloats, total / 2, total - 1} {
		t.Run(fmt.Sprintf("after %d bytes", n), func(t *testing.T) {
			dir := t.TempDir()
			path, prev := previous(t, dir)
			var tmpName string
			err := saveWith(path, bigger(), saveHooks{wrap: func(w io.Writer) io.Writer {
				tmpName = w.(*os.File).Name()
				return &failingWriter{w: w, left: n, err: syscall.ENOSPC}
			}})
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("err = %v, want ENOSPC", err)
			}
			if want := "checkpoints: save " + path + ": "; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
				t.Errorf("error %q does not start with %q", err, want)
			}
			if _, err := os.Stat(tmpName); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("temporary file %s still exists (%v)", tmpName, err)
			}
			checkIntact(t, dir, path, prev)
		})
	}
}

func TestSaveFailures(t *testing.T) {
	errRename := errors.New("rename failed")
	tests := []struct {
		name  string
		c     *Checkpoint
		hooks saveHooks
		want  error
	}{
		{"rename fails", bigger(), saveHooks{rename: func(string, string) error { return errRename }}, errRename},
		{"short write", bigger(), saveHooks{wrap: func(io.Writer) io.Writer { return shortWriter{} }}, io.ErrShortWrite},
		{"invalid checkpoint", &Checkpoint{Metadata: map[string]string{"k": "\xff"}}, saveHooks{}, nil},
		{"nil checkpoint", nil, saveHooks{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path, prev := previous(t, dir)
			err := saveWith(path, tt.c, tt.hooks)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			checkIntact(t, dir, path, prev)
		})
	}
}

func TestSaveOverDirectory(t *testing.T) {
	// Renaming a file over a non-empty directory fails for real.
	dir := t.TempDir()
	target := filepath.Join(dir, "taken")
	if err := os.MkdirAll(filepath.Join(target, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Save(target, small()); err == nil {
		t.Fatal("Save over a directory succeeded")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"taken"}) {
		t.Errorf("directory holds %q, want only the original directory", names)
	}
}

func TestSaveConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.safetensors")
	cs := []*Checkpoint{small(), bigger(), {}, small()}
	cs[3].Metadata["which"] = "fourth"
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			if err := Save(path, c); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range cs {
		found = found || bytes.Equal(got, encode(t, c))
	}
	if !found {
		t.Errorf("after concurrent saves the file matches none of them")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"last.safetensors"}) {
		t.Errorf("directory holds %q", names)
	}
}
