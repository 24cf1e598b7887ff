package hashing

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/amvi/amvi/data"
)

// TFIDF weights a document's word counts by inverse document frequency:
// its vector has x_w·idf_w for each word w it holds x_w times, scaled to
// unit length, with idf_w = log((1+N)/(1+df_w)) + 1, where df_w is the
// number of the N fitted documents that contain w (the smoothed idf of
// scikit-learn's TfidfTransformer; a word no fitted document holds gets
// the largest weight, log(1+N) + 1).
type TFIDF struct {
	IDF []float64 // V weights
}

// FitTFIDF returns the tf-idf weighting of a vocabulary of v words fitted
// on docs, which must be valid documents over it (word ids below v).
func FitTFIDF(docs []data.Document, v int) *TFIDF {
	df := make([]float64, v)
	for _, d := range docs {
		for _, w := range d.Words {
			df[w]++
		}
	}
	n := float64(len(docs))
	for w, f := range df {
		df[w] = math.Log((1+n)/(1+f)) + 1
	}
	return &TFIDF{IDF: df}
}

// Vector writes the tf-idf vector of doc into dst, dst[i] for the word
// doc.Words[i]; an empty document has no values. It panics if len(dst) !=
// len(doc.Words).
func (t *TFIDF) Vector(dst []float64, doc data.Document) {
	if len(dst) != len(doc.Words) {
		panic("hashing: TFIDF.Vector buffer length")
	}
	for i, w := range doc.Words {
		dst[i] = float64(doc.Counts[i]) * t.IDF[w]
	}
	if n := floats.Norm(dst, 2); n > 0 {
		floats.Scale(1/n, dst)
	}
}

// Linear is a linear map of tf-idf vectors to Bits features:
// f(x) = x·W − Offset, with W a V×Bits matrix (row-major, row w word w's
// coefficients). Both baselines are one: [NewLSH] and [FitPCA].
type Linear struct {
	V, Bits int
	W       []float64 // V×Bits
	Offset  []float64 // Bits
}

// Project writes the features of the tf-idf vectors of docs into dst, row i
// (Bits values from i·Bits) for docs[i]. The documents must be valid over
// the map's vocabulary. It panics if len(dst) != len(docs)·Bits.
func (l *Linear) Project(dst []float64, docs []data.Document, t *TFIDF) {
	b := l.Bits
	if len(dst) != len(docs)*b {
		panic(fmt.Sprintf("hashing: Project of %d documents into %d values (Bits=%d)", len(docs), len(dst), b))
	}
	var x []float64
	for i, d := range docs {
		row := dst[i*b : (i+1)*b]
		for j := range row {
			row[j] = -l.Offset[j]
		}
		x = slices.Grow(x[:0], len(d.Words))[:len(d.Words)]
		t.Vector(x, d)
		for k, w := range d.Words {
			floats.AddScaled(row, x[k], l.W[w*b:(w+1)*b])
		}
	}
}

// NewLSH returns random-hyperplane locality-sensitive hashing (Charikar
// 2002) for a vocabulary of v words: Bits directions with independent
// standard normal coordinates drawn from rng, and no offset, so that
// thresholding its features at 0 gives bits whose Hamming distance
// estimates the angle between tf-idf vectors. It panics if v or bits is
// below 1 or rng is nil.
func NewLSH(v, bits int, rng *rand.Rand) *Linear {
	if v < 1 || bits < 1 || rng == nil {
		panic("hashing: NewLSH needs v ≥ 1, bits ≥ 1 and a random source")
	}
	w := make([]float64, v*bits)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	return &Linear{V: v, Bits: bits, W: w, Offset: make([]float64, bits)}
}

// ErrTooManyBits is returned by [FitPCA] when more principal directions
// are asked for than the data has dimensions or documents.
var ErrTooManyBits = errors.New("hashing: more PCA bits than dimensions")

// pcaOversample and pcaIterations are the randomized eigensolver's extra
// directions and power iterations (Halko, Martinsson & Tropp 2011, §4.5).
const (
	pcaOversample = 10
	pcaIterations = 8
)

// FitPCA returns the projection of tf-idf vectors on their bits leading
// principal directions over docs (valid documents over a vocabulary of v
// words), centred on their mean: the features of PCA hashing, which
// thresholds each at its median over the database. The directions come
// from randomized subspace iteration with a Gaussian start drawn from rng
// (bits+10 directions, 6 power iterations of the covariance, which is
// never formed: each product costs two passes over the documents' nonzero
// entries) and the eigendecomposition of the covariance on that subspace
// by gonum's mat.EigenSym; the test holds them to a dense eigensolver's.
// Directions are in decreasing order of variance, each of unit length
// with an arbitrary sign. It returns an error wrapping [ErrTooManyBits]
// if bits exceeds v or the number of documents less one.
// It panics if bits < 1 or rng is nil.
func FitPCA(docs []data.Document, t *TFIDF, v, bits int, rng *rand.Rand) (*Linear, error) {
	if bits < 1 || rng == nil {
		panic("hashing: FitPCA needs bits ≥ 1 and a random source")
	}
	if bits > v || bits > len(docs)-1 {
		return nil, fmt.Errorf("%w: %d bits from %d documents over %d words", ErrTooManyBits, bits, len(docs), v)
	}
	c := newCovariance(docs, t, v)
	l := min(max(2*bits, bits+pcaOversample), v)
	q := make([]float64, v*l) // V×l, row-major
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	y := make([]float64, len(docs)*l)
	cq := make([]float64, v*l)
	for range pcaIterations + 1 {
		c.mul(cq, q, y, l)
		q, cq = cq, q
		orthonormalize(q, v, l)
	}
	// B = Qᵀ C Q, l×l, symmetric.
	c.mul(cq, q, y, l)
	b := mat.NewSymDense(l, nil)
	for i := range l {
		for j := i; j < l; j++ {
			s := 0.0
			for w := range v {
				s += q[w*l+i] * cq[w*l+j]
			}
			b.SetSym(i, j, s)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(b, true) {
		return nil, errors.New("hashing: PCA: the eigendecomposition did not converge")
	}
	var u mat.Dense
	eig.VectorsTo(&u) // columns in increasing order of eigenvalue
	w := make([]float64, v*bits)
	for j := range bits {
		col := l - 1 - j
		for r := range v {
			s := 0.0
			for i := range l {
				s += q[r*l+i] * u.At(i, col)
			}
			w[r*bits+j] = s
		}
	}
	off := make([]float64, bits)
	for r, m := range c.mean {
		if m != 0 {
			floats.AddScaled(off, m, w[r*bits:(r+1)*bits])
		}
	}
	return &Linear{V: v, Bits: bits, W: w, Offset: off}, nil
}

// covariance is the covariance of documents' tf-idf vectors, kept as the
// sparse vectors and their mean.
type covariance struct {
	docs []data.Document
	vals [][]float64 // tf-idf values, beside docs[i].Words
	mean []float64
	v    int
}

func newCovariance(docs []data.Document, t *TFIDF, v int) *covariance {
	c := &covariance{docs: docs, vals: make([][]float64, len(docs)), mean: make([]float64, v), v: v}
	for i, d := range docs {
		x := make([]float64, len(d.Words))
		t.Vector(x, d)
		c.vals[i] = x
		for k, w := range d.Words {
			c.mean[w] += x[k]
		}
	}
	floats.Scale(1/float64(len(docs)), c.mean)
	return c
}

// mul writes C·Q into dst (both V×l, row-major), using y (n×l) for the
// centred projections: C·Q = Xcᵀ (Xc Q) / n = Xᵀ (X Q − 1 μᵀQ) / n, because
// the centred rows sum to zero.
func (c *covariance) mul(dst, q, y []float64, l int) {
	mq := make([]float64, l)
	for w, m := range c.mean {
		if m != 0 {
			floats.AddScaled(mq, m, q[w*l:(w+1)*l])
		}
	}
	for i, d := range c.docs {
		row := y[i*l : (i+1)*l]
		for j := range row {
			row[j] = -mq[j]
		}
		for k, w := range d.Words {
			floats.AddScaled(row, c.vals[i][k], q[w*l:(w+1)*l])
		}
	}
	clear(dst)
	for i, d := range c.docs {
		row := y[i*l : (i+1)*l]
		for k, w := range d.Words {
			floats.AddScaled(dst[w*l:(w+1)*l], c.vals[i][k], row)
		}
	}
	floats.Scale(1/float64(len(c.docs)), dst)
}

// orthonormalize replaces the l columns of q (V×l, row-major) by an
// orthonormal basis of their span, by modified Gram–Schmidt applied twice
// ("twice is enough"). A column that vanishes against the earlier ones is
// replaced by a unit vector orthogonal to them.
func orthonormalize(q []float64, v, l int) {
	cols := make([]float64, v*l) // column j is cols[j·v:(j+1)·v]
	for r := range v {
		for j := range l {
			cols[j*v+r] = q[r*l+j]
		}
	}
	project := func(col []float64, j int) {
		for range 2 {
			for i := range j {
				other := cols[i*v : (i+1)*v]
				floats.AddScaled(col, -floats.Dot(col, other), other)
			}
		}
	}
	for j := range l {
		col := cols[j*v : (j+1)*v]
		n0 := floats.Norm(col, 2)
		project(col, j)
		n := floats.Norm(col, 2)
		for e := 0; !(n > 1e-10*n0) && e < v; e++ { // a basis vector outside the span so far
			clear(col)
			col[e] = 1
			project(col, j)
			n, n0 = floats.Norm(col, 2), 1
		}
		floats.Scale(1/n, col)
	}
	for r := range v {
		for j := range l {
			q[r*l+j] = cols[j*v+r]
		}
	}
}
