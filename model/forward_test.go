package model

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
)

// TestForwardsAreReused requires repeated NewForward/Close cycles, as
// validation every epoch makes, to keep memory bounded: graphs built anew
// each time stay alive (about 8 MB a cycle here, 246 MB over these 30),
// so closed Forwards are kept and reused.
func TestForwardsAreReused(t *testing.T) {
	m, _ := New(Config{Encoder: encoder.Config{V: 500, K: 20, Hidden: []int{100}, Activation: encoder.Tanh, Input: encoder.InputCounts}, Decoder: decoder.Config{K: 20, V: 500}, Alpha: 0.5}, rand.New(rand.NewPCG(1, 1)))
	docs := make([]data.Document, 64)
	for i := range docs {
		for w := i; w < 500; w += 9 {
			docs[i].Words = append(docs[i].Words, w)
			docs[i].Counts = append(docs[i].Counts, 1)
		}
	}
	{
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapInuse
		for i := 0; i < 30; i++ {
			f := m.NewForward()
			if _, err := f.Logits(docs); err != nil {
				t.Fatal(err)
			}
			z := make([]float64, len(docs)*16*20)
			if _, err := f.LogLik(docs, z, 16); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		grew := (int64(ms.HeapInuse) - int64(before)) >> 20
		t.Logf("heap grew %d MB over 30 forwards", grew)
		if grew > 40 {
			t.Errorf("heap grew %d MB over 30 NewForward/Close cycles: graphs are not reused", grew)
		}
	}
}

func make64() []int {
	t := make([]int, 64)
	for i := range t {
		t[i] = 50
	}
	return t
}

// TestForwardLinearDecoder checks which path Forward.LogLik takes: for a
// float64 model with the linear decoder and binary codes, the graph-free
// decoder.LinearLogLik (whose tests bound its difference from the graph's
// head), bit for bit; for other codes, the graph.
func TestForwardLinearDecoder(t *testing.T) {
	const K, V, S = 10, 60, 16
	m, err := New(Config{Encoder: encoder.Config{V: V, K: K, Hidden: []int{20}, Activation: encoder.Tanh, Input: encoder.InputCounts}, Decoder: decoder.Config{K: K, V: V}, Alpha: 0.5}, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	docs := make([]data.Document, 4)
	for i := range docs {
		for w := i; w < V; w += 3 + i {
			docs[i].Words = append(docs[i].Words, w)
			docs[i].Counts = append(docs[i].Counts, 1+rng.IntN(3))
		}
	}
	z := make([]float64, len(docs)*S*K)
	for i := range z {
		z[i] = float64(rng.IntN(2))
	}
	f := m.NewForward()
	defer f.Close()
	got, err := f.LogLik(docs, z, S)
	if err != nil {
		t.Fatal(err)
	}
	var lin decoder.LinearLogLik
	lin.Compute(m.Dec.Net.Layers[0], docs, z, S)
	for r, ll := range got {
		if ll != lin.LL[r] {
			t.Fatalf("binary codes, row %d: %v, LinearLogLik %v", r, ll, lin.LL[r])
		}
	}
	z[0] = 0.5
	got, err = f.LogLik(docs, z, S)
	if err != nil {
		t.Fatal(err)
	}
	got = append([]float64(nil), got...)
	d, err := newDecGraph(m, len(docs)*S, false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.m.Close()
	copy(d.z, z)
	if err := d.forward(docs, S); err != nil {
		t.Fatal(err)
	}
	want, _ := d.lls()
	for r, ll := range got {
		if ll != want[r] {
			t.Fatalf("a code of 0.5, row %d: %v, the graph's %v", r, ll, want[r])
		}
	}
}
