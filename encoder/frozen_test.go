package encoder_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mathx"
	"github.com/amvi/amvi/train"
)

// maxRelDiff returns the largest |a-b| / max(1, |b|) over two equally long
// slices.
func maxRelDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i])/max(1, math.Abs(b[i])))
	}
	return d
}

// randomDocs returns n random valid documents over V words.
func randomDocs(rng *rand.Rand, n, v int) []data.Document {
	docs := make([]data.Document, n)
	for i := range docs {
		var d data.Document
		for w := range v {
			if rng.IntN(4) == 0 {
				d.Words = append(d.Words, w)
				d.Counts = append(d.Counts, 1+rng.IntN(20))
			}
		}
		docs[i] = d
	}
	docs[0] = data.Document{} // a document with no words has a posterior too
	return docs
}

// randomEncoder returns a new encoder of cfg with random biases (New's are
// zero), and its frozen copy.
func randomEncoder(t *testing.T, cfg encoder.Config, rng *rand.Rand) (*encoder.Encoder, *encoder.Frozen) {
	t.Helper()
	enc, err := encoder.New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	for i := range enc.Net.Layers {
		for j := range enc.Net.Layers[i].B {
			enc.Net.Layers[i].B[j] = rng.NormFloat64()
		}
	}
	f, err := encoder.Freeze(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc, f
}

// TestMatchesDenseReference compares every form of the sparse forward pass
// with the dense reference pass over the same weights, for every
// activation, both input transforms, and 0, 1 and 2 hidden layers.
func TestMatchesDenseReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const V, K = 40, 5
	for _, act := range []encoder.Activation{encoder.Tanh, encoder.ReLU, encoder.Sigmoid, encoder.Softplus, encoder.Identity} {
		for _, input := range []encoder.Input{encoder.InputCounts, encoder.InputLog1p} {
			for _, hidden := range [][]int{nil, {7}, {9, 6}} {
				name := fmt.Sprintf("%s/%s/%v", act, input, hidden)
				enc, f := randomEncoder(t, encoder.Config{V: V, K: K, Hidden: hidden, Activation: act, Input: input}, rng)
				docs := randomDocs(rng, 70, V) // more than one internal batch
				want := denseLogits(enc, docs)

				var s encoder.Scratch
				got := make([]float64, len(docs)*K)
				if err := f.BatchLogitsTo(got, docs, &s); err != nil {
					t.Fatal(err)
				}
				if d := maxRelDiff(got, want); d > 1e-13 {
					t.Errorf("%s: BatchLogitsTo differs from the dense pass by %g", name, d)
				}
				wantP := make([]float64, len(want))
				encoder.Probs(wantP, want)
				gotP, err := f.BatchProbabilities(docs)
				if err != nil {
					t.Fatal(err)
				}
				if d := maxRelDiff(slices.Concat(gotP...), wantP); d > 1e-13 {
					t.Errorf("%s: BatchProbabilities differs by %g", name, d)
				}
				codes, err := f.BatchCodes(docs)
				if err != nil {
					t.Fatal(err)
				}
				for i, d := range docs {
					a, err := f.Logits(d)
					if err != nil {
						t.Fatal(err)
					}
					if diff := maxRelDiff(a, want[i*K:(i+1)*K]); diff > 1e-13 {
						t.Errorf("%s: document %d: Logits differs by %g", name, i, diff)
					}
					p, err := f.Probabilities(d)
					if err != nil {
						t.Fatal(err)
					}
					if diff := maxRelDiff(p, wantP[i*K:(i+1)*K]); diff > 1e-13 {
						t.Errorf("%s: document %d: Probabilities differs by %g", name, i, diff)
					}
					c, err := f.Code(d)
					if err != nil {
						t.Fatal(err)
					}
					for j := range c {
						if c[j] != (a[j] > 0) || codes[i][j] != c[j] {
							t.Fatalf("%s: document %d: code %v, batch code %v, logits %v", name, i, c, codes[i], a)
						}
					}
				}
			}
		}
	}
}

// TestMatchesTrainingGraphOn20News trains the default architecture (V=1995,
// 500 tanh units, K=50) for a few steps on 20 Newsgroups documents, reads
// the checkpoint that training writes, and compares the encoder's logits
// and probabilities on held-out documents with those of the Gorgonia
// training graph over the trained weights. The same weights are then
// compared with the log(1+count) input transform.
func TestMatchesTrainingGraphOn20News(t *testing.T) {
	trainC, testC, vocab := news(t)
	cfg := train.DefaultConfig()
	cfg.Epochs, cfg.Batch, cfg.LR, cfg.Samples, cfg.ValidSamples = 1, 8, 1e-2, 2, 1
	sub := make([]int, 40)
	for i := range sub {
		sub[i] = i * 7
	}
	tr, ck := trainBriefly(t, cfg, trainC.Subset(sub), vocab.Words())
	fromCheckpoint, err := encoder.Read(bytes.NewReader(ck), "trained.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	log1p := &encoder.Encoder{Config: tr.Model.Enc.Config, Net: tr.Model.Enc.Net}
	log1p.Config.Input = encoder.InputLog1p
	fromLog1p, err := encoder.Freeze(log1p, vocab.Words())
	if err != nil {
		t.Fatal(err)
	}
	docs := testC.Docs[:300]
	for _, c := range []struct {
		enc *encoder.Encoder
		f   *encoder.Frozen
	}{{tr.Model.Enc, fromCheckpoint}, {log1p, fromLog1p}} {
		f := c.f
		want := graphLogits(t, c.enc, docs)
		got := make([]float64, len(docs)*f.K())
		if err := f.BatchLogitsTo(got, docs, new(encoder.Scratch)); err != nil {
			t.Fatal(err)
		}
		d := maxRelDiff(got, want)
		t.Logf("input %s, %d documents: largest difference from the training graph's logits %.3g (largest |logit| %.3g)",
			f.Config().Input, len(docs), d, math.Max(slices.Max(want), -slices.Min(want)))
		if d > 1e-12 {
			t.Errorf("input %s: logits differ from the training graph's by %g", f.Config().Input, d)
		}
		for i, doc := range docs[:50] {
			p, err := f.Probabilities(doc)
			if err != nil {
				t.Fatal(err)
			}
			for j, pj := range p {
				if w := mathx.Sigmoid(want[i*f.K()+j]); math.Abs(pj-w) > 1e-12 {
					t.Fatalf("input %s: document %d: q(z_%d=1) = %v, training graph %v", f.Config().Input, i, j, pj, w)
				}
			}
		}
	}
}

func TestInvalidDocuments(t *testing.T) {
	enc, err := encoder.New(encoder.Config{V: 10, K: 3, Hidden: []int{4}, Activation: encoder.Tanh, Input: encoder.InputCounts}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := encoder.Freeze(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	good := data.Document{Words: []int{1, 9}, Counts: []int{2, 1}}
	for _, bad := range []data.Document{
		{Words: []int{10}, Counts: []int{1}},
		{Words: []int{-1}, Counts: []int{1}},
		{Words: []int{3}, Counts: []int{0}},
		{Words: []int{3}, Counts: []int{-2}},
		{Words: []int{3, 4}, Counts: []int{1}},
		{Words: []int{4, 3}, Counts: []int{1, 1}},
		{Words: []int{4, 4}, Counts: []int{1, 1}},
	} {
		if _, err := f.Probabilities(bad); !errors.Is(err, encoder.ErrInvalidDocument) {
			t.Errorf("Probabilities(%v): %v, want ErrInvalidDocument", bad, err)
		}
		if _, err := f.Code(bad); !errors.Is(err, encoder.ErrInvalidDocument) {
			t.Errorf("Code(%v): %v", bad, err)
		}
		if _, err := f.SampleCodes(bad, 2, rand.New(rand.NewPCG(1, 1))); !errors.Is(err, encoder.ErrInvalidDocument) {
			t.Errorf("SampleCodes(%v): %v", bad, err)
		}
		dst := []float64{7, 7, 7, 7, 7, 7}
		err := f.BatchProbabilitiesTo(dst, []data.Document{good, bad}, new(encoder.Scratch))
		if !errors.Is(err, encoder.ErrInvalidDocument) || !bytes.Contains([]byte(err.Error()), []byte("document 1:")) {
			t.Errorf("BatchProbabilitiesTo with %v: %v, want an error naming document 1", bad, err)
		}
		if slices.ContainsFunc(dst, func(v float64) bool { return v != 7 }) {
			t.Errorf("BatchProbabilitiesTo changed dst on error: %v", dst)
		}
		if _, err := f.BatchProbabilities([]data.Document{good, good, bad}); err == nil {
			t.Errorf("BatchProbabilities accepted %v", bad)
		}
	}
}

// TestConcurrentUse encodes from many goroutines at once through every
// form, sharing one encoder; run it with -race. Every result must equal the
// sequential one bit for bit.
func TestConcurrentUse(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const V, K = 50, 6
	enc, err := encoder.New(encoder.Config{V: V, K: K, Hidden: []int{16}, Activation: encoder.Tanh, Input: encoder.InputLog1p}, rng)
	if err != nil {
		t.Fatal(err)
	}
	f, err := encoder.Freeze(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	docs := randomDocs(rng, 100, V)
	want := make([]float64, len(docs)*K)
	if err := f.BatchProbabilitiesTo(want, docs, new(encoder.Scratch)); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, what string, i int, got []float64) {
		if !slices.Equal(got, want[i*K:(i+1)*K]) {
			t.Errorf("%s: document %d: %v, sequentially %v", what, i, got, want[i*K:(i+1)*K])
		}
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			var s encoder.Scratch
			p := make([]float64, K)
			for round := range 3 {
				for i := g % 3; i < len(docs); i += 3 {
					switch (g + round) % 4 {
					case 0:
						got, err := f.Probabilities(docs[i])
						if err != nil {
							t.Error(err)
							return
						}
						check(t, "Probabilities", i, got)
					case 1:
						if err := f.ProbabilitiesTo(p, docs[i], &s); err != nil {
							t.Error(err)
							return
						}
						check(t, "ProbabilitiesTo", i, p)
					case 2:
						rows, err := f.BatchProbabilities(docs[i:min(i+40, len(docs))])
						if err != nil {
							t.Error(err)
							return
						}
						for r, row := range rows {
							check(t, "BatchProbabilities", i+r, row)
						}
					case 3:
						got, err := f.Logits(docs[i])
						if err != nil {
							t.Error(err)
							return
						}
						encoder.Probs(got, got)
						check(t, "Logits", i, got)
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestBufferFormsDoNotAllocate pins down the allocation-free forms.
func TestBufferFormsDoNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const V, K = 200, 8
	enc, err := encoder.New(encoder.Config{V: V, K: K, Hidden: []int{32, 16}, Activation: encoder.Tanh, Input: encoder.InputLog1p}, rng)
	if err != nil {
		t.Fatal(err)
	}
	f, err := encoder.Freeze(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	docs := randomDocs(rng, 100, V)
	var s encoder.Scratch
	p := make([]float64, K)
	code := make(encoder.Code, K)
	batch := make([]float64, len(docs)*K)
	for name, fn := range map[string]func(){
		"ProbabilitiesTo":      func() { _ = f.ProbabilitiesTo(p, docs[1], &s) },
		"LogitsTo":             func() { _ = f.LogitsTo(p, docs[2], &s) },
		"CodeTo":               func() { _ = f.CodeTo(code, docs[3], &s) },
		"BatchProbabilitiesTo": func() { _ = f.BatchProbabilitiesTo(batch, docs, &s) },
	} {
		if n := testing.AllocsPerRun(50, fn); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}

// TestSampleCodes checks that SampleCodes draws as encoder.Sample does and
// that bit frequencies follow the probabilities.
func TestSampleCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const V, K = 20, 5
	enc, err := encoder.New(encoder.Config{V: V, K: K, Hidden: []int{8}, Activation: encoder.Tanh, Input: encoder.InputCounts}, rng)
	if err != nil {
		t.Fatal(err)
	}
	f, err := encoder.Freeze(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := data.Document{Words: []int{2, 5, 11}, Counts: []int{1, 3, 2}}
	const S = 4000
	codes, err := f.SampleCodes(doc, S, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Logits(doc)
	z := make([]float64, S*K)
	encoder.Sample(z, a, K, S, rand.New(rand.NewPCG(1, 2)))
	ones := make([]float64, K)
	for s, c := range codes {
		if !slices.Equal(c.Floats(), z[s*K:(s+1)*K]) {
			t.Fatalf("sample %d: %v, encoder.Sample gives %v", s, c.Floats(), z[s*K:(s+1)*K])
		}
		for j, b := range c {
			if b {
				ones[j]++
			}
		}
	}
	p, _ := f.Probabilities(doc)
	for j := range p {
		se := math.Sqrt(p[j] * (1 - p[j]) / S)
		if math.Abs(ones[j]/S-p[j]) > 5*se {
			t.Errorf("bit %d: frequency %.4f, probability %.4f", j, ones[j]/S, p[j])
		}
	}
	if codes, err := f.SampleCodes(doc, 0, rng); err != nil || len(codes) != 0 {
		t.Errorf("0 samples: %v, %v", codes, err)
	}
}

func TestCodeString(t *testing.T) {
	c := encoder.Code{false, true, true, false}
	if s := c.String(); s != "0110" {
		t.Errorf("String() = %q", s)
	}
	if s := string(c.AppendBits([]byte("z="))); s != "z=0110" {
		t.Errorf("AppendBits = %q", s)
	}
}

// TestBatchLogitsParallel: the parallel form gives the sequential logits,
// bit for bit, whatever the number of workers.
func TestBatchLogitsParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const V, K = 40, 5
	enc, err := encoder.New(encoder.Config{V: V, K: K, Hidden: []int{12}, Activation: encoder.Tanh, Input: encoder.InputCounts}, rng)
	if err != nil {
		t.Fatal(err)
	}
	f, err := encoder.Freeze(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	docs := randomDocs(rng, 300, V)
	want := make([]float64, len(docs)*K)
	if err := f.BatchLogitsTo(want, docs, new(encoder.Scratch)); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{0, 1, 3} {
		got := make([]float64, len(docs)*K)
		if err := f.BatchLogitsParallel(got, docs, workers); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("workers=%d: logits differ from BatchLogitsTo's", workers)
		}
	}
	bad := append(slices.Clone(docs[:2]), data.Document{Words: []int{V}, Counts: []int{1}})
	if err := f.BatchLogitsParallel(make([]float64, 3*K), bad, 2); !errors.Is(err, encoder.ErrInvalidDocument) {
		t.Errorf("an invalid document: %v, want ErrInvalidDocument", err)
	}
}

// TestBatchEqualsSingle requires the batch forms, which take documents
// through the layers in blocks, to give each document's logits bit for bit
// as the single-document form does, for any position of the document in
// its block: 0, 1 and 2 hidden layers, widths that are and are not
// multiples of the kernels' blocks, and batches of 1 to 75 documents.
func TestBatchEqualsSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct {
		v, k   int
		hidden []int
	}{
		{40, 5, nil}, {40, 50, []int{13}}, {300, 50, []int{500}}, {60, 9, []int{57, 20}},
	} {
		_, f := randomEncoder(t, encoder.Config{V: c.v, K: c.k, Hidden: c.hidden, Activation: encoder.Tanh, Input: encoder.InputCounts}, rng)
		docs := randomDocs(rng, 75, c.v)
		var s encoder.Scratch
		want := make([]float64, len(docs)*c.k)
		for i, d := range docs {
			if err := f.LogitsTo(want[i*c.k:(i+1)*c.k], d, &s); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range []int{1, 3, 4, 5, 31, 32, 33, 75} {
			for _, lo := range []int{0, 75 - n} {
				got := make([]float64, n*c.k)
				if err := f.BatchLogitsTo(got, docs[lo:lo+n], &s); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want[lo*c.k:(lo+n)*c.k]) {
					t.Errorf("V=%d K=%d hidden=%v: %d documents from %d: the batch's logits differ from the single-document ones", c.v, c.k, c.hidden, n, lo)
				}
			}
		}
		got := make([]float64, len(want))
		if err := f.BatchLogitsParallel(got, docs, 2); err != nil || !slices.Equal(got, want) {
			t.Errorf("V=%d K=%d hidden=%v: BatchLogitsParallel differs from the single-document logits (%v)", c.v, c.k, c.hidden, err)
		}
	}
}
