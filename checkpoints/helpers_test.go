package checkpoints

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

// special holds values whose bits must survive a round trip exactly.
var special = []float64{
	math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0,
	math.SmallestNonzeroFloat64,              // smallest subnormal
	math.Float64frombits(0x000fffffffffffff), // largest subnormal
	-math.Float64frombits(0x0000000000000123),
	math.MaxFloat64, -math.MaxFloat64,
	math.Float64frombits(0x7ff8000000000123), // quiet NaN with a payload
	math.Float64frombits(0xfff0000000000001), // negative signalling NaN
	1, -1, math.Pi, 1e-300, 1e300,
}

// seq returns n distinct values.
func seq(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i)*0.25 - 3
	}
	return x
}

// small returns a small checkpoint that exercises every header feature.
func small() *Checkpoint {
	c := &Checkpoint{Metadata: map[string]string{
		"config": `{"hidden":[3,2],"activation":"tanh"}`,
		"note":   "α→β ✓ \"quoted\"\n",
	}}
	c.Add("encoder.layers.0.weight", []int{2, 3}, seq(6))
	c.Add("encoder.layers.0.bias", []int{3}, special[:3])
	c.Add("step", []int{}, []float64{1000})
	c.Add("empty", []int{0, 4}, nil)
	return c
}

// encode writes c to memory and fails the test on error.
func encode(t testing.TB, c *Checkpoint) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, c); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

// unsized hides the concrete type of a reader, so Read cannot know how many
// bytes it holds.
type unsized struct{ r io.Reader }

func (u unsized) Read(p []byte) (int, error) { return u.r.Read(p) }

// readBoth reads data through the known-size and the unknown-size paths and
// checks that they agree on success or failure.
func readBoth(t testing.TB, data []byte) (*Checkpoint, error) {
	t.Helper()
	c1, err1 := Read(bytes.NewReader(data), "mem")
	c2, err2 := Read(unsized{bytes.NewReader(data)}, "mem")
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("sized and unsized reads disagree: %v vs %v", err1, err2)
	}
	if err1 == nil {
		checkSame(t, c1, c2)
	}
	return c1, err1
}

// checkSame fails unless got has the same tensors as want, bit for bit, and
// all of want's metadata plus the reserved keys.
func checkSame(t testing.TB, want, got *Checkpoint) {
	t.Helper()
	if len(got.Tensors) != len(want.Tensors) {
		t.Fatalf("got %d tensors, want %d", len(got.Tensors), len(want.Tensors))
	}
	for i, w := range want.Tensors {
		g := got.Tensors[i]
		if g.Name != w.Name {
			t.Errorf("tensor %d: name %q, want %q", i, g.Name, w.Name)
		}
		if !slices.Equal(g.Shape, w.Shape) {
			t.Errorf("tensor %q: shape %v, want %v", w.Name, g.Shape, w.Shape)
		}
		if len(g.Data) != len(w.Data) {
			t.Errorf("tensor %q: %d values, want %d", w.Name, len(g.Data), len(w.Data))
			continue
		}
		for j := range w.Data {
			if math.Float64bits(g.Data[j]) != math.Float64bits(w.Data[j]) {
				t.Errorf("tensor %q[%d]: bits %#016x, want %#016x", w.Name, j, math.Float64bits(g.Data[j]), math.Float64bits(w.Data[j]))
				break
			}
		}
	}
	for k, v := range want.Metadata {
		if k == MetaFormat || k == MetaChecksum || k == MetaHeaderChecksum {
			continue
		}
		if got.Metadata[k] != v {
			t.Errorf("metadata %q = %q, want %q", k, got.Metadata[k], v)
		}
	}
	for _, k := range []string{MetaFormat, MetaChecksum, MetaHeaderChecksum} {
		if _, ok := got.Metadata[k]; !ok {
			t.Errorf("metadata lacks reserved key %q", k)
		}
	}
	extra := 0
	for k := range got.Metadata {
		if _, ok := want.Metadata[k]; !ok {
			extra++
		}
	}
	reservedInWant := 0
	for _, k := range []string{MetaFormat, MetaChecksum, MetaHeaderChecksum} {
		if _, ok := want.Metadata[k]; ok {
			reservedInWant++
		}
	}
	if extra != 3-reservedInWant {
		t.Errorf("got metadata %v: %d unexpected keys", got.Metadata, extra-(3-reservedInWant))
	}
}

// dirNames lists a directory, sorted.
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// writeFile writes data to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// failingWriter passes the first left bytes on to w and then fails with err,
// like a disk that fills up.
type failingWriter struct {
	w    io.Writer
	left int
	err  error
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= f.left {
		f.left -= len(p)
		return f.w.Write(p)
	}
	n, _ := f.w.Write(p[:f.left])
	f.left = 0
	return n, f.err
}

// shortWriter reports a short write without an error, breaking the io.Writer
// contract.
type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }
