package cli

import (
	"fmt"
	"runtime/pprof"

	"github.com/amvi/amvi/internal/outfile"
)

// StartCPUProfile starts a CPU profile written to path (the -cpuprofile
// flag) and returns the function that stops it. Like every output, the
// profile is written to a temporary file that stop renames into place,
// whatever the run's outcome; an empty path profiles nothing and stop does
// nothing.
func StartCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := outfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Abort()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Commit(); err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		return nil
	}, nil
}
