package model

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
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
// model with the linear decoder and binary codes, the graph-free
// decoder.LinearLogLik (whose tests bound its difference from the graph's
// head), bit for bit, over the float64 weights or a float32 model's float32
// ones widened (changed after narrowing, so that the float64 networks are
// stale); for other codes, the graph. A float32 model's result is also held
// to the float32 graph's: that graph sums each logit's K + 1 terms in
// float32, |δη_j| ≤ K·u·A_j (u = 2⁻²⁴, A_j = |b_j| + Σ_k z_k|W_kj|), and
// takes its exponentials in float32 (each term within (2 + |η_j − m|)·u
// relatively, their sum within 3·V·u), so that per row
//
//	|ΔLL| ≤ K·u·Σ_w x_w A_w + N·(K·u·A_max + 3·V·u),
//
// doubled for LinearLogLik's own float64 rounding and the second-order terms.
func TestForwardLinearDecoder(t *testing.T) {
	const K, V, S = 10, 60, 16
	for _, dt := range []Dtype{Float64, Float32} {
		m, err := New(Config{Encoder: encoder.Config{V: V, K: K, Hidden: []int{20}, Activation: encoder.Tanh, Input: encoder.InputCounts}, Decoder: decoder.Config{K: K, V: V}, Alpha: 0.5}, rand.New(rand.NewPCG(3, 3)))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(4, 4))
		m.SetDtype(dt)
		dec := m.Dec.Net.Layers[0]
		if dt == Float32 {
			l := m.Dec32.Layers[0]
			for i := range l.W {
				l.W[i] *= 3
			}
			for i := range l.B {
				l.B[i] = float32(rng.NormFloat64())
			}
			dec = mlp.NewZero([]int{K, V}, mlp.Identity).Layers[0]
			for i, w := range l.W {
				dec.W[i] = float64(w)
			}
			for i, b := range l.B {
				dec.B[i] = float64(b)
			}
		}
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
		got, err := f.LogLik(docs, z, S)
		if err != nil {
			t.Fatal(err)
		}
		got = append([]float64(nil), got...)
		var lin decoder.LinearLogLik
		lin.Compute(dec, docs, z, S)
		for r, ll := range got {
			if ll != lin.LL[r] {
				t.Fatalf("%v, binary codes, row %d: %v, LinearLogLik %v", dt, r, ll, lin.LL[r])
			}
		}
		graph := func() []float64 {
			d, err := newDecGraph(m, len(docs)*S, false)
			if err != nil {
				t.Fatal(err)
			}
			defer d.m.Close()
			copy(d.z, z)
			if err := d.forward(docs, S); err != nil {
				t.Fatal(err)
			}
			ll, _ := d.lls()
			return append([]float64(nil), ll...)
		}
		if dt == Float32 {
			want := graph()
			const u = 0x1p-24
			for r := range got {
				d := docs[r/S]
				A := func(w int) float64 {
					a := math.Abs(dec.B[w])
					for k := range K {
						a += z[r*K+k] * math.Abs(dec.W[k*V+w])
					}
					return a
				}
				aMax, aWords := 0.0, 0.0
				for j := range V {
					aMax = max(aMax, A(j))
				}
				for i, w := range d.Words {
					aWords += float64(d.Counts[i]) * A(w)
				}
				n := float64(d.Tokens())
				tol := 2 * u * (K*aWords + n*(K*aMax+3*V))
				if !(math.Abs(got[r]-want[r]) <= tol) {
					t.Errorf("float32, row %d: %.17g, the float32 graph's %.17g, within %.3g", r, got[r], want[r], tol)
				}
			}
		}
		z[0] = 0.5
		got, err = f.LogLik(docs, z, S)
		if err != nil {
			t.Fatal(err)
		}
		got = append([]float64(nil), got...)
		want := graph()
		for r, ll := range got {
			if ll != want[r] {
				t.Fatalf("%v, a code of 0.5, row %d: %v, the graph's %v", dt, r, ll, want[r])
			}
		}
		f.Close()
	}
}
