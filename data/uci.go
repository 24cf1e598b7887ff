package data

import (
	"fmt"
	"io"
	"os"
)

// ReadUCI reads a corpus in the UCI bag-of-words format (docword.*.txt; see
// the package documentation) from docword. The docwordName is used in error
// messages and as the corpus Source. Documents are kept in docID order and
// word ids are converted to 0-based. Documents among 1..D with no entries
// are skipped and counted in SkippedEmpty.
//
// If vocab is nil the corpus V is the header's W and its Vocab is nil;
// otherwise W must equal vocab.Len() and the corpus uses vocab. An empty
// input gives an empty corpus. Malformed input, including a number of
// entries that differs from the header's NNZ, gives a *ParseError.
// maxTrailingEmpty is how many empty documents ReadUCI accepts after the
// last docID with entries, beyond as many as there are before it.
const maxTrailingEmpty = 1000

func ReadUCI(docword io.Reader, docwordName string, vocab *Vocabulary) (*Corpus, error) {
	name := docwordName
	c := &Corpus{Source: name, Vocab: vocab}
	if vocab != nil {
		c.V = vocab.Len()
	}
	lr := newLineReader(docword, name)
	var header [3]int // D, W, NNZ
	nh := 0           // header values read
	var b docBuilder
	b.reset()
	curDoc := 0 // docID of the entries in b, or 0
	nnz := 0
	total := 0
	flush := func() error {
		if len(b.entries) == 0 {
			return nil
		}
		d, dup, ok := b.build()
		if !ok {
			return parseErrorf(name, dup.line, "duplicate entry for doc %d word %d", curDoc, dup.id+1)
		}
		c.Docs = append(c.Docs, d)
		b.reset()
		return nil
	}
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		ln := lr.line
		var f [3][]byte
		nf := 0
		rest := line
		for {
			var tok []byte
			tok, rest = nextField(rest)
			if len(tok) == 0 {
				break
			}
			if nf == len(f) {
				nf++
				break
			}
			f[nf] = tok
			nf++
		}
		if nf == 0 {
			continue // blank line
		}

		if nh < 3 {
			field := [3]string{"D", "W", "NNZ"}[nh]
			if nf != 1 {
				return nil, parseErrorf(name, ln, "header: want a single number %s", field)
			}
			n, st := parseNum(f[0])
			if st != numOK || n < 0 {
				return nil, parseErrorf(name, ln, "header: %s %s is not a non-negative integer", field, quote(f[0]))
			}
			header[nh] = n
			nh++
			if nh == 2 && vocab != nil && n != vocab.Len() {
				return nil, parseErrorf(name, ln, "header: W=%d but the vocabulary has %d words", n, vocab.Len())
			}
			if nh == 2 {
				c.V = n
			}
			continue
		}

		if nf != 3 {
			return nil, parseErrorf(name, ln, "want 3 fields \"docID wordID count\", got %s", fieldCount(nf))
		}
		nnz++
		if nnz > header[2] {
			return nil, parseErrorf(name, ln, "more entries than NNZ=%d", header[2])
		}
		var v [3]int
		for i, what := range [3]string{"docID", "wordID", "count"} {
			n, st := parseNum(f[i])
			switch {
			case st == numInvalid:
				return nil, parseErrorf(name, ln, "%s %s is not an integer", what, quote(f[i]))
			case st == numOverflow:
				return nil, parseErrorf(name, ln, "%s %s overflows int", what, quote(f[i]))
			}
			v[i] = n
		}
		doc, word, count := v[0], v[1], v[2]
		switch {
		case doc < 1 || doc > header[0]:
			return nil, parseErrorf(name, ln, "docID %d out of range 1..%d", doc, header[0])
		case word < 1 || word > header[1]:
			return nil, parseErrorf(name, ln, "wordID %d out of range 1..%d", word, header[1])
		case count < 1:
			return nil, parseErrorf(name, ln, "count %d is not positive", count)
		case doc < curDoc:
			return nil, parseErrorf(name, ln, "docID %d after docID %d: entries must be grouped by non-decreasing docID", doc, curDoc)
		}
		if doc != curDoc {
			if err := flush(); err != nil {
				return nil, err
			}
			curDoc = doc
		}
		if err := b.add(word-1, count, ln); err != nil {
			return nil, parseErrorf(name, ln, "document token count overflows int")
		}
		if total, err = addTokens(total, count); err != nil {
			return nil, parseErrorf(name, ln, "corpus token count overflows int")
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if nh > 0 && nh < 3 {
		return nil, parseErrorf(name, lr.line, "header: missing %s", [3]string{"D", "W", "NNZ"}[nh])
	}
	if nnz != header[2] {
		return nil, parseErrorf(name, 0, "header says NNZ=%d but there are %d entries", header[2], nnz)
	}
	// Empty documents are allowed at the end, but not a header that
	// announces far more documents than the file holds: that is a wrong
	// header, and the counts derived from it would be wrong too.
	if trailing := header[0] - curDoc; trailing > maxTrailingEmpty && trailing > curDoc {
		return nil, parseErrorf(name, 1, "header says D=%d documents, but the last docID is %d: the header is wrong", header[0], curDoc)
	}
	c.SkippedEmpty = header[0] - len(c.Docs)
	return c, nil
}

// LoadUCI reads the UCI docword file at docwordPath with [ReadUCI], using
// the vocabulary file at vocabPath (read with [LoadVocab]) unless vocabPath
// is "".
func LoadUCI(docwordPath, vocabPath string) (*Corpus, error) {
	var vocab *Vocabulary
	if vocabPath != "" {
		var err error
		if vocab, err = LoadVocab(vocabPath); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(docwordPath)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	return ReadUCI(f, docwordPath, vocab)
}

// fieldCount describes the number of fields found on a line; n > 3 means
// "more than 3".
func fieldCount(n int) string {
	if n > 3 {
		return "more"
	}
	return fmt.Sprint(n)
}
