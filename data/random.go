package data

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Permutation returns a random permutation of 0..n-1 drawn from rng, or the
// identity permutation if rng is nil. The same rng state gives the same
// permutation.
// It panics if n is negative.
func Permutation(n int, rng *rand.Rand) []int {
	if n < 0 {
		panic("data: negative n")
	}
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	if rng != nil {
		// Fisher–Yates shuffle.
		for i := n - 1; i > 0; i-- {
			j := rng.IntN(i + 1)
			p[i], p[j] = p[j], p[i]
		}
	}
	return p
}

// Minibatches returns the indices 0..n-1, shuffled by rng (in order if rng is
// nil), cut into consecutive batches of the given size; the last batch is
// smaller when size does not divide n. The batches share one backing array
// but have capacity equal to their length.
// It panics if size < 1 or n < 0.
func Minibatches(n, size int, rng *rand.Rand) [][]int {
	if size < 1 {
		panic("data: minibatch size < 1")
	}
	p := Permutation(n, rng)
	batches := make([][]int, 0, (n+size-1)/size)
	for lo := 0; lo < n; lo += size {
		hi := min(lo+size, n)
		batches = append(batches, p[lo:hi:hi])
	}
	return batches
}

// Split divides the documents of c at random into a training and a
// validation corpus. The validation corpus gets round(validFraction*c.Len())
// documents, but at most c.Len()-1, so that the training corpus is not empty
// unless c is. The documents are chosen with rng (the last ones are chosen
// if rng is nil) and each part keeps the order of c. Both parts are made
// with [Corpus.Subset], so they share documents with c.
// It panics if validFraction is not in [0, 1).
func Split(c *Corpus, validFraction float64, rng *rand.Rand) (train, valid *Corpus) {
	if !(validFraction >= 0 && validFraction < 1) {
		panic("data: validation fraction not in [0, 1)")
	}
	n := c.Len()
	nValid := int(math.Round(validFraction * float64(n)))
	if n > 0 {
		nValid = min(nValid, n-1)
	}
	p := Permutation(n, rng)
	trainIdx, validIdx := p[:n-nValid], p[n-nValid:]
	slices.Sort(trainIdx)
	slices.Sort(validIdx)
	return c.Subset(trainIdx), c.Subset(validIdx)
}
