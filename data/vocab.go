package data

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Vocabulary is an ordered list of distinct words; the id of a word is its
// 0-based position. A Vocabulary is not modified after it is made, so it is
// safe for concurrent use.
type Vocabulary struct {
	words []string
	ids   map[string]int
}

// NewVocabulary returns a vocabulary whose word i is words[i]. It returns an
// error if a word is empty, repeated, not valid UTF-8, or contains white
// space or U+FEFF (which [ReadVocab] treats as field separators).
func NewVocabulary(words []string) (*Vocabulary, error) {
	v := &Vocabulary{
		words: make([]string, len(words)),
		ids:   make(map[string]int, len(words)),
	}
	for i, w := range words {
		if w == "" {
			return nil, fmt.Errorf("data: empty word at id %d", i)
		}
		if !utf8.ValidString(w) {
			return nil, fmt.Errorf("data: word at id %d is not valid UTF-8", i)
		}
		if strings.IndexFunc(w, isVocabSpace) >= 0 {
			return nil, fmt.Errorf("data: word %q at id %d contains white space or U+FEFF", w, i)
		}
		if j, ok := v.ids[w]; ok {
			return nil, fmt.Errorf("data: duplicate word %q at ids %d and %d", w, j, i)
		}
		v.words[i] = w
		v.ids[w] = i
	}
	return v, nil
}

// Len returns the number of words in v.
func (v *Vocabulary) Len() int { return len(v.words) }

// Word returns the word with the given id.
// It panics if id is out of range.
func (v *Vocabulary) Word(id int) string {
	if id < 0 || id >= len(v.words) {
		panic("data: word id out of range")
	}
	return v.words[id]
}

// ID returns the id of word and whether word is in v.
func (v *Vocabulary) ID(word string) (int, bool) {
	id, ok := v.ids[word]
	return id, ok
}

// Words returns a copy of the words of v in id order.
func (v *Vocabulary) Words() []string {
	return append([]string(nil), v.words...)
}

// ReadVocab reads a vocabulary with one word per line from r: the word is
// the first field of the line, separated by Unicode white space or U+FEFF,
// and further fields are ignored. The word on line i gets id i-1. The name is used in error
// messages. Blank lines, repeated words, NUL bytes and invalid UTF-8 give a
// *ParseError. An empty input gives an empty vocabulary.
func ReadVocab(r io.Reader, name string) (*Vocabulary, error) {
	lr := newLineReader(r, name)
	v := &Vocabulary{ids: make(map[string]int)}
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		ln := lr.line
		w := firstField(line)
		if len(w) == 0 {
			return nil, parseErrorf(name, ln, "blank line")
		}
		if j, ok := v.ids[string(w)]; ok {
			return nil, parseErrorf(name, ln, "duplicate word %s (first on line %d)", quote(w), j+1)
		}
		s := string(w)
		v.ids[s] = len(v.words)
		v.words = append(v.words, s)
	}
	return v, nil
}

// firstField returns the first field of the valid UTF-8 line, separated by
// isVocabSpace runes.
func firstField(line []byte) []byte {
	line = bytes.TrimLeftFunc(line, isVocabSpace)
	if i := bytes.IndexFunc(line, isVocabSpace); i >= 0 {
		line = line[:i]
	}
	return line
}

// isVocabSpace reports whether r separates the fields of a vocabulary line:
// Unicode white space, and U+FEFF (zero width no-break space, the byte order
// mark), which would be invisible in a word.
func isVocabSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF'
}

// LoadVocab reads the vocabulary file at path with [ReadVocab].
func LoadVocab(path string) (*Vocabulary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadVocab(f, path)
}
