package cli

import (
	"fmt"
	"runtime/pprof"

	"github.com/amvi/amvi/internal/outfile"
)

// StartCPUProfile starts a CPU profile written to path (the -cpuprofile
// flag) and returns the function that stops it, to be deferred with the
// address of the caller's error result: stop sets *err to its own error
// when *err is nil. Like every output, the profile is written to a
// temporary file that stop renames into place, whatever the run's outcome.
// An empty path profiles nothing and stop does nothing.
func StartCPUProfile(path string) (stop func(err *error), err error) {
	if path == "" {
		return func(*error) {}, nil
	}
	f, err := outfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Abort()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func(err *error) {
		pprof.StopCPUProfile()
		if cerr := f.Commit(); cerr != nil && *err == nil {
			*err = fmt.Errorf("-cpuprofile: %w", cerr)
		}
	}, nil
}
