package data

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fixtures is the directory of the small test inputs.
const fixtures = "../testdata/data/"

// checkCorpus reports a violation of the Corpus invariants: every document is
// non-empty, its ids are in [0, V) and strictly increasing, its counts are
// >= 1, and the token total does not overflow.
func checkCorpus(c *Corpus) error {
	if c.V < 0 {
		return fmt.Errorf("V = %d", c.V)
	}
	if c.Vocab != nil && c.Vocab.Len() != c.V {
		return fmt.Errorf("Vocab.Len() = %d, V = %d", c.Vocab.Len(), c.V)
	}
	if c.SkippedEmpty < 0 || c.OOVTokens < 0 {
		return fmt.Errorf("SkippedEmpty = %d, OOVTokens = %d", c.SkippedEmpty, c.OOVTokens)
	}
	total := 0
	for i, d := range c.Docs {
		if len(d.Words) == 0 || len(d.Words) != len(d.Counts) {
			return fmt.Errorf("doc %d: %d words, %d counts", i, len(d.Words), len(d.Counts))
		}
		for k, w := range d.Words {
			if w < 0 || w >= c.V {
				return fmt.Errorf("doc %d: id %d out of range [0,%d)", i, w, c.V)
			}
			if k > 0 && w <= d.Words[k-1] {
				return fmt.Errorf("doc %d: ids %v not strictly increasing", i, d.Words)
			}
			if d.Counts[k] < 1 {
				return fmt.Errorf("doc %d: count %d", i, d.Counts[k])
			}
		}
		t := d.Tokens()
		if t < 1 {
			return fmt.Errorf("doc %d: %d tokens", i, t)
		}
		if total+t < total {
			return fmt.Errorf("token total overflows at doc %d", i)
		}
		total += t
	}
	return nil
}

// doc makes a Document from alternating id, count pairs.
func doc(pairs ...int) Document {
	var d Document
	for i := 0; i < len(pairs); i += 2 {
		d.Words = append(d.Words, pairs[i])
		d.Counts = append(d.Counts, pairs[i+1])
	}
	return d
}

func docsEqual(a, b []Document) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i].Words) != len(b[i].Words) || len(a[i].Counts) != len(b[i].Counts) {
			return false
		}
		for k := range a[i].Words {
			if a[i].Words[k] != b[i].Words[k] || a[i].Counts[k] != b[i].Counts[k] {
				return false
			}
		}
	}
	return true
}

// errCase describes an expected *ParseError.
type errCase struct {
	name  string
	input string
	line  int
	msg   string // fragment of Msg
}

// checkParseError reports whether err is a *ParseError for file at line whose
// message contains msg.
func checkParseError(t *testing.T, err error, file string, line int, msg string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if pe.File != file || pe.Line != line || !strings.Contains(pe.Msg, msg) {
		t.Errorf("got ParseError{File: %q, Line: %d, Msg: %q}, want file %q, line %d, message containing %q",
			pe.File, pe.Line, pe.Msg, file, line, msg)
	}
	want := fmt.Sprintf("%s:%d: ", file, line)
	if line == 0 {
		want = file + ": "
	}
	if !strings.HasPrefix(pe.Error(), want) {
		t.Errorf("Error() = %q, want prefix %q", pe.Error(), want)
	}
}

// panics returns the value f panics with, or nil.
func panics(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// errReader returns its data and then err.
type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}
