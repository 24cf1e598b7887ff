package data

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TextOptions controls [BuildVocabulary].
type TextOptions struct {
	// MinCount drops words that occur fewer than MinCount times in total.
	// Values 0 and 1 keep every word.
	MinCount int
	// MaxSize keeps only the MaxSize most frequent words; 0 means no
	// limit.
	MaxSize int
	// StopWords holds lower-case words to leave out, such as
	// EnglishStopWords; nil leaves out nothing.
	StopWords map[string]bool
}

// Tokenize splits line into lower-case tokens: maximal runs of Unicode
// letters and decimal digits. Every other character separates tokens, so
// "Don't stop" gives ["don" "t" "stop"]. Invalid UTF-8 bytes are separators.
func Tokenize(line string) []string {
	var toks []string
	var buf []byte
	scanTokens([]byte(line), &buf, func(tok []byte) {
		toks = append(toks, string(tok))
	})
	return toks
}

// isWordRune reports whether r belongs to a token.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// scanTokens calls fn with each lower-cased token of line. The token is
// built in *buf and is valid only during the call.
func scanTokens(line []byte, buf *[]byte, fn func(tok []byte)) {
	b := (*buf)[:0]
	for _, r := range string(line) {
		if r < utf8.RuneSelf {
			switch {
			case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
				b = append(b, byte(r))
				continue
			case 'A' <= r && r <= 'Z':
				b = append(b, byte(r)+'a'-'A')
				continue
			}
		} else if r != utf8.RuneError && isWordRune(r) {
			b = utf8.AppendRune(b, unicode.ToLower(r))
			continue
		}
		if len(b) > 0 {
			fn(b)
			b = b[:0]
		}
	}
	if len(b) > 0 {
		fn(b)
	}
	*buf = b[:0]
}

// BuildVocabulary makes a vocabulary from the text in r, one document per
// line, which should be the training split only. It tokenizes each line with
// [Tokenize], counts the tokens, leaves out stop words and words occurring
// fewer than opt.MinCount times, and keeps the opt.MaxSize most frequent of
// the rest. Words are ordered by decreasing count and then by increasing
// word (byte order), so the result is deterministic. The name is used in
// error messages. NUL bytes and invalid UTF-8 give a *ParseError.
//
// BuildVocabulary panics if opt.MinCount or opt.MaxSize is negative.
func BuildVocabulary(r io.Reader, name string, opt TextOptions) (*Vocabulary, error) {
	if opt.MinCount < 0 || opt.MaxSize < 0 {
		panic("data: negative TextOptions.MinCount or TextOptions.MaxSize")
	}
	index := make(map[string]int) // word -> position in words and counts
	var words []string
	var counts []int
	var buf []byte
	lr := newLineReader(r, name)
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		scanTokens(line, &buf, func(tok []byte) {
			if i, ok := index[string(tok)]; ok {
				counts[i]++
				return
			}
			w := string(tok)
			index[w] = len(words)
			words = append(words, w)
			counts = append(counts, 1)
		})
	}

	type wc struct {
		word  string
		count int
	}
	kept := make([]wc, 0, len(words))
	for i, w := range words {
		if counts[i] < opt.MinCount || opt.StopWords[w] {
			continue
		}
		kept = append(kept, wc{w, counts[i]})
	}
	slices.SortFunc(kept, func(a, b wc) int {
		if a.count != b.count {
			if a.count > b.count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.word, b.word)
	})
	if opt.MaxSize > 0 && len(kept) > opt.MaxSize {
		kept = kept[:opt.MaxSize]
	}
	v := &Vocabulary{words: make([]string, len(kept)), ids: make(map[string]int, len(kept))}
	for i, k := range kept {
		v.words[i] = k.word
		v.ids[k.word] = i
	}
	return v, nil
}

// ReadText reads a corpus of plain text from r, one document per line. Each
// line is split by [Tokenize] and its tokens are looked up in vocab; tokens
// not in vocab are dropped and counted in OOVTokens. Documents left with no
// tokens are skipped and counted in SkippedEmpty. The corpus uses vocab, and
// the name is used in error messages and as its Source. NUL bytes and
// invalid UTF-8 give a *ParseError.
//
// ReadText panics if vocab is nil.
func ReadText(r io.Reader, name string, vocab *Vocabulary) (*Corpus, error) {
	if vocab == nil {
		panic("data: nil vocabulary")
	}
	c := &Corpus{V: vocab.Len(), Vocab: vocab, Source: name}
	counts := make([]int, vocab.Len()) // per-line counts, zero between lines
	var touched []int
	var buf []byte
	var b docBuilder
	lr := newLineReader(r, name)
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		touched = touched[:0]
		scanTokens(line, &buf, func(tok []byte) {
			id, ok := vocab.ids[string(tok)]
			if !ok {
				c.OOVTokens++
				return
			}
			if counts[id] == 0 {
				touched = append(touched, id)
			}
			counts[id]++
		})
		if len(touched) == 0 {
			c.SkippedEmpty++
			continue
		}
		// No overflow is possible: a line has fewer tokens than bytes.
		b.reset()
		for _, id := range touched {
			b.add(id, counts[id], lr.line)
			counts[id] = 0
		}
		d, _, _ := b.build() // ids in touched are distinct
		c.Docs = append(c.Docs, d)
	}
	return c, nil
}

// LoadText reads the text file at path with [ReadText].
func LoadText(path string, vocab *Vocabulary) (*Corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadText(f, path, vocab)
}
