package data

import (
	"errors"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestReadUCI(t *testing.T) {
	vocab3, _ := NewVocabulary([]string{"x", "y", "z"})
	for _, test := range []struct {
		name    string
		input   string
		vocab   *Vocabulary
		want    []Document
		v       int
		skipped int
	}{
		{name: "empty file", input: ""},
		{name: "header only", input: "0\n5\n0\n", v: 5},
		{name: "all empty", input: "3\n5\n0\n", v: 5, skipped: 3},
		{name: "one doc", input: "1\n3\n2\n1 1 2\n1 3 1\n", want: []Document{doc(0, 2, 2, 1)}, v: 3},
		{name: "vocab", input: "1\n3\n1\n1 2 5\n", vocab: vocab3, want: []Document{doc(1, 5)}, v: 3},
		{name: "empty docs", input: "5\n3\n2\n2 1 1\n4 2 1\n", want: []Document{doc(0, 1), doc(1, 1)}, v: 3, skipped: 3},
		{name: "unsorted words", input: "2\n9\n4\n1 9 1\n1 2 2\n2 5 1\n2 1 3\n", want: []Document{doc(1, 2, 8, 1), doc(0, 3, 4, 1)}, v: 9},
		{name: "CRLF no final newline", input: "1\r\n2\r\n1\r\n1 2 1", want: []Document{doc(1, 1)}, v: 2},
		{name: "blank lines and spaces", input: "\n 1 \n2\n\n1\n\t1  2   1 \n\n", want: []Document{doc(1, 1)}, v: 2},
		{name: "max count", input: "1\n1\n1\n1 1 " + strconv.Itoa(math.MaxInt) + "\n", want: []Document{doc(0, math.MaxInt)}, v: 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := ReadUCI(strings.NewReader(test.input), "docword.txt", test.vocab)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !docsEqual(c.Docs, test.want) {
				t.Errorf("docs = %v, want %v", c.Docs, test.want)
			}
			if c.V != test.v || c.SkippedEmpty != test.skipped || c.Vocab != test.vocab || c.Source != "docword.txt" {
				t.Errorf("V = %d, SkippedEmpty = %d, Vocab = %p, Source = %q; want %d, %d, %p, %q",
					c.V, c.SkippedEmpty, c.Vocab, c.Source, test.v, test.skipped, test.vocab, "docword.txt")
			}
			if err := checkCorpus(c); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestReadUCIErrors(t *testing.T) {
	vocab3, _ := NewVocabulary([]string{"x", "y", "z"})
	maxInt := strconv.Itoa(math.MaxInt)
	for _, test := range []struct {
		errCase
		vocab *Vocabulary
	}{
		{errCase: errCase{"missing W", "3\n", 1, "header: missing W"}},
		{errCase: errCase{"missing NNZ", "3\n4\n\n", 3, "header: missing NNZ"}},
		{errCase: errCase{"no header", "1 1 1\n", 1, "header: want a single number D"}},
		{errCase: errCase{"bad D", "x\n", 1, `header: D "x" is not a non-negative integer`}},
		{errCase: errCase{"negative W", "1\n-1\n", 2, `header: W "-1" is not a non-negative integer`}},
		{errCase: errCase{"overflow NNZ", "1\n1\n99999999999999999999\n", 3, "header: NNZ"}},
		{errCase: errCase{"W differs from vocab", "1\n4\n0\n", 2, "W=4 but the vocabulary has 3 words"}, vocab: vocab3},
		{errCase: errCase{"two fields", "1\n3\n1\n1 2\n", 4, "want 3 fields"}},
		{errCase: errCase{"four fields", "1\n3\n1\n1 2 3 4\n", 4, "got more"}},
		{errCase: errCase{"bad docID", "1\n3\n1\na 2 3\n", 4, `docID "a" is not an integer`}},
		{errCase: errCase{"bad wordID", "1\n3\n1\n1 2.0 3\n", 4, `wordID "2.0" is not an integer`}},
		{errCase: errCase{"fractional count", "1\n3\n1\n1 2 1.5\n", 4, `count "1.5" is not an integer`}},
		{errCase: errCase{"count overflow", "1\n3\n1\n1 2 99999999999999999999\n", 4, "count \"99999999999999999999\" overflows int"}},
		{errCase: errCase{"docID zero", "1\n3\n1\n0 2 1\n", 4, "docID 0 out of range 1..1"}},
		{errCase: errCase{"docID past D", "2\n3\n1\n3 2 1\n", 4, "docID 3 out of range 1..2"}},
		{errCase: errCase{"wordID zero", "1\n3\n1\n1 0 1\n", 4, "wordID 0 out of range 1..3"}},
		{errCase: errCase{"wordID past W", "1\n3\n1\n1 4 1\n", 4, "wordID 4 out of range 1..3"}},
		{errCase: errCase{"count zero", "1\n3\n1\n1 1 0\n", 4, "count 0 is not positive"}},
		{errCase: errCase{"count negative", "1\n3\n1\n1 1 -1\n", 4, "count -1 is not positive"}},
		{errCase: errCase{"duplicate", "1\n3\n3\n1 3 1\n1 1 1\n1 3 1\n", 6, "duplicate entry for doc 1 word 3"}},
		{errCase: errCase{"duplicate adjacent", "1\n3\n2\n1 3 1\n1 3 2\n", 5, "duplicate entry for doc 1 word 3"}},
		{errCase: errCase{"docs out of order", "2\n3\n2\n2 1 1\n1 1 1\n", 5, "docID 1 after docID 2"}},
		{errCase: errCase{"too many entries", "1\n3\n1\n1 1 1\n1 2 1\n", 5, "more entries than NNZ=1"}},
		{errCase: errCase{"too few entries", "1\n3\n3\n1 1 1\n1 2 1\n", 0, "header says NNZ=3 but there are 2 entries"}},
		{errCase: errCase{"document overflow", "1\n3\n2\n1 1 " + maxInt + "\n1 2 1\n", 5, "document token count overflows int"}},
		{errCase: errCase{"corpus overflow", "2\n3\n2\n1 1 " + maxInt + "\n2 2 1\n", 5, "corpus token count overflows int"}},
		{errCase: errCase{"NUL", "1\n3\n1\n1 1 1\x00\n", 4, "NUL byte"}},
		{errCase: errCase{"invalid UTF-8", "1\n3\xfe\n", 2, "invalid UTF-8"}},
		{errCase: errCase{"header announces 10⁹ documents", "1000000000\n3\n2\n1 1 1\n2 2 1\n", 1, "header says D=1000000000 documents, but the last docID is 2"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := ReadUCI(strings.NewReader(test.input), "docword.bad", test.vocab)
			if err == nil {
				t.Fatalf("no error, got %d docs", c.Len())
			}
			checkParseError(t, err, "docword.bad", test.line, test.msg)
		})
	}
}

func TestLoadUCI(t *testing.T) {
	want := []Document{doc(0, 2, 2, 1), doc(1, 4, 4, 1, 5, 1), doc(0, 1, 3, 3)}
	for _, vocabPath := range []string{"", fixtures + "vocab.small.txt"} {
		c, err := LoadUCI(fixtures+"docword.small.txt", vocabPath)
		if err != nil {
			t.Fatal(err)
		}
		if !docsEqual(c.Docs, want) || c.V != 6 || c.SkippedEmpty != 1 || c.Tokens() != 13 {
			t.Errorf("vocab %q: got %+v", vocabPath, c)
		}
		if (vocabPath == "") != (c.Vocab == nil) {
			t.Errorf("vocab %q: Vocab = %v", vocabPath, c.Vocab)
		}
	}
	if _, err := LoadUCI(fixtures+"docword.small.txt", fixtures+"missing.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing vocab: error %v is not fs.ErrNotExist", err)
	}
	if _, err := LoadUCI(fixtures+"missing.txt", ""); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing docword: error %v is not fs.ErrNotExist", err)
	}
}
