package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestStartCPUProfile checks that the profile is in place, a gzipped
// pprof file, after stop whether or not the run failed, that stop leaves a
// failure's error as it was, and that an empty path does nothing.
func TestStartCPUProfile(t *testing.T) {
	for _, runErr := range []error{nil, errors.New("the run failed")} {
		path := filepath.Join(t.TempDir(), "cpu.prof")
		stop, err := StartCPUProfile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("the profile is in place before stop")
		}
		err = runErr
		stop(&err)
		if err != runErr {
			t.Errorf("stop changed the run's error %v to %v", runErr, err)
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			t.Errorf("run error %v: profile %d bytes, %v; want a gzipped file", runErr, len(b), err)
		}
	}
	stop, err := StartCPUProfile("")
	if err != nil {
		t.Fatal(err)
	}
	err = nil
	stop(&err)
	if err != nil {
		t.Error(err)
	}
	if _, err := StartCPUProfile(filepath.Join(t.TempDir(), "no", "such", "dir", "cpu.prof")); err == nil {
		t.Error("a profile in a missing folder: no error")
	}
}
