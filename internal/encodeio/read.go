package encodeio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/amvi/amvi/data"
)

// maxLineBytes is the longest input line accepted, as in package data.
const maxLineBytes = 64 << 20

// A Chunk is a run of consecutive input documents, the unit of work.
type Chunk struct {
	Seq  int   // position in the input, from 0
	Size int64 // input bytes it covers, for the progress bar
	err  error // a reading error: the chunk ends the input

	// Line formats (feat, feat-nolabel, text): the lines, each ending in
	// '\n', parsed by a worker. Line FirstLine (1-based) is document
	// FirstLine-1.
	FirstLine int
	Raw       []byte
	Lines     int

	// UCI: the documents, parsed while reading, and their indices.
	Docs  []data.Document
	Index []int

	Out []byte // the formatted output lines, filled by a worker
}

// A Source cuts an input into chunks.
type Source interface {
	// Next returns the next chunk, or io.EOF after the last one.
	Next() (*Chunk, error)
}

// lineReader returns an input's lines without their terminator ("\n" or
// "\r\n") and without a byte order mark at the start, as package data's
// readers see them.
type lineReader struct {
	br   *bufio.Reader
	name string
	line int    // the number of the line last returned
	buf  []byte // holds lines longer than br's buffer
}

func newLineReader(r io.Reader, name string) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 1<<20), name: name}
}

// next returns the next line, valid until the following call, and the
// number of input bytes it took.
func (lr *lineReader) next() (line []byte, size int, err error) {
	lr.buf = lr.buf[:0]
	for {
		part, err := lr.br.ReadSlice('\n')
		if len(lr.buf)+len(part) > maxLineBytes+2 {
			return nil, 0, &data.ParseError{File: lr.name, Line: lr.line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLineBytes)}
		}
		if err == bufio.ErrBufferFull {
			lr.buf = append(lr.buf, part...)
			continue
		}
		if err != nil && err != io.EOF {
			return nil, 0, fmt.Errorf("reading %s: %w", lr.name, err)
		}
		line = part
		if len(lr.buf) > 0 {
			lr.buf = append(lr.buf, part...)
			line = lr.buf
		}
		if err == io.EOF && len(line) == 0 {
			return nil, 0, io.EOF
		}
		size = len(line)
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if lr.line == 0 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		lr.line++
		return line, size, nil
	}
}

// lineChunks cuts a line-per-document input into chunks of n lines.
type lineChunks struct {
	lr   *lineReader
	n    int
	free chan *Chunk // written chunks, whose buffers the next ones reuse
}

// recycle keeps c, whose output has been written, for Next to reuse.
func (s *lineChunks) recycle(c *Chunk) {
	select {
	case s.free <- c:
	default:
	}
}

func (s *lineChunks) Next() (*Chunk, error) {
	c := &Chunk{}
	select {
	case old := <-s.free:
		*c = Chunk{Raw: old.Raw[:0], Out: old.Out[:0]}
	default:
	}
	c.FirstLine = s.lr.line + 1
	for c.Lines < s.n {
		line, size, err := s.lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		c.Raw = append(append(c.Raw, line...), '\n')
		c.Size += int64(size)
		c.Lines++
	}
	if c.Lines == 0 {
		return nil, io.EOF
	}
	return c, nil
}

// eachLine calls fn with the index and text of each of c's lines.
func (c *Chunk) eachLine(fn func(i int, line []byte)) {
	rest := c.Raw
	for i := 0; len(rest) > 0; i++ {
		j := bytes.IndexByte(rest, '\n')
		fn(i, rest[:j])
		rest = rest[j+1:]
	}
}

// isSpace reports whether b separates fields in the numeric formats, as in
// package data.
func isSpace(b byte) bool {
	switch b {
	case ' ', '\t', '\r', '\v', '\f':
		return true
	}
	return false
}

// fields returns up to max+1 space-separated fields of line.
func fields(line []byte, max int) [][]byte {
	var fs [][]byte
	for i := 0; i < len(line) && len(fs) <= max; {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		j := i
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		if j > i {
			fs = append(fs, line[i:j])
		}
		i = j
	}
	return fs
}

// parseFeat parses a chunk of feat lines with data.ReadFeat, so that
// encode accepts exactly what training does, and returns one document per
// line, empty for lines without id:count tokens, and each line's label
// field (nil when noLabel).
func parseFeat(c *Chunk, name string, noLabel bool, v int) ([]data.Document, [][]byte, error) {
	corpus, err := data.ReadFeat(bytes.NewReader(c.Raw), name, data.FeatOptions{NoLabel: noLabel, V: v})
	if err != nil {
		if pe, ok := errors.AsType[*data.ParseError](err); ok && pe.Line > 0 {
			pe.Line += c.FirstLine - 1 // ReadFeat counted from the chunk's start
		}
		if !noLabel && errors.Is(err, data.ErrNoLabels) {
			return nil, nil, fmt.Errorf("%w; read it with -format feat-nolabel", err)
		}
		return nil, nil, err
	}
	var labels [][]byte
	if !noLabel {
		labels = make([][]byte, c.Lines)
	}
	docs := make([]data.Document, c.Lines)
	k := 0
	c.eachLine(func(i int, line []byte) {
		field, words := featLine(line, noLabel)
		if labels != nil {
			labels[i] = field
		}
		if words {
			if k < len(corpus.Docs) {
				docs[i] = corpus.Docs[k]
			}
			k++
		}
	})
	if k != len(corpus.Docs) {
		return nil, nil, fmt.Errorf("%s: lines %d to %d: %d documents with words, but the feat reader found %d (a bug in encode)",
			name, c.FirstLine, c.FirstLine+c.Lines-1, k, len(corpus.Docs))
	}
	return docs, labels, nil
}

// featLine returns the label field of a feat line (nil when noLabel or
// when the line is blank) and whether the line has a field besides it.
func featLine(line []byte, noLabel bool) (label []byte, words bool) {
	i := skipSpace(line, 0)
	if !noLabel && i < len(line) {
		j := i
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		label, i = line[i:j], skipSpace(line, j)
	}
	return label, i < len(line)
}

// skipSpace returns the index of the first byte of line from i on that is
// not a space, or len(line).
func skipSpace(line []byte, i int) int {
	for i < len(line) && isSpace(line[i]) {
		i++
	}
	return i
}

// textParser turns lines of text into documents over a vocabulary.
type textParser struct {
	vocab  *data.Vocabulary
	counts []int // per word, zero between lines
}

// parse returns one document per line of c, split by data.Tokenize with
// unknown words left out, and rejects NUL bytes and invalid UTF-8 as
// data.ReadText does.
func (p *textParser) parse(c *Chunk, name string) ([]data.Document, error) {
	if p.counts == nil {
		p.counts = make([]int, p.vocab.Len())
	}
	docs := make([]data.Document, c.Lines)
	var err error
	c.eachLine(func(i int, line []byte) {
		if err != nil {
			return
		}
		msg := ""
		if j := bytes.IndexByte(line, 0); j >= 0 {
			msg = fmt.Sprintf("NUL byte at column %d", j+1)
		} else if !utf8.Valid(line) {
			msg = "invalid UTF-8"
		}
		if msg != "" {
			err = &data.ParseError{File: name, Line: c.FirstLine + i, Msg: msg}
			return
		}
		var words []int
		for _, tok := range data.Tokenize(string(line)) {
			if id, ok := p.vocab.ID(tok); ok {
				if p.counts[id] == 0 {
					words = append(words, id)
				}
				p.counts[id]++
			}
		}
		slices.Sort(words)
		d := data.Document{Words: words, Counts: make([]int, len(words))}
		for j, w := range words {
			d.Counts[j], p.counts[w] = p.counts[w], 0
		}
		docs[i] = d
	})
	return docs, err
}

// uciChunks reads the UCI bag-of-words format (three header lines D, W and
// NNZ, then "docID wordID count" lines grouped by non-decreasing docID) as
// a stream, with the checks of data.ReadUCI, and cuts it into chunks of n
// documents: one per docID 1..D, empty for a docID without entries.
type uciChunks struct {
	lr     *lineReader
	n, v   int
	header [3]int // D, W, NNZ
	nh     int    // header values read
	nnz    int    // entries read
	size   int64  // bytes read and not yet counted in a chunk

	cur       int        // docID of the entries being collected, 0 before the first
	entries   []uciEntry // its entries
	nextIndex int        // index (docID-1) of the next document to return
	gapTo     int        // empty documents to return up to this index
	ready     bool       // doc is complete and follows the gap
	doc       data.Document
	eof       bool
}

type uciEntry struct{ word, count, line int }

func (s *uciChunks) errorf(line int, format string, args ...any) error {
	return &data.ParseError{File: s.lr.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (s *uciChunks) Next() (*Chunk, error) {
	c := &Chunk{}
	for len(c.Docs) < s.n {
		idx, d, err := s.nextDoc()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		c.Docs = append(c.Docs, d)
		c.Index = append(c.Index, idx)
	}
	c.Size, s.size = s.size, 0
	if len(c.Docs) == 0 {
		return nil, io.EOF
	}
	return c, nil
}

// nextDoc returns the next document and its index.
func (s *uciChunks) nextDoc() (int, data.Document, error) {
	for {
		switch {
		case s.nextIndex < s.gapTo:
			s.nextIndex++
			return s.nextIndex - 1, data.Document{}, nil
		case s.ready:
			s.ready = false
			s.nextIndex++
			return s.nextIndex - 1, s.doc, nil
		case s.eof:
			if s.nextIndex < s.header[0] {
				s.nextIndex++
				return s.nextIndex - 1, data.Document{}, nil
			}
			return 0, data.Document{}, io.EOF
		}
		if err := s.advance(); err != nil {
			return 0, data.Document{}, err
		}
	}
}

// finish builds the document of the collected entries.
func (s *uciChunks) finish() error {
	slices.SortStableFunc(s.entries, func(a, b uciEntry) int { return a.word - b.word })
	d := data.Document{Words: make([]int, len(s.entries)), Counts: make([]int, len(s.entries))}
	for i, e := range s.entries {
		if i > 0 && e.word == s.entries[i-1].word {
			later := max(e.line, s.entries[i-1].line)
			return s.errorf(later, "duplicate entry for doc %d word %d", s.cur, e.word)
		}
		d.Words[i], d.Counts[i] = e.word-1, e.count
	}
	s.doc, s.ready, s.gapTo = d, true, s.cur-1
	s.entries = s.entries[:0]
	return nil
}

// advance reads lines until a document is complete or the input ends.
func (s *uciChunks) advance() error {
	for {
		line, size, err := s.lr.next()
		s.size += int64(size)
		if err == io.EOF {
			s.eof = true
			if s.nh > 0 && s.nh < 3 {
				return s.errorf(s.lr.line, "header: missing %s", [3]string{"D", "W", "NNZ"}[s.nh])
			}
			if s.nnz != s.header[2] {
				return s.errorf(0, "header says NNZ=%d but there are %d entries", s.header[2], s.nnz)
			}
			if len(s.entries) > 0 {
				return s.finish()
			}
			return nil
		}
		if err != nil {
			return err
		}
		ln := s.lr.line
		if j := bytes.IndexByte(line, 0); j >= 0 {
			return s.errorf(ln, "NUL byte at column %d", j+1)
		}
		if !utf8.Valid(line) {
			return s.errorf(ln, "invalid UTF-8")
		}
		f := fields(line, 3)
		if len(f) == 0 {
			continue // blank line
		}
		if s.nh < 3 {
			what := [3]string{"D", "W", "NNZ"}[s.nh]
			if len(f) != 1 {
				return s.errorf(ln, "header: want a single number %s", what)
			}
			n, err := strconv.Atoi(string(f[0]))
			if err != nil || n < 0 {
				return s.errorf(ln, "header: %s %q is not a non-negative integer", what, f[0])
			}
			s.header[s.nh] = n
			s.nh++
			if s.nh == 2 && n != s.v {
				return s.errorf(ln, "header: W=%d but the encoder has V=%d", n, s.v)
			}
			continue
		}
		if len(f) != 3 {
			got := strconv.Itoa(len(f))
			if len(f) > 3 {
				got = "more"
			}
			return s.errorf(ln, "want 3 fields \"docID wordID count\", got %s", got)
		}
		s.nnz++
		if s.nnz > s.header[2] {
			return s.errorf(ln, "more entries than NNZ=%d", s.header[2])
		}
		var v [3]int
		for i, what := range [3]string{"docID", "wordID", "count"} {
			n, err := strconv.Atoi(string(f[i]))
			if err != nil {
				return s.errorf(ln, "%s %q is not an integer", what, f[i])
			}
			v[i] = n
		}
		doc, word, count := v[0], v[1], v[2]
		switch {
		case doc < 1 || doc > s.header[0]:
			return s.errorf(ln, "docID %d out of range 1..%d", doc, s.header[0])
		case word < 1 || word > s.header[1]:
			return s.errorf(ln, "wordID %d out of range 1..%d", word, s.header[1])
		case count < 1:
			return s.errorf(ln, "count %d is not positive", count)
		case doc < s.cur:
			return s.errorf(ln, "docID %d after docID %d: entries must be grouped by non-decreasing docID", doc, s.cur)
		}
		if doc != s.cur && len(s.entries) > 0 {
			if err := s.finish(); err != nil {
				return err
			}
			s.cur = doc
			s.entries = append(s.entries, uciEntry{word, count, ln})
			return nil
		}
		s.cur = doc
		s.entries = append(s.entries, uciEntry{word, count, ln})
	}
}
