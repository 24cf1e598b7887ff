package data

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	for _, test := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,.! ", nil},
		{"Don't stop", []string{"don", "t", "stop"}},
		{"Hello, World!", []string{"hello", "world"}},
		{"e-mail 3.14 x86_64", []string{"e", "mail", "3", "14", "x86", "64"}},
		{"tab\tnew\nline\r\n", []string{"tab", "new", "line"}},
		{"ÉCOLE Straße ΣΊΣΥΦΟΣ", []string{"école", "straße", "σίσυφοσ"}},
		{"日本語のテキスト", []string{"日本語のテキスト"}},
		{"٣ apples", []string{"٣", "apples"}},
		{"a\xffb", []string{"a", "b"}},
		{"caf\u00e9\u2014bar", []string{"café", "bar"}},
	} {
		got := Tokenize(test.in)
		if !slices.Equal(got, test.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}

func TestBuildVocabulary(t *testing.T) {
	const train = "b a c\nA b d\n\nthe b a e\nc c\n"
	// Counts: b 3, c 3, a 3, the 1, d 1, e 1.
	for _, test := range []struct {
		name string
		opt  TextOptions
		want []string
	}{
		{"all", TextOptions{}, []string{"a", "b", "c", "d", "e", "the"}},
		{"min count", TextOptions{MinCount: 2}, []string{"a", "b", "c"}},
		{"max size ties by word", TextOptions{MaxSize: 2}, []string{"a", "b"}},
		{"max size larger", TextOptions{MaxSize: 100}, []string{"a", "b", "c", "d", "e", "the"}},
		{"stop words", TextOptions{StopWords: EnglishStopWords}, []string{"b", "c", "e"}}, // "a", "d", "the"
		{"everything dropped", TextOptions{MinCount: 10}, nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			v, err := BuildVocabulary(strings.NewReader(train), "train.txt", test.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Words(); !slices.Equal(got, test.want) {
				t.Errorf("words = %q, want %q", got, test.want)
			}
		})
	}

	for _, test := range []errCase{
		{"NUL", "a\nb\x00\n", 2, "NUL byte"},
		{"invalid UTF-8", "a\nb\n\xe2\x82\n", 3, "invalid UTF-8"},
	} {
		_, err := BuildVocabulary(strings.NewReader(test.input), "train.txt", TextOptions{})
		checkParseError(t, err, "train.txt", test.line, test.msg)
	}
	if panics(func() { BuildVocabulary(strings.NewReader(""), "x", TextOptions{MinCount: -1}) }) == nil {
		t.Error("no panic for negative MinCount")
	}
	if panics(func() { BuildVocabulary(strings.NewReader(""), "x", TextOptions{MaxSize: -1}) }) == nil {
		t.Error("no panic for negative MaxSize")
	}
}

func TestEnglishStopWords(t *testing.T) {
	if n := len(EnglishStopWords); n < 100 || n > 250 {
		t.Errorf("%d stop words", n)
	}
	for w := range EnglishStopWords {
		if toks := Tokenize(w); len(toks) != 1 || toks[0] != w {
			t.Errorf("stop word %q is not a single Tokenize token", w)
		}
	}
	for _, w := range []string{"the", "and", "of", "t", "don"} {
		if !EnglishStopWords[w] {
			t.Errorf("%q missing", w)
		}
	}
}

func TestReadText(t *testing.T) {
	vocab, _ := NewVocabulary([]string{"apple", "banana", "cherry", "日本"})
	for _, test := range []struct {
		name    string
		input   string
		want    []Document
		skipped int
		oov     int
	}{
		{name: "empty", input: ""},
		{name: "one", input: "Banana apple banana\n", want: []Document{doc(0, 1, 1, 2)}},
		{name: "oov", input: "an apple and a pear\n", want: []Document{doc(0, 1)}, oov: 4},
		{name: "empty docs", input: "\npear\n  \ncherry\n", want: []Document{doc(2, 1)}, skipped: 3, oov: 1},
		{name: "CRLF no final newline", input: "apple\r\ncherry, apple", want: []Document{doc(0, 1), doc(0, 1, 2, 1)}},
		{name: "unicode", input: "日本 apple-日本\n", want: []Document{doc(0, 1, 3, 2)}},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := ReadText(strings.NewReader(test.input), "docs.txt", vocab)
			if err != nil {
				t.Fatal(err)
			}
			if !docsEqual(c.Docs, test.want) {
				t.Errorf("docs = %v, want %v", c.Docs, test.want)
			}
			if c.V != 4 || c.Vocab != vocab || c.SkippedEmpty != test.skipped || c.OOVTokens != test.oov || c.Source != "docs.txt" {
				t.Errorf("V = %d, SkippedEmpty = %d, OOVTokens = %d, Source = %q; want 4, %d, %d, %q",
					c.V, c.SkippedEmpty, c.OOVTokens, c.Source, test.skipped, test.oov, "docs.txt")
			}
			if err := checkCorpus(c); err != nil {
				t.Error(err)
			}
		})
	}

	for _, test := range []errCase{
		{"NUL", "apple\n\x00\n", 2, "NUL byte at column 1"},
		{"invalid UTF-8", "apple\xc0\xaf\n", 1, "invalid UTF-8"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ReadText(strings.NewReader(test.input), "docs.txt", vocab)
			checkParseError(t, err, "docs.txt", test.line, test.msg)
		})
	}
	if panics(func() { ReadText(strings.NewReader(""), "x", nil) }) == nil {
		t.Error("no panic for nil vocabulary")
	}
}

func TestLoadText(t *testing.T) {
	path := fixtures + "small.txt"
	v, err := LoadVocab(path) // not a vocabulary file: line 3 is blank
	checkParseError(t, err, path, 3, "blank line")
	if v != nil {
		t.Error("vocabulary returned with an error")
	}

	vocab, err := BuildVocabulary(strings.NewReader("Apple banana, apple!\nThe cherry is RED.\n\nFig and date... fig? FIG\n"),
		"small", TextOptions{StopWords: EnglishStopWords})
	if err != nil {
		t.Fatal(err)
	}
	wantWords := []string{"fig", "apple", "banana", "cherry", "date", "red"}
	if !slices.Equal(vocab.Words(), wantWords) {
		t.Fatalf("vocabulary %q, want %q", vocab.Words(), wantWords)
	}
	c, err := LoadText(path, vocab)
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{doc(1, 2, 2, 1), doc(3, 1, 5, 1), doc(0, 3, 4, 1)}
	if !docsEqual(c.Docs, want) || c.SkippedEmpty != 1 || c.OOVTokens != 3 || c.Tokens() != 9 {
		t.Errorf("got %+v", c)
	}
}

// TestTokenizeIdempotent checks that every token is its own tokenization:
// lower-casing a letter or digit gives a letter or digit that lower-cases to
// itself, so vocabulary words built from tokens match the text's tokens.
func TestTokenizeIdempotent(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) || !isWordRune(r) {
			continue
		}
		l := unicode.ToLower(r)
		if !isWordRune(l) || unicode.ToLower(l) != l {
			t.Errorf("rune %U lower-cases to %U", r, l)
		}
	}
}
