package data

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestNewVocabulary(t *testing.T) {
	v, err := NewVocabulary([]string{"b", "a", "ü"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Len() != 3 || v.Word(0) != "b" || v.Word(2) != "ü" {
		t.Errorf("got %v", v.Words())
	}
	if id, ok := v.ID("a"); !ok || id != 1 {
		t.Errorf("ID(a) = %d, %t; want 1, true", id, ok)
	}
	if _, ok := v.ID("c"); ok {
		t.Error("ID(c) found")
	}
	words := v.Words()
	words[0] = "changed"
	if v.Word(0) != "b" {
		t.Error("Words does not return a copy")
	}
	for _, id := range []int{-1, 3} {
		if panics(func() { v.Word(id) }) == nil {
			t.Errorf("Word(%d) did not panic", id)
		}
	}

	for _, test := range []struct {
		words []string
		msg   string
	}{
		{[]string{"a", ""}, "empty word at id 1"},
		{[]string{"a", "b", "a"}, `duplicate word "a" at ids 0 and 2`},
		{[]string{"a b"}, "white space"},
		{[]string{"a\u00a0b"}, "white space"},
		{[]string{"\uFEFFa"}, "white space"},
		{[]string{"\xff"}, "not valid UTF-8"},
	} {
		_, err := NewVocabulary(test.words)
		if err == nil || !strings.Contains(err.Error(), test.msg) {
			t.Errorf("NewVocabulary(%q): error %v, want one containing %q", test.words, err, test.msg)
		}
	}
}

func TestReadVocab(t *testing.T) {
	for _, test := range []struct {
		name  string
		input string
		want  []string
	}{
		{"empty", "", nil},
		{"plain", "a\nb\nc\n", []string{"a", "b", "c"}},
		{"no trailing newline", "a\nb", []string{"a", "b"}},
		{"NVDM vocab.new", "_eos_ 0\nwrite 0\none 0\n", []string{"_eos_", "write", "one"}},
		{"CRLF", "a 0\r\nb\r\n", []string{"a", "b"}},
		{"fields", "  a\t3 x\nb  \n", []string{"a", "b"}},
		{"unicode", "naïve\n日本\n", []string{"naïve", "日本"}},
		{"case matters", "A\na\n", []string{"A", "a"}},
		{"unicode space", "a\u00a0b\n\u2003c\n", []string{"a", "c"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			v, err := ReadVocab(strings.NewReader(test.input), "vocab")
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := v.Words(); !slices.Equal(got, test.want) {
				t.Errorf("words = %q, want %q", got, test.want)
			}
			for i, w := range test.want {
				if id, ok := v.ID(w); !ok || id != i {
					t.Errorf("ID(%q) = %d, %t; want %d", w, id, ok, i)
				}
			}
		})
	}
}

func TestReadVocabErrors(t *testing.T) {
	for _, test := range []errCase{
		{"blank line", "a\n\nb\n", 2, "blank line"},
		{"blank last line", "a\nb\n\n", 3, "blank line"},
		{"spaces only", "a\n \t\n", 2, "blank line"},
		{"duplicate", "a\nb\nc\nb 0\n", 4, `duplicate word "b" (first on line 2)`},
		{"NUL", "a\nb\x00\n", 2, "NUL byte at column 2"},
		{"invalid UTF-8", "a\nb\xc3\n", 2, "invalid UTF-8"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ReadVocab(strings.NewReader(test.input), "vocab.txt")
			if err == nil {
				t.Fatal("no error")
			}
			checkParseError(t, err, "vocab.txt", test.line, test.msg)
		})
	}
}

func TestLoadVocab(t *testing.T) {
	v, err := LoadVocab(fixtures + "vocab.small.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"apple", "banana", "cherry", "date", "elder", "fig"}
	if !slices.Equal(v.Words(), want) {
		t.Errorf("words = %q, want %q", v.Words(), want)
	}
	if _, err := LoadVocab(fixtures + "missing.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error %v is not fs.ErrNotExist", err)
	}
}

func TestByteOrderMark(t *testing.T) {
	v, err := ReadVocab(strings.NewReader("\uFEFFapple\r\n\uFEFFbanana\r\n"), "bom.txt")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"apple", "banana"}; !slices.Equal(v.Words(), want) {
		t.Errorf("words = %q, want %q", v.Words(), want)
	}
	c, err := ReadFeat(strings.NewReader("\uFEFF1:2\n"), "bom.feat", FeatOptions{NoLabel: true})
	if err != nil || c.Len() != 1 || c.Tokens() != 2 {
		t.Errorf("feat with byte order mark: %v, %v", c, err)
	}
}
