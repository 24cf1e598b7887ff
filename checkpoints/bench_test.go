package checkpoints

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
)

// bench20MB returns a checkpoint with 20 MiB of data in a few tensors of
// realistic shapes.
func bench20MB() *Checkpoint {
	c := &Checkpoint{Metadata: map[string]string{"config": `{"V":2048,"K":1024}`}}
	c.Add("encoder.layers.0.weight", []int{2048, 1024}, seq(2048*1024))
	c.Add("encoder.layers.0.bias", []int{1024}, seq(1024))
	c.Add("decoder.weight", []int{1024, 511}, seq(1024*511))
	c.Add("decoder.bias", []int{1024}, seq(1024))
	return c
}

func dataBytes(c *Checkpoint) int64 {
	var n int64
	for _, t := range c.Tensors {
		n += 8 * int64(len(t.Data))
	}
	return n
}

func BenchmarkSave(b *testing.B) {
	c := bench20MB()
	path := filepath.Join(b.TempDir(), "bench.safetensors")
	b.SetBytes(dataBytes(c))
	b.ReportAllocs()
	for b.Loop() {
		if err := Save(path, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	c := bench20MB()
	path := filepath.Join(b.TempDir(), "bench.safetensors")
	if err := Save(path, c); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(dataBytes(c))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	c := bench20MB()
	b.SetBytes(dataBytes(c))
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadStream(b *testing.B) {
	data := encode(b, bench20MB())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(unsized{bytes.NewReader(data)}, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
