package checkpoints

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/checkpoints/golden.safetensors from the current writer")

var goldenPath = filepath.Join("..", "testdata", "checkpoints", "golden.safetensors")

// golden is the checkpoint stored in the golden file. Changing it, or the
// writer, changes the file: regenerate with go test ./checkpoints -update
// only when the format change is intended (and bump Format if old files can
// no longer be read).
func golden() *Checkpoint {
	c := &Checkpoint{Metadata: map[string]string{
		"config": `{"encoder":{"hidden":[3],"activation":"tanh"},"K":2}`,
		"note":   "golden file — ünïcødé ✓",
	}}
	c.Add("encoder.layers.0.weight", []int{2, 3}, []float64{0.5, -1.25, 3, 1e-3, math.Copysign(0, -1), 42})
	c.Add("encoder.layers.0.bias", []int{3}, special[:3])
	c.Add("decoder.subnormals", []int{2}, special[4:6])
	c.Add("step", []int{}, []float64{123})
	return c
}

func TestGolden(t *testing.T) {
	got := encode(t, golden())
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", goldenPath, len(got))
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test ./checkpoints -run TestGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("Write output differs from %s at byte %d (got %d bytes, want %d); if the format change is intended, rerun with -update",
			goldenPath, i, len(got), len(want))
	}

	// The committed file must stay loadable, whatever the writer does now.
	loaded, err := Load(goldenPath)
	if err != nil {
		t.Fatalf("Load(golden): %v", err)
	}
	checkSame(t, golden(), loaded)
}
