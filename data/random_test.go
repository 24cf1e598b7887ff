package data

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// isPerm reports whether p holds each of 0..n-1 exactly once.
func isPerm(p []int, n int) bool {
	if len(p) != n {
		return false
	}
	seen := make([]bool, n)
	for _, i := range p {
		if i < 0 || i >= n || seen[i] {
			return false
		}
		seen[i] = true
	}
	return true
}

func TestPermutation(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 1000} {
		p := Permutation(n, newRand(3))
		if !isPerm(p, n) {
			t.Errorf("n=%d: %v is not a permutation", n, p)
		}
		if q := Permutation(n, newRand(3)); !slices.Equal(p, q) {
			t.Errorf("n=%d: same seed, different permutations", n)
		}
		if id := Permutation(n, nil); !slices.IsSorted(id) || !isPerm(id, n) {
			t.Errorf("n=%d: nil rng gives %v", n, id)
		}
	}
	if slices.Equal(Permutation(1000, newRand(1)), Permutation(1000, newRand(2))) {
		t.Error("different seeds give the same permutation")
	}
	if slices.IsSorted(Permutation(1000, newRand(1))) {
		t.Error("permutation is not shuffled")
	}
	if panics(func() { Permutation(-1, nil) }) == nil {
		t.Error("no panic for n < 0")
	}
}

func TestPermutationUniform(t *testing.T) {
	// Each of the 6 permutations of 3 items should appear about 1/6 of
	// the time.
	const trials = 60000
	rng := newRand(7)
	freq := make(map[[3]int]int)
	for range trials {
		p := Permutation(3, rng)
		freq[[3]int(p)]++
	}
	if len(freq) != 6 {
		t.Fatalf("%d distinct permutations", len(freq))
	}
	for p, f := range freq {
		if f < trials/6-600 || f > trials/6+600 { // about 6 standard deviations
			t.Errorf("permutation %v: %d times of %d", p, f, trials)
		}
	}
}

func TestMinibatches(t *testing.T) {
	for _, test := range []struct {
		n, size int
		lens    []int
	}{
		{0, 3, nil},
		{1, 3, []int{1}},
		{6, 3, []int{3, 3}},
		{7, 3, []int{3, 3, 1}},
		{5, 10, []int{5}},
		{4, 1, []int{1, 1, 1, 1}},
	} {
		for _, rng := range []*rand.Rand{nil, newRand(5)} {
			bs := Minibatches(test.n, test.size, rng)
			var lens []int
			var all []int
			for _, b := range bs {
				lens = append(lens, len(b))
				if cap(b) != len(b) {
					t.Errorf("n=%d size=%d: batch cap %d > len %d", test.n, test.size, cap(b), len(b))
				}
				all = append(all, b...)
			}
			if !slices.Equal(lens, test.lens) || !isPerm(all, test.n) {
				t.Errorf("n=%d size=%d: batches %v", test.n, test.size, bs)
			}
			if rng == nil && !slices.IsSorted(all) {
				t.Errorf("n=%d size=%d: nil rng shuffled: %v", test.n, test.size, bs)
			}
		}
	}
	a := Minibatches(100, 7, newRand(9))
	b := Minibatches(100, 7, newRand(9))
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Error("same seed, different batches")
	}
	for _, size := range []int{0, -1} {
		if panics(func() { Minibatches(10, size, nil) }) == nil {
			t.Errorf("no panic for size %d", size)
		}
	}
}

func TestSplit(t *testing.T) {
	c := &Corpus{V: 1, Source: "s"}
	for i := range 100 {
		c.Docs = append(c.Docs, doc(0, i+1)) // doc i has i+1 tokens
	}
	for _, test := range []struct {
		n      int
		frac   float64
		nValid int
	}{
		{100, 0, 0},
		{100, 0.1, 10},
		{100, 0.25, 25},
		{100, 0.123, 12},
		{100, 0.999, 99}, // train keeps one document
		{3, 0.5, 2},
		{1, 0.9, 0},
		{0, 0.5, 0},
	} {
		sub := c.Subset(Permutation(test.n, nil))
		train, valid := Split(sub, test.frac, newRand(11))
		if valid.Len() != test.nValid || train.Len() != test.n-test.nValid {
			t.Errorf("n=%d frac=%v: %d train, %d valid; want %d valid", test.n, test.frac, train.Len(), valid.Len(), test.nValid)
		}
		// Every document exactly once, each part in corpus order.
		var idx []int
		for _, part := range []*Corpus{train, valid} {
			var pidx []int
			for _, d := range part.Docs {
				pidx = append(pidx, d.Counts[0]-1)
			}
			if !slices.IsSorted(pidx) {
				t.Errorf("n=%d frac=%v: part not in corpus order: %v", test.n, test.frac, pidx)
			}
			if part.V != 1 || part.Source != "s" {
				t.Errorf("part V = %d, Source = %q", part.V, part.Source)
			}
			idx = append(idx, pidx...)
		}
		if !isPerm(idx, test.n) {
			t.Errorf("n=%d frac=%v: documents %v", test.n, test.frac, idx)
		}
	}

	t1, v1 := Split(c, 0.3, newRand(4))
	t2, v2 := Split(c, 0.3, newRand(4))
	if !docsEqual(t1.Docs, t2.Docs) || !docsEqual(v1.Docs, v2.Docs) {
		t.Error("same seed, different splits")
	}
	_, v3 := Split(c, 0.3, newRand(5))
	if docsEqual(v1.Docs, v3.Docs) {
		t.Error("different seeds, same split")
	}
	_, vn := Split(c, 0.3, nil)
	if vn.Docs[0].Counts[0] != 71 {
		t.Errorf("nil rng: first valid doc is %d, want the last 30", vn.Docs[0].Counts[0]-1)
	}
	for _, frac := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if panics(func() { Split(c, frac, nil) }) == nil {
			t.Errorf("no panic for fraction %v", frac)
		}
	}
}
