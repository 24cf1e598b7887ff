package topics

import (
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
)

func TestEffectsOfLinearDecoderAreWeightRows(t *testing.T) {
	const k, v = 4, 7
	dec, err := decoder.New(decoder.Config{K: k, V: v}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	eff := Effects(dec, 0.3, 50, rand.New(rand.NewPCG(3, 4)))
	w := dec.Net.Layers[0].W // K×V: row j is factor j's weights
	for i := range eff {
		if math.Abs(eff[i]-w[i]) > 1e-12 {
			t.Fatalf("factor %d word %d: effect %v, weight %v", i/v, i%v, eff[i], w[i])
		}
	}
}

// TestEffectsOfMLPDecoder holds the sampled effect of an MLP decoder to
// the exact expectation over the prior (the other factors enumerated, each
// state weighted by its prior probability), within 5 standard errors
// measured from the single-sample effects, and checks that the average of
// samples codes is the mean of the single-code effects of the same stream.
// Ignoring the prior's alpha (drawing the other factors with probability
// 1/2) puts 12 of the 18 means beyond 5 standard errors.
func TestEffectsOfMLPDecoder(t *testing.T) {
	const k, v, alpha, n = 3, 6, 0.2, 4000
	dec, err := decoder.New(decoder.Config{K: k, V: v, Hidden: []int{5}, Activation: encoder.Tanh}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range dec.Net.Layers {
		for i := range l.W {
			l.W[i] *= 3 // a strongly nonlinear decoder, whose effects depend on the other factors
		}
	}
	var ws decoder.Workspace
	exact := make([]float64, k*v)
	for j := range k {
		for s := range 1 << k {
			if s>>j&1 == 1 {
				continue
			}
			pr := 1.0
			z := make([]float64, 2*k)
			for i := range k {
				if i == j {
					continue
				}
				if s>>i&1 == 1 {
					pr *= alpha
					z[i], z[k+i] = 1, 1
				} else {
					pr *= 1 - alpha
				}
			}
			z[j] = 1
			eta := dec.Logits(&ws, z)
			for w := range v {
				exact[j*v+w] += pr * (eta[w] - eta[v+w])
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	sum, sq := make([]float64, k*v), make([]float64, k*v)
	for range n {
		e := Effects(dec, alpha, 1, rng)
		for i, x := range e {
			sum[i] += x
			sq[i] += x * x
		}
	}
	all := Effects(dec, alpha, n, rand.New(rand.NewPCG(7, 8)))
	for i := range sum {
		mean := sum[i] / n
		se := math.Sqrt((sq[i]/n - mean*mean) / n)
		if z := math.Abs(mean-exact[i]) / se; z > 5 {
			t.Errorf("factor %d word %d: sampled %v, exact %v (%.1f standard errors)", i/v, i%v, mean, exact[i], z)
		}
		if math.Abs(all[i]-mean) > 1e-9*math.Max(1, math.Abs(mean)) {
			t.Errorf("factor %d word %d: %d samples give %v, their single-code effects average %v", i/v, i%v, n, all[i], mean)
		}
	}
}

func TestTop(t *testing.T) {
	if got := Top([]float64{0.5, 2, -1, 2, 0.5}, 4); !slices.Equal(got, []int{1, 3, 0, 4}) {
		t.Errorf("Top = %v, want [1 3 0 4] (ties by id)", got)
	}
	if got := Top([]float64{1, 2}, 5); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("Top of a short row = %v", got)
	}
}

func TestUsageAndDescribe(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const v, k = 12, 3
	e, err := encoder.New(encoder.Config{V: v, K: k, Hidden: []int{6}, Activation: encoder.Tanh, Input: encoder.InputCounts}, rng)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := encoder.Freeze(e, nil)
	if err != nil {
		t.Fatal(err)
	}
	var docs []data.Document
	for range 200 {
		var d data.Document
		for w := range v {
			if rng.IntN(3) == 0 {
				d.Words, d.Counts = append(d.Words, w), append(d.Counts, 1+rng.IntN(5))
			}
		}
		docs = append(docs, d)
	}
	on, mean, err := Usage(enc, docs)
	if err != nil {
		t.Fatal(err)
	}
	wantOn, wantMean := make([]float64, k), make([]float64, k)
	for _, d := range docs {
		p, _ := enc.Probabilities(d)
		c, _ := enc.Code(d)
		for j := range k {
			if c[j] {
				wantOn[j] += 1.0 / float64(len(docs))
			}
			wantMean[j] += p[j] / float64(len(docs))
		}
	}
	for j := range k {
		if math.Abs(on[j]-wantOn[j]) > 1e-12 || math.Abs(mean[j]-wantMean[j]) > 1e-12 {
			t.Errorf("factor %d: on %v, mean %v; want %v, %v", j, on[j], mean[j], wantOn[j], wantMean[j])
		}
	}
	eff := []float64{
		1, 3, 2, 0, // factor 0
		-1, 0, 5, 4, // factor 1
	}
	fs := Describe(eff, []string{"a", "", "c", "d"}, []float64{0.25, 0.5}, nil, 2, []int{1, 0})
	if len(fs) != 2 || fs[0].Factor != 1 || !slices.Equal(fs[0].Words, []string{"c", "d"}) || !slices.Equal(fs[0].Effect, []float64{5, 4}) ||
		fs[0].On != 0.5 || !math.IsNaN(fs[0].MeanProbability) || !slices.Equal(fs[1].Words, []string{"#2", "c"}) || !slices.Equal(fs[1].IDs, []int{1, 2}) {
		t.Errorf("Describe = %+v", fs)
	}
}

func TestPlotWritesAPNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "topics.png")
	fs := Describe([]float64{1, 3, 2, 0, -1, 0, 5, 4, 2, 2, 1, 0}, []string{"alpha", "beta", "gamma", "delta"}, []float64{0.1, 0.5, 0.9}, nil, 3, nil)
	if err := Plot(fs, "test", path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 200 || b.Dy() < 100 {
		t.Errorf("a %v image", b)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("the PNG's mode: %v, %v (others cannot read it)", st.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d files, want only the PNG", len(entries))
	}
}
