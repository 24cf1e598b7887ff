package checkpoints

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"maps"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

func TestRoundTrip(t *testing.T) {
	big := seq(3*chunkFloats + 5) // crosses decode chunk boundaries
	tests := []struct {
		name string
		make func() *Checkpoint
	}{
		{"empty", func() *Checkpoint { return &Checkpoint{} }},
		{"metadata only", func() *Checkpoint {
			return &Checkpoint{Metadata: map[string]string{"k": "v", "": ""}}
		}},
		{"scalar", func() *Checkpoint {
			c := &Checkpoint{}
			c.Add("s", nil, []float64{-2.5})
			return c
		}},
		{"vector", func() *Checkpoint {
			c := &Checkpoint{}
			c.Add("v", []int{len(special)}, special)
			return c
		}},
		{"matrix and 3-d", func() *Checkpoint {
			c := &Checkpoint{}
			c.Add("m", []int{3, 4}, seq(12))
			c.Add("t", []int{2, 1, 3}, seq(6))
			return c
		}},
		{"zero-sized", func() *Checkpoint {
			c := &Checkpoint{}
			c.Add("a", []int{0}, nil)
			c.Add("b", []int{3, 0}, []float64{})
			c.Add("c", []int{2}, []float64{1, 2})
			c.Add("d", []int{0, 0, 5}, nil)
			return c
		}},
		{"unicode and escapes", func() *Checkpoint {
			c := &Checkpoint{Metadata: map[string]string{
				"config":   `{"name":"naïve \"bayes\"","path":"C:\\x"}`,
				"ünïcødé":  "日本語 🎉 \u2028\u2029 \x7f",
				"controls": "\x00\x01\x1f\t\r\n\b\f",
				"empty":    "",
			}}
			c.Add("层.权重 \"quoted\" \\ /", []int{2}, []float64{1, 2})
			c.Add("tab\there", []int{1}, []float64{3})
			return c
		}},
		{"large tensor", func() *Checkpoint {
			c := &Checkpoint{}
			c.Add("first", []int{1}, []float64{7})
			c.Add("big", []int{len(big)}, big)
			c.Add("last", []int{2}, special[:2])
			return c
		}},
		{"reserved keys are recomputed", func() *Checkpoint {
			c := &Checkpoint{Metadata: map[string]string{
				MetaFormat: "bogus", MetaChecksum: "bogus", MetaHeaderChecksum: "bogus", "x": "y",
			}}
			c.Add("w", []int{1}, []float64{1})
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.make()
			before := maps.Clone(c.Metadata)
			data := encode(t, c)
			if !maps.Equal(before, c.Metadata) {
				t.Errorf("Write modified the caller's metadata: %v -> %v", before, c.Metadata)
			}
			hlen := binary.LittleEndian.Uint64(data)
			if hlen%8 != 0 || data[8] != '{' {
				t.Errorf("header length %d not a multiple of 8, or header does not start with '{'", hlen)
			}

			got, err := readBoth(t, data)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			want := tt.make()
			for _, k := range []string{MetaFormat, MetaChecksum, MetaHeaderChecksum} {
				delete(want.Metadata, k)
			}
			checkSame(t, want, got)
			if got.Metadata[MetaFormat] != Format {
				t.Errorf("format = %q, want %q", got.Metadata[MetaFormat], Format)
			}

			// Reading through a reader that returns one byte at a time works too.
			if _, err := Read(iotest.OneByteReader(bytes.NewReader(data)), "onebyte"); err != nil {
				t.Errorf("Read(OneByteReader): %v", err)
			}

			// Save writes the same bytes as Write, and Load reads them back.
			path := filepath.Join(t.TempDir(), "c.safetensors")
			if err := Save(path, c); err != nil {
				t.Fatalf("Save: %v", err)
			}
			loaded, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			checkSame(t, want, loaded)

			// A loaded checkpoint saves to identical bytes.
			if again := encode(t, loaded); !bytes.Equal(again, data) {
				t.Errorf("re-encoding a loaded checkpoint changed its bytes")
			}
		})
	}
}

func TestAddPanics(t *testing.T) {
	tests := []struct {
		name  string
		tname string
		shape []int
		data  []float64
		want  string
	}{
		{"duplicate", "w", []int{1}, []float64{1}, `duplicate tensor name "w"`},
		{"too few values", "x", []int{2, 3}, seq(5), "5 values do not match shape [2 3] (6 values)"},
		{"too many values", "x", []int{2}, seq(3), "3 values do not match shape [2] (2 values)"},
		{"scalar needs one value", "x", nil, nil, "0 values do not match shape [] (1 values)"},
		{"negative dim", "x", []int{2, -1}, nil, "negative dimension"},
		{"overflow", "x", []int{1 << 31, 1 << 31, 4}, nil, "overflows"},
		{"empty name", "", []int{1}, []float64{1}, "empty tensor name"},
		{"reserved name", "__metadata__", []int{1}, []float64{1}, "reserved"},
		{"invalid utf-8 name", "a\xffb", []int{1}, []float64{1}, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Checkpoint{}
			c.Add("w", []int{1}, []float64{1})
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "checkpoints: ") || !strings.Contains(msg, tt.want) {
					t.Errorf("panic %v, want a message starting \"checkpoints: \" containing %q", r, tt.want)
				}
				if len(c.Tensors) != 1 {
					t.Errorf("a failed Add changed the checkpoint")
				}
			}()
			c.Add(tt.tname, tt.shape, tt.data)
		})
	}
}

func TestAddCopiesShape(t *testing.T) {
	c := &Checkpoint{}
	shape := []int{2, 2}
	c.Add("w", shape, seq(4))
	shape[0] = 99
	if got, _ := c.Tensor("w"); got.Shape[0] != 2 {
		t.Errorf("Add kept a reference to the caller's shape: %v", got.Shape)
	}
}

func TestTensor(t *testing.T) {
	c := small()
	w, ok := c.Tensor("encoder.layers.0.bias")
	if !ok || w.Name != "encoder.layers.0.bias" || len(w.Data) != 3 {
		t.Errorf("Tensor(bias) = %v, %v", w, ok)
	}
	if _, ok := c.Tensor("missing"); ok {
		t.Errorf("Tensor(missing) found something")
	}
}

func TestWriteRejectsInvalid(t *testing.T) {
	tests := []struct {
		name string
		c    *Checkpoint
		want string
	}{
		{"nil", nil, "nil checkpoint"},
		{"length mismatch", &Checkpoint{Tensors: []Tensor{{Name: "a", Shape: []int{2}, Data: seq(3)}}}, `tensor "a": 3 values do not match shape [2]`},
		{"duplicate", &Checkpoint{Tensors: []Tensor{{Name: "a", Shape: []int{1}, Data: seq(1)}, {Name: "a", Shape: []int{1}, Data: seq(1)}}}, `duplicate tensor name "a"`},
		{"negative", &Checkpoint{Tensors: []Tensor{{Name: "a", Shape: []int{-1}}}}, "negative dimension"},
		{"reserved name", &Checkpoint{Tensors: []Tensor{{Name: "__metadata__", Shape: []int{0}}}}, "reserved"},
		{"bad utf-8 key", &Checkpoint{Metadata: map[string]string{"\xff": "v"}}, "not valid UTF-8"},
		{"bad utf-8 value", &Checkpoint{Metadata: map[string]string{"k": "\xc3"}}, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tt.c)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "checkpoints: write: ") {
				t.Errorf("Write error %v, want one containing %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("Write wrote %d bytes of an invalid checkpoint", b.Len())
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	data := encode(t, small())
	errFull := errors.New("disk full")
	for _, n := range []int{0, 4, 8, len(data) / 2, len(data) - 1} {
		w := &failingWriter{w: io.Discard, left: n, err: errFull}
		if err := Write(w, small()); !errors.Is(err, errFull) {
			t.Errorf("writer failing after %d bytes: Write returned %v", n, err)
		}
	}
	if err := Write(shortWriter{}, small()); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short writer: Write returned %v", err)
	}
}

func TestLargeDims(t *testing.T) {
	// A shape whose product is 0 may contain a dimension too large for
	// float storage; the byte count must still be computed correctly.
	c := &Checkpoint{}
	c.Add("z", []int{0, math.MaxInt}, nil)
	c.Add("y", []int{math.MaxInt, 0}, nil)
	got, err := readBoth(t, encode(t, c))
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, c, got)
}

// TestFloat32RoundTrip writes F32 and F64 tensors side by side (odd lengths,
// so that an F64 tensor follows an F32 one at a 4-byte offset) and checks
// that F32 values come back as the nearest float32 of what was written,
// exactly, and F64 values bit for bit.
func TestFloat32RoundTrip(t *testing.T) {
	var c Checkpoint
	a := []float64{1.0 / 3, -2.5e-8, 1e30, 0, math.Copysign(0, -1), 123456789.123}
	b := []float64{math.Pi, -1.0 / 7, 5}
	c.AddFloat32("a", []int{2, 3}, a)
	c.Add("b", []int{3}, b)
	c.AddFloat32("c", []int{1}, []float64{math.E})
	var buf bytes.Buffer
	if err := Write(&buf, &c); err != nil {
		t.Fatal(err)
	}
	if want := 8 + 4*6 + 8*3 + 4*1; buf.Len()-8-int(binary.LittleEndian.Uint64(buf.Bytes())) != want-8 {
		t.Errorf("data section of %d bytes, want %d", buf.Len()-8-int(binary.LittleEndian.Uint64(buf.Bytes())), want-8)
	}
	got, err := Read(bytes.NewReader(buf.Bytes()), "mem")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   []float64
		f32  bool
	}{{"a", a, true}, {"b", b, false}, {"c", []float64{math.E}, true}} {
		tt, ok := got.Tensor(tc.name)
		if !ok || tt.Float32 != tc.f32 {
			t.Fatalf("%s: found %v, Float32 %v, want %v", tc.name, ok, tt.Float32, tc.f32)
		}
		for i, x := range tc.in {
			want := x
			if tc.f32 {
				want = float64(float32(x))
			}
			if math.Float64bits(tt.Data[i]) != math.Float64bits(want) {
				t.Errorf("%s[%d] = %v, want %v", tc.name, i, tt.Data[i], want)
			}
		}
	}
	if !strings.Contains(buf.String(), `"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F64","shape":[3],"data_offsets":[24,48]}`) {
		t.Errorf("header: %s", buf.String()[8:200])
	}
	// Saving the loaded checkpoint again gives the same bytes.
	var again bytes.Buffer
	if err := Write(&again, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("a loaded F32 checkpoint written again differs")
	}
}
