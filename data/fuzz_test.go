package data

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkReadResult fails t unless err is nil or a *ParseError for name, and
// unless a corpus read without error satisfies the Corpus invariants.
func checkReadResult(t *testing.T, c *Corpus, err error, name string) {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error is not a *ParseError: %v", err)
		}
		if pe.File != name || pe.Line < 0 || pe.Msg == "" {
			t.Fatalf("bad ParseError %+v", pe)
		}
		if c != nil {
			t.Fatal("corpus returned with an error")
		}
		return
	}
	if err := checkCorpus(c); err != nil {
		t.Fatal(err)
	}
}

// addFile adds the contents of a fixture file to the seed corpus.
func addFile(f *testing.F, name string, args ...any) {
	b, err := os.ReadFile(fixtures + name)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append([]any{b}, args...)...)
}

func FuzzReadFeat(f *testing.F) {
	addFile(f, "small.feat", false, 0)
	addFile(f, "small.feat", false, 6)
	for _, s := range []string{
		"", "\n", "1 \n", "1 1:2 3:1\r\n2 2:1", "1:1 2:2\n", "1 2:1 2:1\n",
		"1 1:99999999999999999999\n", "1 1:9223372036854775807 2:1\n",
		"1 0:1\n", "1 1:-1\n", "1 1:1.5\n", "\xff 1:1\n", "1 1:1\x00\n",
	} {
		f.Add([]byte(s), false, 0)
		f.Add([]byte(s), true, 3)
	}
	f.Fuzz(func(t *testing.T, input []byte, noLabel bool, v int) {
		if v < 0 {
			v = -(v + 1)
		}
		c, err := ReadFeat(bytes.NewReader(input), "fuzz.feat", FeatOptions{NoLabel: noLabel, V: v})
		checkReadResult(t, c, err, "fuzz.feat")
		if err == nil && v > 0 && c.V != v {
			t.Fatalf("V = %d, want %d", c.V, v)
		}
		if err == nil && !utf8.Valid(input) {
			t.Fatal("accepted invalid UTF-8")
		}
	})
}

func FuzzReadUCI(f *testing.F) {
	docword, err := os.ReadFile(fixtures + "docword.small.txt")
	if err != nil {
		f.Fatal(err)
	}
	vocab, err := os.ReadFile(fixtures + "vocab.small.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(docword, vocab)
	f.Add(docword, []byte(nil))
	for _, s := range []string{
		"", "1\n", "0\n0\n0\n", "3\n2\n2\n1 1 1\n3 2 1\n", "1\n2\n2\n1 2 1\n1 2 1\n",
		"2\n2\n2\n2 1 1\n1 1 1\n", "1\n1\n1\n1 1 99999999999999999999\n", "1\r\n1\r\n1\r\n1 1 1",
	} {
		f.Add([]byte(s), []byte(nil))
		f.Add([]byte(s), []byte("a\nb\n"))
	}
	f.Fuzz(func(t *testing.T, docword, vocabText []byte) {
		var vocab *Vocabulary
		if len(vocabText) > 0 {
			v, err := ReadVocab(bytes.NewReader(vocabText), "vocab")
			if err == nil {
				vocab = v
			}
		}
		c, err := ReadUCI(bytes.NewReader(docword), "docword", vocab)
		checkReadResult(t, c, err, "docword")
		if err == nil && c.Vocab != vocab {
			t.Fatal("corpus does not use the vocabulary")
		}
	})
}

func FuzzReadText(f *testing.F) {
	addFile(f, "small.txt", []byte("apple banana apple\nfig\n"), 0, 0, false)
	f.Add([]byte("Don't stop\n"), []byte("don't STOP me now\n\n"), 1, 2, true)
	f.Add([]byte("ÉCOLE Straße\r\n日本語"), []byte("école\n"), 0, 1, false)
	f.Add([]byte("a\x00b"), []byte("a b"), 0, 0, false)
	f.Add([]byte("a\xffb"), []byte("a b"), 0, 0, false)
	f.Fuzz(func(t *testing.T, text, train []byte, minCount, maxSize int, stop bool) {
		opt := TextOptions{MinCount: minCount & 7, MaxSize: maxSize & 63}
		if stop {
			opt.StopWords = EnglishStopWords
		}
		vocab, err := BuildVocabulary(bytes.NewReader(train), "train", opt)
		if err != nil {
			checkReadResult(t, nil, err, "train")
			// Use the distinct tokens of the text instead.
			var words []string
			seen := make(map[string]bool)
			for _, w := range Tokenize(string(text)) {
				if !seen[w] {
					seen[w] = true
					words = append(words, w)
				}
			}
			if vocab, err = NewVocabulary(words); err != nil {
				vocab, _ = NewVocabulary(nil)
			}
		} else {
			checkVocab(t, vocab)
			if opt.MaxSize > 0 && vocab.Len() > opt.MaxSize {
				t.Fatalf("%d words, MaxSize %d", vocab.Len(), opt.MaxSize)
			}
			for _, w := range vocab.Words() {
				if toks := Tokenize(w); len(toks) != 1 || toks[0] != w {
					t.Fatalf("vocabulary word %q tokenizes to %q", w, toks)
				}
				if opt.StopWords[w] {
					t.Fatalf("stop word %q kept", w)
				}
			}
		}
		c, err := ReadText(bytes.NewReader(text), "text", vocab)
		checkReadResult(t, c, err, "text")
		if err == nil {
			if c.Vocab != vocab {
				t.Fatal("corpus does not use the vocabulary")
			}
			if n := len(Tokenize(string(text))); c.Tokens()+c.OOVTokens != n {
				t.Fatalf("%d tokens + %d OOV, want %d", c.Tokens(), c.OOVTokens, n)
			}
		}
	})
}

func FuzzReadVocab(f *testing.F) {
	addFile(f, "vocab.small.txt")
	for _, s := range []string{
		"", "a\n", "_eos_ 0\nwrite 0\n", "a\r\nb", "a\n\nb\n", "a\na\n", " a b\n\u00a0c\u2028d\n", "a\x00\n", "\xff\n", "\uFEFF\uFEFFa\na\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		v, err := ReadVocab(bytes.NewReader(input), "vocab")
		if err != nil {
			checkReadResult(t, nil, err, "vocab")
			if v != nil {
				t.Fatal("vocabulary returned with an error")
			}
			return
		}
		checkVocab(t, v)
		// Writing the words one per line and reading them back gives the
		// same vocabulary.
		var buf bytes.Buffer
		for _, w := range v.Words() {
			buf.WriteString(w + "\n")
		}
		v2, err := ReadVocab(&buf, "again")
		if err != nil {
			t.Fatalf("reading the words back: %v", err)
		}
		if v2.Len() != v.Len() {
			t.Fatalf("read back %d words, want %d", v2.Len(), v.Len())
		}
		if _, err := NewVocabulary(v.Words()); err != nil {
			t.Fatalf("NewVocabulary rejects the words: %v", err)
		}
	})
}

// checkVocab fails t unless v holds distinct non-empty UTF-8 words without
// NUL bytes, white space or U+FEFF, and ID inverts Word.
func checkVocab(t *testing.T, v *Vocabulary) {
	t.Helper()
	for i := range v.Len() {
		w := v.Word(i)
		if w == "" || !utf8.ValidString(w) || strings.IndexFunc(w, isVocabSpace) >= 0 || strings.IndexByte(w, 0) >= 0 {
			t.Fatalf("bad word %q at id %d", w, i)
		}
		if id, ok := v.ID(w); !ok || id != i {
			t.Fatalf("ID(%q) = %d, %t; want %d", w, id, ok, i)
		}
	}
}
