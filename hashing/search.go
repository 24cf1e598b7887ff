package hashing

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"

	"github.com/amvi/amvi/internal/par"
)

// Neighbor is a database code found by a search: its index in the
// database and its Hamming distance to the query.
type Neighbor struct {
	Index, Distance int
}

// Distance returns the Hamming distance between two codes of the same
// number of words: the number of bits in which they differ.
// It panics if their lengths differ.
func Distance(a, b []uint64) int {
	if len(a) != len(b) {
		panic(fmt.Sprintf("hashing: Distance of codes of %d and %d words", len(a), len(b)))
	}
	d := 0
	for i, x := range a {
		d += bits.OnesCount64(x ^ b[i])
	}
	return d
}

// Search returns the min(k, db.Len()) codes of db nearest to the query q
// in Hamming distance, nearest first, in dst's memory (dst[:0], grown if
// it is too short). Codes at the same distance come in database order, so
// of several codes at the distance of the k-th only the first ones are
// kept: the result is the first k of db's indices sorted stably by
// distance. It scans db once, computing each distance with
// math/bits.OnesCount64 and keeping the best k in a bounded max-heap, and
// allocates nothing when cap(dst) ≥ k. It panics if k < 0 or q does not
// have db's number of words.
func Search(dst []Neighbor, db *Codes, q []uint64, k int) []Neighbor {
	w := db.Words()
	if k < 0 || len(q) != w {
		panic(fmt.Sprintf("hashing: Search for %d neighbours with a query of %d words in codes of %d", k, len(q), w))
	}
	k = min(k, db.Len())
	h := dst[:0]
	if cap(h) < k {
		h = make([]Neighbor, 0, k)
	}
	if k == 0 {
		return h
	}
	if w == 1 {
		h = scan1(h, db.Data, q[0], k)
	} else {
		h = scan(h, db.Data, q, k)
	}
	slices.SortFunc(h, func(a, b Neighbor) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Index, b.Index))
	})
	return h
}

// scan1 is the search loop for codes of one word.
func scan1(h []Neighbor, data []uint64, q uint64, k int) []Neighbor {
	i := 0
	for ; i < len(data) && len(h) < k; i++ {
		h = append(h, Neighbor{i, bits.OnesCount64(data[i] ^ q)})
		up(h, len(h)-1)
	}
	worst := h[0].Distance
	// Four codes at a time: one well-predicted branch for the four in the
	// common case that none is nearer than the worst kept.
	for ; i+4 <= len(data); i += 4 {
		c := data[i : i+4 : i+4]
		d0, d1 := bits.OnesCount64(c[0]^q), bits.OnesCount64(c[1]^q)
		d2, d3 := bits.OnesCount64(c[2]^q), bits.OnesCount64(c[3]^q)
		if min(d0, d1, d2, d3) >= worst {
			continue
		}
		for j, d := range [4]int{d0, d1, d2, d3} {
			if d < worst {
				h[0] = Neighbor{i + j, d}
				down(h)
				worst = h[0].Distance
			}
		}
	}
	for ; i < len(data); i++ {
		// A later code at the worst distance loses the tie: only a
		// strictly nearer one enters.
		if d := bits.OnesCount64(data[i] ^ q); d < worst {
			h[0] = Neighbor{i, d}
			down(h)
			worst = h[0].Distance
		}
	}
	return h
}

// scan is the search loop for codes of any length.
func scan(h []Neighbor, data, q []uint64, k int) []Neighbor {
	w := len(q)
	n := len(data) / w
	i := 0
	for ; i < n && len(h) < k; i++ {
		h = append(h, Neighbor{i, Distance(data[i*w:(i+1)*w], q)})
		up(h, len(h)-1)
	}
	worst := h[0].Distance
	for ; i < n; i++ {
		c := data[i*w : (i+1)*w : (i+1)*w]
		d := 0
		for j, x := range c {
			d += bits.OnesCount64(x ^ q[j])
		}
		if d < worst {
			h[0] = Neighbor{i, d}
			down(h)
			worst = h[0].Distance
		}
	}
	return h
}

// worse orders the heap: the farther neighbour, and of two at the same
// distance the later one, is worse.
func worse(a, b Neighbor) bool {
	return a.Distance > b.Distance || a.Distance == b.Distance && a.Index > b.Index
}

// up restores the max-heap property after h[i] was appended.
func up(h []Neighbor, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// down restores the max-heap property after h[0] was replaced.
func down(h []Neighbor) {
	i, n := 0, len(h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if r := c + 1; r < n && worse(h[r], h[c]) {
			c = r
		}
		if !worse(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// SearchAll runs [Search] for every query code on all cores and returns
// result i for query i; the results share one allocation. It panics if k <
// 0 or the codes' lengths differ.
func SearchAll(db, queries *Codes, k int) [][]Neighbor {
	if db.Bits != queries.Bits {
		panic(fmt.Sprintf("hashing: SearchAll of %d-bit queries in %d-bit codes", queries.Bits, db.Bits))
	}
	if k < 0 {
		panic("hashing: SearchAll with k < 0")
	}
	n := queries.Len()
	kk := min(k, db.Len())
	flat := make([]Neighbor, n*kk)
	res := make([][]Neighbor, n)
	par.For(n, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			res[i] = Search(flat[i*kk:i*kk:(i+1)*kk], db, queries.Code(i), kk)
		}
	})
	return res
}

// Precision returns the precision of the rankings results (one per query,
// as [SearchAll] returns them) averaged over the queries: the fraction of
// each query's retrieved documents that are relevant, a document being
// relevant exactly when it shares at least one label with the query. A
// query's precision is over the documents retrieved for it, k of them
// unless the database has fewer. It returns 0 for no queries and panics if
// the lengths do not match or an index lies outside dbLabels.
func Precision(results [][]Neighbor, queryLabels, dbLabels [][]string) float64 {
	if len(results) != len(queryLabels) {
		panic(fmt.Sprintf("hashing: Precision of %d results for %d queries", len(results), len(queryLabels)))
	}
	if len(results) == 0 {
		return 0
	}
	sum := 0.0
	for q, res := range results {
		if len(res) == 0 {
			continue
		}
		hits := 0
		for _, nb := range res {
			if sharesLabel(queryLabels[q], dbLabels[nb.Index]) {
				hits++
			}
		}
		sum += float64(hits) / float64(len(res))
	}
	return sum / float64(len(results))
}

// sharesLabel reports whether a and b have a label in common.
func sharesLabel(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
