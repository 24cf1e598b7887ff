package train

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/amvi/amvi/internal/outfile"
)

// Errors about run folders.
var (
	// ErrBusy reports a run folder that another process is using.
	ErrBusy = errors.New("is in use by another training process")
	// ErrRunExists reports a folder that already holds a run, finished or
	// not, where a new one was to start.
	ErrRunExists = errors.New("holds a run already")
	// ErrForeign reports a folder with files that a run does not write.
	ErrForeign = errors.New("holds files that are not an amvi run's")
	// ErrNoRun reports a folder without a run to resume.
	ErrNoRun = errors.New("holds no run to resume")
)

// EvalFile is the final evaluation's report in a run folder.
const EvalFile = "eval.json"

// runFiles are the files a run writes in its folder; a folder that holds
// anything else is not a run folder.
var runFiles = []string{LastFile, BestFile, GoodFile, MetricsFile, CurveFile, ConfigFile, EvalFile}

// isRunFile reports whether name (a base name) is one of a run's files or
// a temporary file left while writing one.
func isRunFile(name string) bool {
	return slices.Contains(runFiles, name) || outfile.IsTemp(name) ||
		strings.HasSuffix(name, ".tmp") && slices.Contains(runFiles, strings.TrimSuffix(name, ".tmp")) ||
		name == "curve.tmp.png"
}

// A folderLock is this process's hold on a run folder: an exclusive flock
// on the folder itself, which the kernel releases when the process ends,
// however it ends. Within the process it is counted, so that a command and
// the Trainer it starts can both hold it.
type folderLock struct {
	key string
	f   *os.File
	n   int
}

var folderLocks = struct {
	sync.Mutex
	m map[string]*folderLock
}{m: map[string]*folderLock{}}

// lockFolder takes the lock of the existing folder dir, or returns an
// error wrapping ErrBusy if another process holds it.
func lockFolder(dir string) (*folderLock, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("train: run folder %s: %w", dir, err)
	}
	folderLocks.Lock()
	defer folderLocks.Unlock()
	if l := folderLocks.m[abs]; l != nil {
		l.n++
		return l, nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("train: run folder: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("train: run folder %s is not a folder", dir)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("train: run folder %s %w", dir, ErrBusy)
		}
		return nil, fmt.Errorf("train: locking run folder %s: %w", dir, err)
	}
	l := &folderLock{key: abs, f: f, n: 1}
	folderLocks.m[abs] = l
	return l, nil
}

// release gives up one hold on the lock; the last one unlocks the folder.
func (l *folderLock) release() {
	if l == nil {
		return
	}
	folderLocks.Lock()
	defer folderLocks.Unlock()
	if l.n--; l.n > 0 {
		return
	}
	delete(folderLocks.m, l.key)
	l.f.Close() // closing the descriptor releases the flock
}

// Folder is a run folder held by this process, from [Claim] or [Open]
// until Release. While it is held no other process can train in it.
type Folder struct {
	Dir     string
	lock    *folderLock
	created []string // the folders Claim made, innermost first
}

// Claim takes dir for a new run. It creates dir if needed and locks it
// for this process (the lock also ends with the process, however it ends).
// It refuses a folder that another process holds (ErrBusy), one with files
// that a run does not write (ErrForeign), and one that holds a run,
// finished or not (ErrRunExists), unless overwrite is set: then it removes
// that run's files. Nothing is removed or created when Claim fails.
func Claim(dir string, overwrite bool) (*Folder, error) {
	if dir == "" {
		return nil, errors.New("train: no run folder given")
	}
	var created []string // the folders made, innermost first
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
			if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
				break
			}
			created = append(created, d)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("train: run folder: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("train: run folder: %w", err)
	case !st.IsDir():
		return nil, fmt.Errorf("train: run folder %s is a file, not a folder", dir)
	}
	f := &Folder{Dir: dir, created: created}
	l, err := lockFolder(dir)
	if err != nil {
		f.Release()
		return nil, err
	}
	f.lock = l
	if err := f.checkEmpty(overwrite); err != nil {
		f.Release()
		return nil, err
	}
	return f, nil
}

// checkEmpty refuses a folder with foreign files, and one with a run unless
// overwrite; with overwrite it removes the run's files.
func (f *Folder) checkEmpty(overwrite bool) error {
	entries, err := os.ReadDir(f.Dir)
	if err != nil {
		return fmt.Errorf("train: run folder: %w", err)
	}
	var foreign, ours []string
	for _, e := range entries {
		if isRunFile(e.Name()) && e.Type().IsRegular() {
			ours = append(ours, e.Name())
		} else {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		if len(foreign) > 3 {
			foreign = append(foreign[:3], "…")
		}
		return fmt.Errorf("train: run folder %s %w (%s): give -out a new or empty folder", f.Dir, ErrForeign, strings.Join(foreign, ", "))
	}
	if len(ours) == 0 {
		return nil
	}
	if !overwrite {
		var msg string
		l, err := LoadModel(filepath.Join(f.Dir, LastFile))
		switch {
		case err != nil:
			msg = fmt.Sprintf("run folder %s holds a run whose %s cannot be read (%v): start over with -overwrite (which deletes it), or give -out another folder", f.Dir, LastFile, err)
		case l.Finished:
			msg = fmt.Sprintf("run folder %s holds a finished run (%d epochs, %d steps): start over with -overwrite (which deletes it), or give -out another folder", f.Dir, l.Epochs, l.Steps)
		default:
			msg = fmt.Sprintf("run folder %s holds an unfinished run (step %d, epoch %d of %d): continue it with -resume, or start over with -overwrite (which deletes it)", f.Dir, l.Steps, l.Epochs, l.Config.Epochs)
		}
		return &wrapped{"train: " + msg, ErrRunExists}
	}
	for _, name := range ours {
		if err := os.Remove(filepath.Join(f.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("train: -overwrite: %w", err)
		}
	}
	return nil
}

// Open takes the run folder dir to resume the run in it. It refuses a
// folder that another process holds (ErrBusy) and one without a
// checkpoint to resume from (ErrNoRun).
func Open(dir string) (*Folder, error) {
	if dir == "" {
		return nil, errors.New("train: no run folder given")
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return nil, fmt.Errorf("train: run folder %s %w (it does not exist)", dir, ErrNoRun)
	}
	l, err := lockFolder(dir)
	if err != nil {
		return nil, err
	}
	f := &Folder{Dir: dir, lock: l}
	if _, err := os.Stat(filepath.Join(dir, LastFile)); err != nil {
		f.Release()
		return nil, fmt.Errorf("train: run folder %s %w (no %s)", dir, ErrNoRun, LastFile)
	}
	return f, nil
}

// Release unlocks the folder. The folders that Claim created and that are
// still empty are removed, so that a refused start leaves nothing behind.
func (f *Folder) Release() {
	if f == nil {
		return
	}
	for _, d := range f.created {
		if entries, err := os.ReadDir(d); err != nil || len(entries) > 0 || os.Remove(d) != nil {
			break
		}
	}
	f.created = nil
	f.lock.release()
	f.lock = nil
}

// wrapped is an error with its own message that wraps a sentinel.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }
