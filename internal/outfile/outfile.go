// Package outfile writes amvi's output files so that a failure never
// destroys what the user had (design §7: files are written to a temporary file, synced and renamed).
//
// [Create] writes a regular file, or a path that does not exist yet, to a
// temporary file beside it (".NAME.tmp-RANDOM"), which [File.Commit] syncs
// and renames into place: until then the old file is untouched, and
// [File.Abort] (or a crash) leaves it as it was. A symbolic link is
// followed, so the link stays and its target is replaced. A stream or
// device (a pipe, a terminal, /dev/null, a character device) is written in
// place and never removed or truncated. A folder is refused.
//
// [Writer] wraps a stream that the command does not own, such as standard
// output, and keeps its first write error, so that a command that printed
// into a full disk (`> /dev/full`) can end with an error instead of exit 0.
package outfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// TempPrefix and TempInfix make up a temporary file's name:
// TempPrefix + base + TempInfix + random. A folder's stale temporary files
// (left by a killed process) match TempPrefix + "*" + TempInfix + "*".
const (
	TempPrefix = "."
	TempInfix  = ".tmp-"
)

// File is an output file being written. It is buffered; nothing reaches a
// regular file's path before Commit.
type File struct {
	path    string   // where the output goes (a link's target)
	tmp     string   // the temporary file; "" when written in place
	f       *os.File // tmp, or path itself in place
	w       *bufio.Writer
	err     error // the first write error
	mode    fs.FileMode
	setMode bool
	done    bool
}

// Create starts writing path. It returns an error, creating nothing, if
// path is empty or a folder, or if the temporary file cannot be created
// beside it.
func Create(path string) (*File, error) {
	if path == "" {
		return nil, errors.New("outfile: empty path")
	}
	target := path
	st, err := os.Lstat(path)
	if err == nil && st.Mode()&fs.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(path); err != nil {
			return nil, fmt.Errorf("%s: a symbolic link to nothing that can be written: %w", path, err)
		}
		st, err = os.Stat(target)
	}
	exists := err == nil
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A new file.
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, fmt.Errorf("%s is a folder, not a file", path)
	case !st.Mode().IsRegular():
		// A device, pipe or socket: write in place, never truncate or remove.
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &File{path: target, f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, tmp, err := CreateTemp(dir, base)
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	o := &File{path: target, tmp: tmp, f: f, w: bufio.NewWriterSize(f, 1<<16)}
	if exists {
		o.mode, o.setMode = st.Mode().Perm(), true
	}
	return o, nil
}

// Name returns the path that Commit writes (a symbolic link's target).
func (o *File) Name() string { return o.path }

// InPlace reports whether the output is written in place (a stream or
// device), not through a temporary file.
func (o *File) InPlace() bool { return o.tmp == "" }

// Write writes p. After the first error every Write returns it.
func (o *File) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err != nil {
		o.err = fmt.Errorf("writing %s: %w", o.path, err)
	}
	return n, o.err
}

// WriteString writes s, like Write.
func (o *File) WriteString(s string) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.WriteString(s)
	if err != nil {
		o.err = fmt.Errorf("writing %s: %w", o.path, err)
	}
	return n, o.err
}

// Commit finishes the output: it flushes, syncs and closes the file and,
// for a regular file, renames it over the path and syncs the folder. If
// anything fails, or a Write failed before, it returns the error and the
// path keeps what it held before Create. Commit after Commit or Abort is a
// no-op.
func (o *File) Commit() error {
	if o.done {
		return nil
	}
	o.done = true
	err := o.err
	if err == nil {
		if ferr := o.w.Flush(); ferr != nil {
			err = fmt.Errorf("writing %s: %w", o.path, ferr)
		}
	}
	if o.tmp == "" {
		if cerr := o.f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing %s: %w", o.path, cerr)
		}
		return err
	}
	if err == nil && o.setMode {
		err = o.f.Chmod(o.mode)
	}
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp, o.path)
	}
	if err != nil {
		os.Remove(o.tmp)
		if !strings.Contains(err.Error(), o.path) && !strings.Contains(err.Error(), o.tmp) {
			err = fmt.Errorf("writing %s: %w", o.path, err)
		}
		return err
	}
	return SyncDir(filepath.Dir(o.path))
}

// Abort abandons the output: a regular file's path keeps what it held
// before Create, and the temporary file is removed. A stream or device is
// closed, never removed. Abort after Commit is a no-op.
func (o *File) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.f.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// WriteFile writes data to path through Create and Commit.
func WriteFile(path string, data []byte) error {
	o, err := Create(path)
	if err != nil {
		return err
	}
	o.Write(data)
	return o.Commit()
}

// CreateTemp creates a new, empty temporary file in dir for the output
// base: TempPrefix + base + TempInfix + random. Unlike os.CreateTemp it uses
// mode 0666 (before umask), so the final file gets the permissions that
// os.Create would give it.
func CreateTemp(dir, base string) (*os.File, string, error) {
	for range 100 {
		name := filepath.Join(dir, TempPrefix+base+TempInfix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			return f, name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("creating a temporary file in %s: too many name collisions", dir)
}

// IsTemp reports whether name (a base name) is a temporary file of
// CreateTemp's.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, TempPrefix) && strings.Contains(name[len(TempPrefix):], TempInfix)
}

// SyncDir fsyncs a folder so that a rename in it is durable. File systems
// that cannot sync folders (EINVAL) are tolerated.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}

// SameFile reports whether path names an existing file that is also one of
// others (after following links), so that a command can refuse to write
// its output over one of its inputs.
func SameFile(path string, others ...string) (string, bool) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	for _, p := range others {
		if p == "" || p == "-" {
			continue
		}
		if ot, err := os.Stat(p); err == nil && os.SameFile(st, ot) {
			return p, true
		}
	}
	return "", false
}

// Writer wraps a stream the command does not own (standard output) and
// keeps the first write error; it writes nothing after one.
type Writer struct {
	w    io.Writer
	name string
	err  error
}

// NewWriter returns a Writer over w; name ("standard output") is used in
// the error.
func NewWriter(w io.Writer, name string) *Writer { return &Writer{w: w, name: name} }

// Write writes p to the stream, or returns the first error again.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = fmt.Errorf("writing %s: %w", w.name, err)
	}
	return n, w.err
}

// Err returns the first write error, or nil. If the stream has a Sync
// method (an *os.File) it is not called: a stream's data is the reader's.
func (w *Writer) Err() error { return w.err }
