package data

import "math/bits"

// idSet sorts the distinct ids of a document by marking them in a bitmap
// over the range of ids it uses and reading the marks back in order: a
// pass over the entries and one over the bitmap's words, instead of the
// n·log n branchy comparisons of a sort. A bag of words of 2,000 terms has
// about 50 distinct ids spread over 32 words of 64 bits.
type idSet struct {
	bits []uint64 // bit i set: id lo+i was added; all zero between calls
	pos  []int32  // pos[i]: the entry of id lo+i, valid where its bit is set
}

// maxIDSpan is the widest range of ids, hi−lo+1, that idSet handles: its
// buffers stay below 300 KB.
const maxIDSpan = 1 << 16

// sort writes es, whose ids lie in lo..hi, into d in increasing id order
// and returns true. It returns false, leaving d's contents unspecified,
// when the range is too wide for the bitmap (more than maxIDSpan ids, or
// more than 64 per entry, so that reading the bitmap costs at most a word
// per entry) or when an id occurs twice.
func (s *idSet) sort(d Document, es []entry, lo, hi int) bool {
	span := hi - lo + 1
	if span > maxIDSpan || span > 64*len(es) {
		return false
	}
	words := (span + 63) / 64
	if len(s.bits) < words {
		s.bits = make([]uint64, words)
	}
	if len(s.pos) < span {
		s.pos = make([]int32, span)
	}
	bm := s.bits[:words]
	dup := false
	for k, e := range es {
		i := e.id - lo
		w, m := i/64, uint64(1)<<(i%64)
		dup = dup || bm[w]&m != 0
		bm[w] |= m
		s.pos[i] = int32(k)
	}
	n := 0
	for w, x := range bm {
		if x == 0 {
			continue
		}
		bm[w] = 0 // leave the bitmap clear for the next document
		if dup {
			continue
		}
		for x != 0 {
			i := w*64 + bits.TrailingZeros64(x)
			x &= x - 1
			e := es[s.pos[i]]
			d.Words[n], d.Counts[n] = e.id, e.count
			n++
		}
	}
	return !dup
}
