package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTemps fails t if dir holds a temporary file.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if IsTemp(e.Name()) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestRegularFileReplacedOnlyOnCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if o.InPlace() {
		t.Fatal("a regular file is written in place")
	}
	o.WriteString("new")
	if got := readString(t, path); got != "old" {
		t.Errorf("before Commit the file holds %q", got)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "new" {
		t.Errorf("after Commit the file holds %q", got)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the old file's 0600", st.Mode().Perm())
	}
	noTemps(t, dir)
}

func TestAbortKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	os.WriteFile(path, []byte("old"), 0o644)
	o, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	o.WriteString("partial")
	o.Abort()
	if got := readString(t, path); got != "old" {
		t.Errorf("after Abort the file holds %q", got)
	}
	noTemps(t, dir)

	// A new path that is aborted is never created.
	fresh := filepath.Join(dir, "fresh.txt")
	o, err = Create(fresh)
	if err != nil {
		t.Fatal(err)
	}
	o.WriteString("x")
	o.Abort()
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("aborted new file exists: %v", err)
	}
}

func TestSymlinkIsFollowedAndKept(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.txt")
	link := filepath.Join(dir, "link.txt")
	os.WriteFile(target, []byte("old"), 0o644)
	if err := os.Symlink("target.txt", link); err != nil {
		t.Skip(err)
	}
	o, err := Create(link)
	if err != nil {
		t.Fatal(err)
	}
	o.Abort()
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link is gone after Abort: %v", err)
	}
	o, _ = Create(link)
	o.WriteString("new")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if got := readString(t, target); got != "new" {
		t.Errorf("target holds %q", got)
	}
}

func TestDevicesAreWrittenInPlace(t *testing.T) {
	o, err := Create(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if !o.InPlace() {
		t.Error("/dev/null is not written in place")
	}
	o.WriteString("x")
	o.Abort()
	if _, err := os.Stat(os.DevNull); err != nil {
		t.Fatalf("/dev/null after Abort: %v", err)
	}
	// A named pipe: written in place, never removed.
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	got := make(chan string)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- string(b)
	}()
	o, err = Create(fifo)
	if err != nil {
		t.Fatal(err)
	}
	o.WriteString("through the pipe")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe" {
		t.Errorf("the pipe's reader got %q", s)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe is gone: %v", err)
	}
}

func TestWriteErrorsAreReported(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	o, err := Create("/dev/full")
	if err != nil {
		t.Fatal(err)
	}
	o.Write(make([]byte, 100))
	if err := o.Commit(); err == nil || !strings.Contains(err.Error(), "/dev/full") {
		t.Errorf("Commit on /dev/full: %v, want an error naming it", err)
	}
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewWriter(f, "standard output")
	w.Write([]byte("x"))
	if err := w.Err(); err == nil || !strings.Contains(err.Error(), "standard output") {
		t.Errorf("Writer on /dev/full: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(dir); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("Create(folder): %v", err)
	}
	if _, err := Create(""); err == nil {
		t.Error("Create(\"\") succeeded")
	}
	if _, err := Create(filepath.Join(dir, "missing", "x")); err == nil {
		t.Error("Create in a missing folder succeeded")
	}
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "nowhere", "x"), dangling)
	if _, err := Create(dangling); err == nil {
		t.Error("Create through a dangling link succeeded")
	}
	if _, err := os.Lstat(dangling); err != nil {
		t.Errorf("the dangling link is gone: %v", err)
	}
}

func TestSameFile(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	os.WriteFile(a, []byte("x"), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(a, link)
	if p, ok := SameFile(link, "", "-", filepath.Join(dir, "b"), a); !ok || p != a {
		t.Errorf("SameFile(link, a) = %q, %v", p, ok)
	}
	if _, ok := SameFile(filepath.Join(dir, "b"), a); ok {
		t.Error("a missing file is the same as another")
	}
}
