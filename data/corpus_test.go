package data

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func testCorpus() *Corpus {
	return &Corpus{
		Docs:         []Document{doc(0, 2, 2, 1), doc(1, 4), doc(0, 1, 1, 1, 3, 5)},
		V:            4,
		SkippedEmpty: 2,
		OOVTokens:    1,
		Source:       "test",
	}
}

func TestCorpusTokens(t *testing.T) {
	c := testCorpus()
	if c.Len() != 3 || c.Tokens() != 14 {
		t.Errorf("Len = %d, Tokens = %d; want 3, 14", c.Len(), c.Tokens())
	}
	if n := c.Docs[2].Tokens(); n != 7 {
		t.Errorf("doc 2 Tokens = %d, want 7", n)
	}
	if n := (Document{}).Tokens(); n != 0 {
		t.Errorf("empty document Tokens = %d", n)
	}
	if n := (&Corpus{}).Tokens(); n != 0 {
		t.Errorf("empty corpus Tokens = %d", n)
	}
}

func TestSubset(t *testing.T) {
	c := testCorpus()
	s := c.Subset([]int{2, 0, 2})
	want := []Document{c.Docs[2], c.Docs[0], c.Docs[2]}
	if !docsEqual(s.Docs, want) || s.V != c.V || s.Source != c.Source || s.SkippedEmpty != 0 || s.OOVTokens != 0 {
		t.Errorf("got %+v", s)
	}
	if &s.Docs[0].Words[0] != &c.Docs[2].Words[0] {
		t.Error("Subset copied the document slices")
	}
	if s := c.Subset(nil); s.Len() != 0 {
		t.Errorf("empty subset has %d docs", s.Len())
	}
	for _, idx := range [][]int{{3}, {0, -1}} {
		if v := panics(func() { c.Subset(idx) }); v != "data: index out of range" {
			t.Errorf("Subset(%v) panic = %v", idx, v)
		}
	}
}

func TestFillDense(t *testing.T) {
	c := testCorpus()
	dst := mat.NewDense(2, 4, nil)
	for i := range 2 {
		for j := range 4 {
			dst.Set(i, j, -1) // must be overwritten
		}
	}
	c.FillDense(dst, []int{2, 0})
	want := mat.NewDense(2, 4, []float64{
		1, 1, 0, 5,
		2, 0, 1, 0,
	})
	if !mat.Equal(dst, want) {
		t.Errorf("got\n%v\nwant\n%v", mat.Formatted(dst), mat.Formatted(want))
	}

	// A view with a stride larger than its width: the rest is untouched.
	big := mat.NewDense(3, 6, nil)
	for i := range 3 {
		for j := range 6 {
			big.Set(i, j, 9)
		}
	}
	view := big.Slice(1, 2, 1, 5).(*mat.Dense)
	c.FillDense(view, []int{1})
	wantBig := mat.NewDense(3, 6, []float64{
		9, 9, 9, 9, 9, 9,
		9, 0, 4, 0, 0, 9,
		9, 9, 9, 9, 9, 9,
	})
	if !mat.Equal(big, wantBig) {
		t.Errorf("view: got\n%v\nwant\n%v", mat.Formatted(big), mat.Formatted(wantBig))
	}

	c.FillDense(&mat.Dense{}, nil) // nothing to do

	for _, test := range []struct {
		name string
		dst  *mat.Dense
		idx  []int
		want string
	}{
		{"too few rows", mat.NewDense(1, 4, nil), []int{0, 1}, "data: dst has wrong shape"},
		{"too many columns", mat.NewDense(2, 5, nil), []int{0, 1}, "data: dst has wrong shape"},
		{"empty dst", &mat.Dense{}, []int{0}, "data: dst has wrong shape"},
		{"bad index", mat.NewDense(2, 4, nil), []int{0, 3}, "data: index out of range"},
	} {
		if v := panics(func() { c.FillDense(test.dst, test.idx) }); v != test.want {
			t.Errorf("%s: panic = %v, want %q", test.name, v, test.want)
		}
	}
}

func TestIntArena(t *testing.T) {
	var a intArena
	x := a.take(3)
	y := a.take(2)
	if len(x) != 3 || cap(x) != 3 || len(y) != 2 || cap(y) != 2 {
		t.Fatalf("len/cap %d/%d %d/%d", len(x), cap(x), len(y), cap(y))
	}
	x = append(x, 7) // must not clobber y
	if y[0] != 0 {
		t.Error("append to one slice wrote into the next")
	}
	for _, n := range []int{300, 1000, maxArenaBlock/4 - 1, maxArenaBlock} {
		if z := a.take(n); len(z) != n || cap(z) != n {
			t.Errorf("take(%d): len %d, cap %d", n, len(z), cap(z))
		}
	}
	if z := a.take(0); len(z) != 0 {
		t.Errorf("empty take: len %d", len(z))
	}
}

// TestLargeIDs covers documents whose ids or counts are too large for the
// packed sort keys.
func TestLargeIDs(t *testing.T) {
	if strconv.IntSize < 64 {
		t.Skip("needs 64-bit int")
	}
	c, err := ReadFeat(strings.NewReader("1 3000000000:1 5:4000000000 7:1\n"), "big.feat", FeatOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []Document{doc(4, 4000000000, 6, 1, 2999999999, 1)}; !docsEqual(c.Docs, want) || c.V != 3000000000 {
		t.Errorf("got %v, V = %d", c.Docs, c.V)
	}
	_, err = ReadFeat(strings.NewReader("1 3000000000:1 5:1 3000000000:2\n"), "big.feat", FeatOptions{})
	checkParseError(t, err, "big.feat", 1, "duplicate id 3000000000")

	const docword = "1\n5000000000\n4\n1 4000000000 1\n1 2 5000000000\n1 3 1\n1 4000000000 1\n"
	_, err = ReadUCI(strings.NewReader(docword), "big.txt", nil)
	checkParseError(t, err, "big.txt", 7, "duplicate entry for doc 1 word 4000000000")
}

func TestCheckDocuments(t *testing.T) {
	for _, tc := range []struct {
		doc  Document
		want string // "" for a fitting document
	}{
		{Document{Words: []int{0, 4}, Counts: []int{1, 7}}, ""},
		{Document{}, ""},
		{Document{Words: []int{5}, Counts: []int{1}}, "document 1: word id 5 outside 0..4 (V=5)"},
		{Document{Words: []int{-1}, Counts: []int{1}}, "word id -1 outside"},
		{Document{Words: []int{2, 2}, Counts: []int{1, 1}}, "word id 2 after 2"},
		{Document{Words: []int{2}, Counts: []int{0}}, "count 0"},
		{Document{Words: []int{2}}, "1 word ids but 0 counts"},
	} {
		err := CheckDocuments([]Document{{Words: []int{1}, Counts: []int{1}}, tc.doc}, 5)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.doc, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidDocument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.doc, err, tc.want)
		}
	}
}
