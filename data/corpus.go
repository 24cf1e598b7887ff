package data

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Document is one bag of words. Words holds 0-based vocabulary ids in
// strictly increasing order and Counts[i] >= 1 is the number of times
// Words[i] occurs.
type Document struct {
	Words  []int
	Counts []int
}

// Tokens returns the number of tokens in d, the sum of its counts.
func (d Document) Tokens() int {
	n := 0
	for _, c := range d.Counts {
		n += c
	}
	return n
}

// Corpus is a set of non-empty documents over a vocabulary of V words.
type Corpus struct {
	// Docs holds the documents in input order.
	Docs []Document
	// V is the vocabulary size; every word id is less than V.
	V int
	// Vocab holds the words, or is nil when the format has none.
	// When it is not nil, Vocab.Len() == V.
	Vocab *Vocabulary
	// Labels holds each document's labels, Labels[i] for Docs[i], when
	// the reader was asked for them (FeatOptions.Labels); otherwise nil.
	Labels [][]string
	// SkippedEmpty is the number of documents with no tokens that the
	// reader skipped.
	SkippedEmpty int
	// OOVTokens is the number of tokens that ReadText dropped because
	// they were not in the vocabulary.
	OOVTokens int
	// Source is the name of the input the corpus was read from, or "".
	Source string
}

// Tokens returns the total number of tokens in c.
func (c *Corpus) Tokens() int {
	n := 0
	for _, d := range c.Docs {
		n += d.Tokens()
	}
	return n
}

// Len returns the number of documents in c.
func (c *Corpus) Len() int { return len(c.Docs) }

// Subset returns a corpus holding the documents c.Docs[idx[i]] in the order
// of idx, with their labels when c has labels, the same V, Vocab and Source
// as c and zero SkippedEmpty and OOVTokens. The documents share their Words
// and Counts slices with c. It panics if an index is out of range.
func (c *Corpus) Subset(idx []int) *Corpus {
	docs := make([]Document, len(idx))
	var labels [][]string
	if c.Labels != nil {
		labels = make([][]string, len(idx))
	}
	for i, j := range idx {
		if j < 0 || j >= len(c.Docs) {
			panic("data: index out of range")
		}
		docs[i] = c.Docs[j]
		if labels != nil {
			labels[i] = c.Labels[j]
		}
	}
	return &Corpus{Docs: docs, V: c.V, Vocab: c.Vocab, Labels: labels, Source: c.Source}
}

// FillDense writes the counts of the document c.Docs[idx[i]] into row i of
// dst and zeroes the other elements of the row, so that dst becomes the
// len(idx)×V document-term matrix of the selected documents.
// It panics if dst is not len(idx)×c.V (an empty dst is accepted when idx is
// empty) or if an index is out of range.
func (c *Corpus) FillDense(dst *mat.Dense, idx []int) {
	r, cols := dst.Dims()
	if r != len(idx) || (r > 0 && cols != c.V) {
		panic("data: dst has wrong shape")
	}
	for _, j := range idx {
		if j < 0 || j >= len(c.Docs) {
			panic("data: index out of range")
		}
	}
	if r == 0 {
		return
	}
	raw := dst.RawMatrix()
	for i, j := range idx {
		row := raw.Data[i*raw.Stride : i*raw.Stride+cols]
		clear(row)
		d := c.Docs[j]
		for k, w := range d.Words {
			row[w] = float64(d.Counts[k])
		}
	}
}

// intArena hands out small int slices carved from larger blocks, so that a
// reader makes a few big allocations instead of two per document.
type intArena struct {
	free  []int
	block int // size of the last block
}

// maxArenaBlock is the largest block size; blocks start small and double.
const maxArenaBlock = 1 << 14

// take returns a slice of length and capacity n.
func (a *intArena) take(n int) []int {
	if n > len(a.free) {
		if n >= maxArenaBlock/4 {
			return make([]int, n)
		}
		a.block = min(max(2*a.block, 256), maxArenaBlock)
		a.free = make([]int, max(a.block, n))
	}
	s := a.free[:n:n]
	a.free = a.free[n:]
	return s
}

// entry is one word of a document being read, with the input line it came
// from (for error messages).
type entry struct {
	id, count, line int
}

// docBuilder collects the entries of one document and turns them into a
// Document.
type docBuilder struct {
	entries  []entry
	sorted   bool // entries are in strictly increasing id order
	packable bool // every id and count is at most maxPacked
	minID    int  // the smallest id added
	maxID    int  // the largest id added
	tokens   int
	keys     []uint64
	arena    intArena
	ids      idSet
}

func (b *docBuilder) reset() {
	b.entries = b.entries[:0]
	b.sorted = true
	b.packable = true
	b.tokens = 0
}

// add appends an entry with a 0-based id and count >= 1. It returns
// errOverflow if the document token count would overflow int.
func (b *docBuilder) add(id, count, line int) error {
	t, err := addTokens(b.tokens, count)
	if err != nil {
		return err
	}
	b.tokens = t
	if n := len(b.entries); n == 0 {
		b.minID, b.maxID = id, id
	} else {
		if b.entries[n-1].id >= id {
			b.sorted = false
		}
		b.minID, b.maxID = min(b.minID, id), max(b.maxID, id)
	}
	if id > maxPacked || count > maxPacked {
		b.packable = false
	}
	b.entries = append(b.entries, entry{id, count, line})
	return nil
}

// build sorts the entries and returns them as a Document. If an id occurs
// twice it returns ok false and the duplicated entry, with the later of the
// two lines. Entries whose ids span a range not much wider than their
// number are sorted by marking the ids in a bitmap (idSet), the rest by
// comparisons.
func (b *docBuilder) build() (d Document, dup entry, ok bool) {
	es := b.entries
	d.Words = b.arena.take(len(es))
	d.Counts = b.arena.take(len(es))
	switch {
	case b.sorted:
		for i, e := range es {
			d.Words[i] = e.id
			d.Counts[i] = e.count
		}
		return d, entry{}, true
	case b.ids.sort(d, es, b.minID, b.maxID):
		return d, entry{}, true
	case b.packable:
		// Sort keys id<<32|count, which is much faster than sorting
		// entries with a comparison function.
		keys := b.keys[:0]
		for _, e := range es {
			keys = append(keys, uint64(e.id)<<32|uint64(e.count))
		}
		slices.Sort(keys)
		b.keys = keys
		for i, k := range keys {
			d.Words[i] = int(k >> 32)
			d.Counts[i] = int(k & maxPacked)
		}
	default:
		// Stable, so that second still finds entries in input order.
		slices.SortStableFunc(es, func(x, y entry) int { return cmp.Compare(x.id, y.id) })
		for i, e := range es {
			d.Words[i] = e.id
			d.Counts[i] = e.count
		}
	}
	for i := 1; i < len(d.Words); i++ {
		if d.Words[i] == d.Words[i-1] {
			return Document{}, b.second(d.Words[i]), false
		}
	}
	return d, entry{}, true
}

// maxPacked is the largest id or count that build packs into a sort key.
const maxPacked = 1<<31 - 1

// second returns the second entry in input order with the given id, with
// the largest line number of the entries with that id before it.
func (b *docBuilder) second(id int) entry {
	n := 0
	var e entry
	for _, x := range b.entries {
		if x.id == id {
			e.line = max(e.line, x.line)
			if n++; n == 2 {
				e.id, e.count = x.id, x.count
				return e
			}
		}
	}
	panic("data: internal error: no duplicate")
}

// ErrInvalidDocument is wrapped by the errors of [CheckDocuments].
var ErrInvalidDocument = errors.New("invalid document")

// CheckDocuments reports whether docs fit a model of v words: every
// document has as many counts as word ids, its ids lie in 0..v-1 and
// increase strictly, and its counts are at least 1. The error wraps
// ErrInvalidDocument and names the first document that does not fit, by
// its index in docs.
func CheckDocuments(docs []Document, v int) error {
	for i, d := range docs {
		if len(d.Words) != len(d.Counts) {
			return fmt.Errorf("%w: document %d has %d word ids but %d counts", ErrInvalidDocument, i, len(d.Words), len(d.Counts))
		}
		prev := -1
		for k, w := range d.Words {
			switch c := d.Counts[k]; {
			case w < 0 || w >= v:
				return fmt.Errorf("%w: document %d: word id %d outside 0..%d (V=%d)", ErrInvalidDocument, i, w, v-1, v)
			case w <= prev:
				return fmt.Errorf("%w: document %d: word id %d after %d (ids must increase)", ErrInvalidDocument, i, w, prev)
			case c < 1:
				return fmt.Errorf("%w: document %d: word id %d has count %d (counts must be at least 1)", ErrInvalidDocument, i, w, c)
			}
			prev = w
		}
	}
	return nil
}
