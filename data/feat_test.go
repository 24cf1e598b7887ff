package data

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReadFeat(t *testing.T) {
	for _, test := range []struct {
		name    string
		input   string
		opt     FeatOptions
		want    []Document
		v       int
		skipped int
	}{
		{name: "empty", input: "", want: nil},
		{name: "one", input: "1 1:2 3:1\n", want: []Document{doc(0, 2, 2, 1)}, v: 3},
		{name: "no trailing newline", input: "1 1:2\n7 2:1", want: []Document{doc(0, 2), doc(1, 1)}, v: 2},
		{name: "CRLF", input: "1 1:2\r\n1 2:1\r\n", want: []Document{doc(0, 2), doc(1, 1)}, v: 2},
		{name: "unsorted", input: "1 5:1 2:3 4:2\n", want: []Document{doc(1, 3, 3, 2, 4, 1)}, v: 5},
		{name: "spaces and tabs", input: "  1 \t 2:1\t\t1:4   \n", want: []Document{doc(0, 4, 1, 1)}, v: 2},
		{name: "label only", input: "1 2:1\n1 \n", want: []Document{doc(1, 1)}, v: 2, skipped: 1},
		{name: "blank lines", input: "\n1 2:1\n\n \n", want: []Document{doc(1, 1)}, v: 2, skipped: 3},
		{name: "any label", input: "comp.graphics 1:1\n-3 2:2\n", want: []Document{doc(0, 1), doc(1, 2)}, v: 2},
		{name: "no label", input: "1:2 3:1\n\n", opt: FeatOptions{NoLabel: true}, want: []Document{doc(0, 2, 2, 1)}, v: 3, skipped: 1},
		{name: "given V", input: "1 1:1\n", opt: FeatOptions{V: 10}, want: []Document{doc(0, 1)}, v: 10},
		{name: "id equal to V", input: "1 10:1\n", opt: FeatOptions{V: 10}, want: []Document{doc(9, 1)}, v: 10},
		{name: "leading zeros and plus", input: "1 007:+3\n", want: []Document{doc(6, 3)}, v: 7},
		{name: "max count", input: "1 1:" + strconv.Itoa(math.MaxInt) + "\n", want: []Document{doc(0, math.MaxInt)}, v: 1},
		{name: "only empty", input: "1\n", skipped: 1},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := ReadFeat(strings.NewReader(test.input), "in.feat", test.opt)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !docsEqual(c.Docs, test.want) {
				t.Errorf("docs = %v, want %v", c.Docs, test.want)
			}
			if c.V != test.v || c.SkippedEmpty != test.skipped || c.Source != "in.feat" || c.Vocab != nil {
				t.Errorf("V = %d, SkippedEmpty = %d, Source = %q, Vocab = %v; want %d, %d, %q, nil",
					c.V, c.SkippedEmpty, c.Source, c.Vocab, test.v, test.skipped, "in.feat")
			}
			if err := checkCorpus(c); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestReadFeatErrors(t *testing.T) {
	maxInt := strconv.Itoa(math.MaxInt)
	for _, test := range []struct {
		errCase
		opt FeatOptions
	}{
		{errCase: errCase{"no colon", "1 1:1\n1 12\n", 2, `token "12": want id:count`}},
		{errCase: errCase{"id not integer", "1 a:1\n", 1, `id "a" is not an integer`}},
		{errCase: errCase{"empty id", "1 :1\n", 1, `id "" is not an integer`}},
		{errCase: errCase{"count not integer", "1 1:x\n", 1, `count "x" is not an integer`}},
		{errCase: errCase{"empty count", "1 1:\n", 1, `count "" is not an integer`}},
		{errCase: errCase{"fractional count", "1 1:1.5\n", 1, `count "1.5" is not an integer`}},
		{errCase: errCase{"two colons", "1 1:2:3\n", 1, `count "2:3" is not an integer`}},
		{errCase: errCase{"count overflow", "1 1:99999999999999999999\n", 1, "count overflows int"}},
		{errCase: errCase{"id overflow", "1 99999999999999999999:1\n", 1, "id overflows int"}},
		{errCase: errCase{"id zero", "1 0:1\n", 1, "id 0 out of range (ids are 1-based)"}},
		{errCase: errCase{"id negative", "1 -2:1\n", 1, "id -2 out of range"}},
		{errCase: errCase{"id past V", "1 1:1\n1 11:1\n", 2, "id 11 out of range 1..10"}, opt: FeatOptions{V: 10}},
		{errCase: errCase{"count zero", "1 1:0\n", 1, "count 0 is not positive"}},
		{errCase: errCase{"count negative", "1 1:-4\n", 1, "count -4 is not positive"}},
		{errCase: errCase{"duplicate id", "1 1:1\n1 2:1 3:1 2:5\n", 2, "duplicate id 2"}},
		{errCase: errCase{"duplicate adjacent", "1 2:1 2:1\n", 1, "duplicate id 2"}},
		{errCase: errCase{"document overflow", "1 1:" + maxInt + " 2:1\n", 1, "document token count overflows int"}},
		{errCase: errCase{"corpus overflow", "1 1:" + maxInt + "\n1 2:1\n", 2, "corpus token count overflows int"}},
		{errCase: errCase{"NUL", "1 1:1\n1 1:1\x00\n", 2, "NUL byte at column 6"}},
		{errCase: errCase{"invalid UTF-8 label", "\xff 1:1\n", 1, "invalid UTF-8"}},
		{errCase: errCase{"unicode digits", "1 1:\u0661\n", 1, "is not an integer"}},
		{errCase: errCase{"missing label", "1:1 2:1\n", 1, `first field "1:1" looks like id:count`}},
		{errCase: errCase{"label expected with NoLabel", "1 2:1\n", 1, `token "1": want id:count`}, opt: FeatOptions{NoLabel: true}},
		{errCase: errCase{"long token quoted short", "1 " + strings.Repeat("9", 100) + "\n", 1, `token "` + strings.Repeat("9", 40) + `"...: want`}},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := ReadFeat(strings.NewReader(test.input), "bad.feat", test.opt)
			if err == nil {
				t.Fatalf("no error, got %d docs", c.Len())
			}
			checkParseError(t, err, "bad.feat", test.line, test.msg)
		})
	}
}

func TestReadFeatNegativeV(t *testing.T) {
	if v := panics(func() { ReadFeat(strings.NewReader(""), "x", FeatOptions{V: -1}) }); v == nil {
		t.Error("no panic for negative V")
	}
}

func TestReadFeatIOError(t *testing.T) {
	sentinel := errors.New("disk on fire")
	_, err := ReadFeat(&errReader{data: "1 1:1\n1 2", err: sentinel}, "x.feat", FeatOptions{})
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v does not wrap the reader's error", err)
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		t.Errorf("reader failure reported as a ParseError: %v", err)
	}
}

func TestReadFeatLongLine(t *testing.T) {
	// A single line of more than 10 MB.
	var sb strings.Builder
	sb.WriteString("1")
	n := 0
	for sb.Len() < 10<<20 {
		n++
		sb.WriteString(" ")
		sb.WriteString(strconv.Itoa(n))
		sb.WriteString(":2")
	}
	start := time.Now()
	c, err := ReadFeat(strings.NewReader(sb.String()), "long.feat", FeatOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read a %d-byte line in %v", sb.Len(), time.Since(start))
	if c.Len() != 1 || c.V != n || len(c.Docs[0].Words) != n || c.Tokens() != 2*n {
		t.Errorf("got %d docs, V = %d, tokens = %d; want 1 doc, V = %d, tokens = %d", c.Len(), c.V, c.Tokens(), n, 2*n)
	}
}

func TestLineTooLong(t *testing.T) {
	defer func(old int) { maxLineBytes = old }(maxLineBytes)
	maxLineBytes = 10
	// Exactly maxLineBytes bytes is fine, even with CRLF.
	c, err := ReadFeat(strings.NewReader("1 1:1 2:33\r\n1 2:1\n"), "x.feat", FeatOptions{})
	if err != nil || c.Len() != 2 {
		t.Fatalf("got %v, %v; want 2 docs", c, err)
	}
	for _, input := range []string{"1 1:1\n1 1:1 2:333\n", "1 1:1\n1 1:1 2:333"} {
		_, err = ReadFeat(strings.NewReader(input), "x.feat", FeatOptions{})
		checkParseError(t, err, "x.feat", 2, "line longer than 10 bytes")
	}
	// Lines longer than the bufio buffer, but longer than the limit.
	maxLineBytes = 100 << 10
	_, err = ReadFeat(strings.NewReader("1 1:1\n"+strings.Repeat(" ", 200<<10)), "x.feat", FeatOptions{})
	checkParseError(t, err, "x.feat", 2, "line longer than 102400 bytes")
}

func TestLoadFeat(t *testing.T) {
	c, err := LoadFeat(fixtures+"small.feat", FeatOptions{V: 6})
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{
		doc(0, 2, 2, 1),
		doc(1, 4, 4, 1, 5, 1),
		doc(3, 3),
		doc(0, 1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 1),
		doc(2, 7),
	}
	if !docsEqual(c.Docs, want) || c.V != 6 || c.SkippedEmpty != 1 || c.Tokens() != 25 || c.Source != fixtures+"small.feat" {
		t.Errorf("got %+v", c)
	}
	_, err = LoadFeat(fixtures+"missing.feat", FeatOptions{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error %v is not fs.ErrNotExist", err)
	}
}

func TestReadFeatLabels(t *testing.T) {
	for _, test := range []struct {
		name, input string
		opt         FeatOptions
		want        [][]string
		err         string
	}{
		{name: "one each", input: "3 1:1\n7 2:1\n", opt: FeatOptions{Labels: true}, want: [][]string{{"3"}, {"7"}}},
		{name: "several", input: "3,7 1:1\ncomp.graphics,sci.space 2:1\n", opt: FeatOptions{Labels: true}, want: [][]string{{"3", "7"}, {"comp.graphics", "sci.space"}}},
		{name: "empty documents skipped with their labels", input: "1 1:1\n2\n3 2:2\n", opt: FeatOptions{Labels: true}, want: [][]string{{"1"}, {"3"}}},
		{name: "not asked", input: "3 1:1\n", want: nil},
		{name: "no label column", input: "1:1\n", opt: FeatOptions{Labels: true, NoLabel: true}, want: nil},
		{name: "empty label", input: "1 1:1\n3,,7 1:1\n", opt: FeatOptions{Labels: true}, err: `in.feat:2: label field "3,,7" has an empty label`},
		{name: "only a comma", input: ", 1:1\n", opt: FeatOptions{Labels: true}, err: `in.feat:1: label field "," has an empty label`},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := ReadFeat(strings.NewReader(test.input), "in.feat", test.opt)
			if test.err != "" {
				if err == nil || !strings.Contains(err.Error(), test.err) {
					t.Fatalf("error %v, want %q", err, test.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(c.Labels) != fmt.Sprint(test.want) || (test.want == nil) != (c.Labels == nil) {
				t.Errorf("Labels = %q, want %q", c.Labels, test.want)
			}
			if c.Labels != nil {
				s := c.Subset([]int{1, 0})
				if fmt.Sprint(s.Labels) != fmt.Sprint([][]string{test.want[1], test.want[0]}) {
					t.Errorf("Subset's labels = %q", s.Labels)
				}
			}
		})
	}
}
