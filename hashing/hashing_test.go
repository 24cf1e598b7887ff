package hashing

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/amvi/amvi/data"
)

func bitsOf(s string) []bool {
	z := make([]bool, len(s))
	for i, c := range s {
		z[i] = c == '1'
	}
	return z
}

func TestPackHexAndBit(t *testing.T) {
	for _, tc := range []struct{ bits, hex string }{
		{"1", "8"},
		{"0110", "6"},
		{"01101", "68"},
		{"1111000010100101", "f0a5"},
		{strings.Repeat("0", 63) + "1", "0000000000000001"},
		{strings.Repeat("0", 64) + "11", "0000000000000000c"},
		{"1" + strings.Repeat("0", 68) + "1", "800000000000000004"},
	} {
		z := bitsOf(tc.bits)
		c := NewCodes(1, len(z))
		Pack(c.Code(0), z)
		if got := string(AppendHex(nil, c.Code(0), len(z))); got != tc.hex {
			t.Errorf("%s: hex %s, want %s", tc.bits, got, tc.hex)
		}
		if got := string(AppendBits([]byte("x"), c.Code(0), len(z))); got != "x"+tc.bits {
			t.Errorf("%s: bits %s", tc.bits, got)
		}
		for j, b := range z {
			if c.Bit(0, j) != b {
				t.Errorf("%s: bit %d is %v", tc.bits, j, !b)
			}
		}
		if rem := len(z) % 64; rem != 0 {
			if last := c.Data[len(c.Data)-1]; last&(1<<(64-rem)-1) != 0 {
				t.Errorf("%s: unused low bits set: %x", tc.bits, last)
			}
		}
	}
}

func TestThresholdAndMedians(t *testing.T) {
	x := []float64{
		-1, 5, 0.2,
		2, 1, 0.1,
		3, 0, -0.3,
		0, -2, 0.4,
	}
	m := Medians(x, 3)
	if want := []float64{1, 0.5, 0.15}; !floats.EqualApprox(m, want, 1e-15) {
		t.Fatalf("Medians = %v, want %v", m, want)
	}
	if got := Medians(x[:9], 3); !slices.Equal(got, []float64{2, 1, 0.1}) {
		t.Errorf("odd Medians = %v", got)
	}
	c := NewCodes(4, 3)
	Threshold(c, x, m)
	var got []string
	for i := range 4 {
		got = append(got, string(AppendHex(nil, c.Code(i), 3)))
	}
	// Rows against (1, 0.5, 0.15): 011, 110, 100, 001.
	if want := []string{"6", "c", "8", "2"}; !slices.Equal(got, want) {
		t.Errorf("Threshold at medians: %v, want %v", got, want)
	}
	Threshold(c, x, nil)
	got = got[:0]
	for i := range 4 {
		got = append(got, string(AppendHex(nil, c.Code(i), 3)))
	}
	// At zero (strictly above): 011, 111, 100, 001.
	if want := []string{"6", "e", "8", "2"}; !slices.Equal(got, want) {
		t.Errorf("Threshold at 0: %v, want %v", got, want)
	}
}

// TestThresholdMatchesPack holds Threshold to Pack of the bits x > t (or
// x > 0) one by one, for codes of one word, a word exactly and several
// words, with values on either side of the thresholds, at them, and NaN.
func TestThresholdMatchesPack(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{1, 5, 63, 64, 65, 128, 130} {
		const n = 7
		x := make([]float64, n*k)
		for i := range x {
			x[i] = []float64{rng.NormFloat64(), 0, math.NaN(), -0.0}[min(rng.IntN(8), 3)]
		}
		th := make([]float64, k)
		for j := range th {
			th[j] = rng.NormFloat64()
			if j%3 == 0 {
				x[j] = th[j] // a value at its threshold is off
			}
		}
		for _, tt := range [][]float64{nil, th} {
			c := NewCodes(n, k)
			for i := range c.Data {
				c.Data[i] = ^uint64(0) // Threshold overwrites every word
			}
			Threshold(c, x, tt)
			want := NewCodes(n, k)
			for i := range n {
				z := make([]bool, k)
				for j := range z {
					if tt == nil {
						z[j] = x[i*k+j] > 0
					} else {
						z[j] = x[i*k+j] > tt[j]
					}
				}
				Pack(want.Code(i), z)
			}
			if !slices.Equal(c.Data, want.Data) {
				t.Errorf("K=%d, thresholds %v: Threshold %x, Pack %x", k, tt != nil, c.Data, want.Data)
			}
		}
	}
}

// bruteForce ranks every code by distance, stably, and keeps the first k.
func bruteForce(db *Codes, q []uint64, k int) []Neighbor {
	all := make([]Neighbor, db.Len())
	for i := range all {
		d := 0
		for j := range db.Bits {
			if db.Bit(i, j) != (q[j/64]>>(63-j%64)&1 == 1) {
				d++
			}
		}
		all[i] = Neighbor{i, d}
	}
	slices.SortStableFunc(all, func(a, b Neighbor) int { return cmp.Compare(a.Distance, b.Distance) })
	return all[:min(k, len(all))]
}

func randomCodes(rng *rand.Rand, n, bits int) *Codes {
	c := NewCodes(n, bits)
	z := make([]bool, bits)
	for i := range n {
		for j := range z {
			z[j] = rng.IntN(2) == 1
		}
		Pack(c.Code(i), z)
	}
	return c
}

// TestSearchMatchesBruteForce holds the heap search to a stable sort of all
// distances, with few bits (many ties, so the tie rule matters) and codes
// of one, two and three words.
func TestSearchMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, bits, k int }{
		{1, 3, 1}, {50, 3, 10}, {50, 3, 0}, {50, 2, 60}, {300, 8, 37}, {500, 64, 20},
		{400, 65, 33}, {200, 130, 7}, {1000, 5, 100},
	} {
		db := randomCodes(rng, tc.n, tc.bits)
		qs := randomCodes(rng, 20, tc.bits)
		all := SearchAll(db, qs, tc.k)
		for i := range qs.Len() {
			want := bruteForce(db, qs.Code(i), tc.k)
			got := Search(nil, db, qs.Code(i), tc.k)
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d bits=%d k=%d query %d:\n got %v\nwant %v", tc.n, tc.bits, tc.k, i, got, want)
			}
			if !slices.Equal(all[i], want) {
				t.Fatalf("SearchAll n=%d bits=%d k=%d query %d differs from the brute force", tc.n, tc.bits, tc.k, i)
			}
		}
	}
}

func TestSearchAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	db := randomCodes(rng, 1000, 64)
	q := randomCodes(rng, 1, 64).Code(0)
	buf := make([]Neighbor, 0, 100)
	if a := testing.AllocsPerRun(20, func() { buf = Search(buf, db, q, 100) }); a != 0 {
		t.Errorf("Search allocates %v times per call", a)
	}
}

func TestDistance(t *testing.T) {
	if d := Distance([]uint64{0b1011, 1 << 63}, []uint64{0b0110, 0}); d != 4 {
		t.Errorf("Distance = %d, want 4", d)
	}
}

func TestPrecision(t *testing.T) {
	db := [][]string{{"a"}, {"b"}, {"a", "c"}, {"c"}}
	q := [][]string{{"a"}, {"c", "d"}, {"e"}}
	res := [][]Neighbor{
		{{0, 0}, {1, 1}, {2, 1}, {3, 2}}, // a: docs 0 and 2 relevant: 1/2
		{{3, 0}, {2, 0}},                 // c,d: both: 1
		{{0, 0}},                         // e: none: 0
	}
	if got, want := Precision(res, q, db), (0.5+1+0)/3; math.Abs(got-want) > 1e-15 {
		t.Errorf("Precision = %v, want %v", got, want)
	}
	if Precision(nil, nil, db) != 0 {
		t.Error("Precision of no queries is not 0")
	}
}

func TestTFIDF(t *testing.T) {
	docs := []data.Document{{Words: []int{0, 1}, Counts: []int{2, 1}}, {Words: []int{1}, Counts: []int{3}}}
	tf := FitTFIDF(docs, 3)
	idf := []float64{math.Log(3.0/2) + 1, 1, math.Log(3) + 1}
	if !floats.EqualApprox(tf.IDF, idf, 1e-15) {
		t.Fatalf("IDF = %v, want %v", tf.IDF, idf)
	}
	x := make([]float64, 2)
	tf.Vector(x, docs[0])
	n := math.Hypot(2*idf[0], idf[1])
	if want := []float64{2 * idf[0] / n, idf[1] / n}; !floats.EqualApprox(x, want, 1e-15) {
		t.Errorf("Vector = %v, want %v", x, want)
	}
}

// TestLSHEstimatesAngle checks the defining property of random-hyperplane
// LSH: two vectors at angle θ differ in a fraction θ/π of the bits, within
// 5 binomial standard errors. Planes drawn from a uniform instead of a
// normal distribution would fail (their projections are not rotation
// invariant in 2 dimensions).
func TestLSHEstimatesAngle(t *testing.T) {
	const bits = 20000
	l := NewLSH(2, bits, rand.New(rand.NewPCG(5, 6)))
	tf := &TFIDF{IDF: []float64{1, 1}}
	for _, doc := range []data.Document{
		{Words: []int{0, 1}, Counts: []int{1, 1}},
		{Words: []int{0, 1}, Counts: []int{1, 3}},
		{Words: []int{1}, Counts: []int{1}},
	} {
		base := data.Document{Words: []int{0}, Counts: []int{1}}
		x := make([]float64, 2*bits)
		l.Project(x, []data.Document{base, doc}, tf)
		c := NewCodes(2, bits)
		Threshold(c, x, nil)
		v := make([]float64, 2)
		for i, w := range doc.Words {
			v[w] = float64(doc.Counts[i])
		}
		p := math.Atan2(v[1], v[0]) / math.Pi
		got := float64(Distance(c.Code(0), c.Code(1))) / bits
		if se := math.Sqrt(p * (1 - p) / bits); math.Abs(got-p) > 5*se {
			t.Errorf("doc %v: %.4f of the bits differ, want θ/π = %.4f (se %.4f)", doc, got, p, se)
		}
	}
}

// randomCorpus returns n documents over v words whose counts follow a few
// topics, so that the covariance has a clear leading spectrum.
func randomCorpus(rng *rand.Rand, n, v int) []data.Document {
	docs := make([]data.Document, n)
	for i := range docs {
		topic := rng.IntN(4)
		counts := make([]int, v)
		for range 5 + rng.IntN(30) {
			w := rng.IntN(v)
			if rng.Float64() < 0.7 {
				w = topic*v/4 + rng.IntN(v/4)
			}
			counts[w]++
		}
		for w, c := range counts {
			if c > 0 {
				docs[i].Words = append(docs[i].Words, w)
				docs[i].Counts = append(docs[i].Counts, c)
			}
		}
	}
	return docs
}

// TestPCAMatchesDenseEigensolver compares the randomized principal
// directions with the eigenvectors of the dense covariance from gonum's
// mat.EigenSym: unit and orthogonal directions, features centred over the
// fitted documents (the offset), the same variances (Rayleigh quotients)
// to 1e-9 relative where the spectrum has gaps (the 3 directions of 4
// topics), and where it does not (3 more directions in the flat noise
// spectrum, where subspace iteration converges slowly) a total variance
// within 1e-3 of the largest possible.
func TestPCAMatchesDenseEigensolver(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, v = 400, 40
	docs := randomCorpus(rng, n, v)
	tf := FitTFIDF(docs, v)
	x := mat.NewDense(n, v, nil)
	for i, d := range docs {
		vals := make([]float64, len(d.Words))
		tf.Vector(vals, d)
		for k, w := range d.Words {
			x.Set(i, w, vals[k])
		}
	}
	var cov mat.SymDense
	covarianceOf(x, &cov)
	var eig mat.EigenSym
	if !eig.Factorize(&cov, false) {
		t.Fatal("EigenSym failed")
	}
	vals := eig.Values(nil)
	slices.Reverse(vals)
	for _, tc := range []struct {
		bits           int
		each, totalTol float64
	}{{3, 1e-9, 1e-9}, {6, math.Inf(1), 1e-3}} {
		p, err := FitPCA(docs, tf, v, tc.bits, rng)
		if err != nil {
			t.Fatal(err)
		}
		w := mat.NewDense(v, tc.bits, p.W)
		var wtw mat.Dense
		wtw.Mul(w.T(), w)
		if !mat.EqualApprox(&wtw, eye(tc.bits), 1e-12) {
			t.Errorf("bits=%d: directions are not orthonormal: %v", tc.bits, mat.Formatted(&wtw))
		}
		var cw, wcw mat.Dense
		cw.Mul(&cov, w)
		wcw.Mul(w.T(), &cw)
		got, want := 0.0, 0.0
		for j := range tc.bits {
			if g := wcw.At(j, j); math.Abs(g-vals[j]) > tc.each*vals[j] {
				t.Errorf("bits=%d direction %d: variance %.12g, the dense eigenvalue %.12g", tc.bits, j, g, vals[j])
			}
			got += wcw.At(j, j)
			want += vals[j]
		}
		if got < want*(1-tc.totalTol) {
			t.Errorf("bits=%d: total variance %.12g, the dense eigenvalues' %.12g", tc.bits, got, want)
		}
		f := make([]float64, n*tc.bits)
		p.Project(f, docs, tf)
		for j := range tc.bits {
			s := 0.0
			for i := range n {
				s += f[i*tc.bits+j]
			}
			if math.Abs(s/n) > 1e-12 {
				t.Errorf("bits=%d: feature %d has mean %g over the fitted documents", tc.bits, j, s/n)
			}
		}
	}
	t.Logf("leading eigenvalues %.5g", vals[:8])
	if _, err := FitPCA(docs, tf, v, v+1, rng); err == nil {
		t.Error("FitPCA with more bits than words: no error")
	}
}

// covarianceOf is the population covariance (divided by n) of x's rows.
func covarianceOf(x *mat.Dense, dst *mat.SymDense) {
	n, v := x.Dims()
	mean := make([]float64, v)
	for j := range v {
		mean[j] = floats.Sum(mat.Col(nil, j, x)) / float64(n)
	}
	c := mat.NewDense(n, v, nil)
	c.Apply(func(i, j int, val float64) float64 { return val - mean[j] }, x)
	dst.SymOuterK(1/float64(n), c.T())
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := range n {
		m.Set(i, i, 1)
	}
	return m
}
