package encoder_test

import (
	"flag"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/gg"
	"github.com/amvi/amvi/train"
)

var benchCheckpoint = flag.String("bench-checkpoint", "", "also write the benchmarks' model to this checkpoint file (bench/encode.sh hands it to PyTorch)")

// benchModel is the benchmarks' model: the default architecture (V=1995, 500
// tanh units, K=50, count inputs) with the weights training starts from, and
// the 20 Newsgroups test documents.
type benchModel struct {
	enc    *encoder.Encoder
	frozen *encoder.Frozen
	docs   []data.Document
}

var (
	benchOnce sync.Once
	bench     *benchModel
	benchErr  string
)

func loadBench(b *testing.B) *benchModel {
	b.Helper()
	newsDir(b)
	benchOnce.Do(func() {
		benchErr = "setting up the benchmark model failed"
		trainC, testC, vocab := news(b)
		cfg := train.DefaultConfig()
		cfg.V, cfg.Epochs = vocab.Len(), 0
		tr, err := train.New(cfg, b.TempDir(), trainC.Subset([]int{0, 1, 2, 3}), trainC.Subset([]int{4, 5}), vocab.Words())
		if err != nil {
			b.Fatal(err)
		}
		defer tr.Close()
		ck, err := tr.Checkpoint()
		if err != nil {
			b.Fatal(err)
		}
		if *benchCheckpoint != "" {
			if err := checkpoints.Save(*benchCheckpoint, ck); err != nil {
				b.Fatal(err)
			}
		}
		f, err := encoder.FromCheckpoint(ck)
		if err != nil {
			b.Fatal(err)
		}
		bench = &benchModel{enc: tr.Model.Enc, frozen: f, docs: testC.Docs}
		benchErr = ""
	})
	if benchErr != "" {
		b.Fatal(benchErr)
	}
	return bench
}

// gorgoniaForward is the dense Gorgonia forward pass of an encoder over a
// batch of rows documents: the training graph's network (package gg, the
// first layer as one product with [W; b] over inputs with a ones column)
// followed by a sigmoid, compiled without gradients.
type gorgoniaForward struct {
	vm    gorgonia.VM
	probs *gorgonia.Node
	input []float64 // rows×(V+1)
	rows  int
	v     int
}

func newGorgoniaForward(tb testing.TB, enc *encoder.Encoder, rows int) *gorgoniaForward {
	v := enc.Config.V
	g := gorgonia.NewGraph()
	input := make([]float64, rows*(v+1))
	x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(rows, v+1), gorgonia.WithName("input"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(rows, v+1), tensor.WithBacking(input))))
	m, err := gg.BuildMLP(g, enc.Net, x, true, "encoder")
	if err != nil {
		tb.Fatal(err)
	}
	probs, err := gorgonia.Sigmoid(m.Out)
	if err != nil {
		tb.Fatal(err)
	}
	return &gorgoniaForward{vm: gorgonia.NewTapeMachine(g), probs: probs, input: input, rows: rows, v: v}
}

// run encodes up to rows documents (the rest of the batch is empty) and
// returns the probabilities, rows×K, valid until the next run.
func (gf *gorgoniaForward) run(tb testing.TB, docs []data.Document) []float64 {
	clear(gf.input)
	for r := range gf.rows {
		row := gf.input[r*(gf.v+1) : (r+1)*(gf.v+1)]
		row[gf.v] = 1
		if r < len(docs) {
			for i, w := range docs[r].Words {
				row[w] = float64(docs[r].Counts[i])
			}
		}
	}
	if err := gf.vm.RunAll(); err != nil {
		tb.Fatal(err)
	}
	out := gf.probs.Value().Data().([]float64)
	gf.vm.Reset()
	return out
}

// reportDocs reports documents per second and µs per document of wall
// time and, when cpu (the process's CPU time at the start of the loop) is
// not 0, CPU µs per document: on a machine shared with other jobs, this
// shows what the cores the benchmark did get achieved.
func reportDocs(b *testing.B, docsPerOp int, cpu time.Duration) {
	sec := b.Elapsed().Seconds()
	docs := float64(b.N) * float64(docsPerOp)
	b.ReportMetric(docs/sec, "docs/s")
	b.ReportMetric(sec/docs*1e6, "µs/doc")
	if cpu != 0 {
		b.ReportMetric((cpuTime()-cpu).Seconds()/docs*1e6, "cpu-µs/doc")
	}
}

// BenchmarkSingle times one document per call, cycling through the 20
// Newsgroups test set.
func BenchmarkSingle(b *testing.B) {
	m := loadBench(b)
	f := m.frozen
	b.Run("sparse-buffers", func(b *testing.B) {
		var s encoder.Scratch
		p := make([]float64, f.K())
		b.ReportAllocs()
		cpu := cpuTime()
		i := 0
		for b.Loop() {
			if err := f.ProbabilitiesTo(p, m.docs[i], &s); err != nil {
				b.Fatal(err)
			}
			i = (i + 1) % len(m.docs)
		}
		reportDocs(b, 1, cpu)
	})
	b.Run("sparse", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		i := 0
		for b.Loop() {
			if _, err := f.Probabilities(m.docs[i]); err != nil {
				b.Fatal(err)
			}
			i = (i + 1) % len(m.docs)
		}
		reportDocs(b, 1, cpu)
	})
	b.Run("gorgonia-dense", func(b *testing.B) {
		gf := newGorgoniaForward(b, m.enc, 1)
		defer gf.vm.Close()
		b.ReportAllocs()
		cpu := cpuTime()
		i := 0
		for b.Loop() {
			gf.run(b, m.docs[i:i+1])
			i = (i + 1) % len(m.docs)
		}
		reportDocs(b, 1, cpu)
	})
}

// BenchmarkBatch times the whole 20 Newsgroups test set (7,487 documents)
// per operation.
func BenchmarkBatch(b *testing.B) {
	m := loadBench(b)
	f := m.frozen
	dst := make([]float64, len(m.docs)*f.K())
	b.Run("sparse-1-goroutine", func(b *testing.B) {
		var s encoder.Scratch
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			if err := f.BatchProbabilitiesTo(dst, m.docs, &s); err != nil {
				b.Fatal(err)
			}
		}
		reportDocs(b, len(m.docs), cpu)
	})
	b.Run("sparse-all-cores", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			if err := f.BatchProbabilitiesParallel(dst, m.docs, 0); err != nil {
				b.Fatal(err)
			}
		}
		reportDocs(b, len(m.docs), cpu)
	})
	b.Run("gorgonia-dense-256", func(b *testing.B) {
		const rows = 256
		gf := newGorgoniaForward(b, m.enc, rows)
		defer gf.vm.Close()
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			for lo := 0; lo < len(m.docs); lo += rows {
				gf.run(b, m.docs[lo:min(lo+rows, len(m.docs))])
			}
		}
		reportDocs(b, len(m.docs), cpu)
	})
}

// TestGorgoniaForwardAgrees checks that the benchmarks' Gorgonia forward
// pass computes what the sparse encoder does, so that the two are timed
// doing the same work.
func TestGorgoniaForwardAgrees(t *testing.T) {
	_, testC, _ := news(t)
	rng := rand.New(rand.NewPCG(1, 1))
	enc, err := encoder.New(encoder.Config{V: testC.V, K: 10, Hidden: []int{20}, Activation: encoder.Tanh, Input: encoder.InputCounts}, rng)
	if err != nil {
		t.Fatal(err)
	}
	f, err := encoder.Freeze(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	docs := testC.Docs[:40]
	gf := newGorgoniaForward(t, enc, 64)
	defer gf.vm.Close()
	got := gf.run(t, docs)[:len(docs)*10]
	want := make([]float64, len(got))
	if err := f.BatchProbabilitiesTo(want, docs, new(encoder.Scratch)); err != nil {
		t.Fatal(err)
	}
	if d := maxRelDiff(got, want); d > 1e-12 {
		t.Errorf("the benchmarks' Gorgonia pass differs by %g", d)
	}
}
