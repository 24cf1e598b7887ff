// Package encodeio reads documents in amvi's input formats as a stream,
// encodes them with a frozen encoder and writes their codes (and, if asked,
// labels and probabilities) as JSON Lines or CSV: cmd/encode's work, which
// the Beam pipeline (module beam/) runs too, on chunks cut by [NewSource]
// and encoded by a [Worker], so that both write the same bytes.
package encodeio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/hashing"
)

// Options says how to read and write: cmd/encode's flags.
type Options struct {
	Format                       string // one of data.Formats
	CSV, SkipEmpty, Probs, Label bool
	Workers, Chunk               int // goroutines encoding; documents per chunk
	Digits                       int // significant digits of the probabilities; -1: the fewest that read back exactly
	// Shard, when set, keeps only its documents (data.Shard).
	Shard data.Shard
}

// NewSource returns a Source that cuts in, named name in errors, into
// chunks of o.Chunk documents: chunk s holds documents s·o.Chunk to
// (s+1)·o.Chunk − 1.
func NewSource(o *Options, enc *encoder.Frozen, in io.Reader, name string) Source {
	lr := newLineReader(in, name)
	if o.Format == "uci" {
		return &uciChunks{lr: lr, n: o.Chunk, v: enc.V()}
	}
	return &lineChunks{lr: lr, n: o.Chunk, free: make(chan *Chunk, 2*o.Workers)}
}

// Encode reads documents from in, encodes them on o.Workers goroutines and
// writes one line per document to w in input order (after a header for
// CSV). At most 2·o.Workers chunks are in memory at once.
func Encode(o *Options, enc *encoder.Frozen, vocab *data.Vocabulary, in io.Reader, name string, w *bufio.Writer, bar Progress) error {
	src := NewSource(o, enc, in, name)
	if o.CSV {
		WriteCSVHeader(w, o, enc.K())
	}

	done := make(chan struct{})
	defer close(done)
	slots := make(chan struct{}, 2*o.Workers) // chunks in flight
	jobs := make(chan *Chunk)
	results := make(chan *Chunk)

	go func() { // the reader
		defer close(jobs)
		for seq := 0; ; seq++ {
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
			c, err := src.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				c = &Chunk{err: err}
			}
			c.Seq = seq
			select {
			case jobs <- c:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range o.Workers {
		wg.Go(func() {
			wk := NewWorker(o, enc, vocab, name)
			for c := range jobs {
				if c.err == nil {
					c.err = wk.Process(c)
				}
				select {
				case results <- c:
				case <-done:
					return
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	pending := map[int]*Chunk{}
	next := 0
	for c := range results {
		pending[c.Seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if c.err != nil {
				return c.err
			}
			if _, err := w.Write(c.Out); err != nil {
				return err
			}
			bar.add(c.Size)
			next++
			recycle(src, c)
			<-slots
		}
	}
	bar.finish()
	return nil
}

// recycle hands c, written, back to src for a later chunk to reuse its
// buffers, if src reuses chunks.
func recycle(src Source, c *Chunk) {
	if r, ok := src.(interface{ recycle(*Chunk) }); ok {
		r.recycle(c)
	}
}

// A Worker parses, encodes and formats chunks; each goroutine needs its own.
type Worker struct {
	o       *Options
	enc     *encoder.Frozen
	name    string
	text    textParser
	scratch encoder.Scratch
	logits  []float64
	probs   []float64
	docs    []data.Document // the shard's documents of a chunk
	index   []int
	labels  [][]byte
}

// NewWorker returns a Worker for chunks of the input name.
func NewWorker(o *Options, enc *encoder.Frozen, vocab *data.Vocabulary, name string) *Worker {
	return &Worker{o: o, enc: enc, name: name, text: textParser{vocab: vocab}}
}

// Process parses c's documents and writes the output lines of those in
// o.Shard into c.Out; it returns the input's first error.
func (wk *Worker) Process(c *Chunk) error {
	docs, index := c.Docs, c.Index
	var labels [][]byte
	var err error
	switch wk.o.Format {
	case "feat", "feat-nolabel":
		docs, labels, err = parseFeat(c, wk.name, wk.o.Format == "feat-nolabel", wk.enc.V())
	case "text":
		docs, err = wk.text.parse(c, wk.name)
	}
	if err != nil {
		return err
	}
	if index == nil {
		index = make([]int, len(docs))
		for i := range index {
			index[i] = c.FirstLine - 1 + i
		}
	}
	if wk.o.Shard.N > 1 {
		docs, index, labels = wk.ownDocs(docs, index, labels)
	}
	k := wk.enc.K()
	wk.logits = slices.Grow(wk.logits[:0], len(docs)*k)[:len(docs)*k]
	logits := wk.logits
	if err := wk.enc.BatchLogitsTo(logits, docs, &wk.scratch); err != nil {
		return fmt.Errorf("%s: %w", wk.name, err) // not reached: the parsers check what the encoder needs
	}
	codes := hashing.NewCodes(len(docs), k)
	hashing.Threshold(codes, logits, nil)
	wk.probs = slices.Grow(wk.probs[:0], k)[:k]
	per := 2*k + 40
	if wk.o.Probs {
		per += 24 * k
	}
	out := slices.Grow(c.Out[:0], len(docs)*per)
	for i, d := range docs {
		if wk.o.SkipEmpty && len(d.Words) == 0 {
			continue
		}
		r := row{index: index[i], logits: logits[i*k : (i+1)*k], code: codes.Code(i)}
		if wk.o.Label {
			r.label = labels[i]
		}
		if wk.o.Probs {
			encoder.Probs(wk.probs, r.logits)
			r.probs = wk.probs
		}
		if wk.o.CSV {
			out = r.appendCSV(out, wk.o.Digits)
		} else {
			out = r.appendJSON(out, wk.o.Digits)
		}
	}
	c.Out = out
	c.Docs = nil
	return nil
}

// ownDocs returns the documents of docs in the shard, their indices and
// labels (if any), in buffers of wk's.
func (wk *Worker) ownDocs(docs []data.Document, index []int, labels [][]byte) ([]data.Document, []int, [][]byte) {
	wk.docs, wk.index, wk.labels = wk.docs[:0], wk.index[:0], wk.labels[:0]
	for i, d := range docs {
		if wk.o.Shard.Has(index[i]) {
			wk.docs, wk.index = append(wk.docs, d), append(wk.index, index[i])
			if labels != nil {
				wk.labels = append(wk.labels, labels[i])
			}
		}
	}
	if labels == nil {
		return wk.docs, wk.index, nil
	}
	return wk.docs, wk.index, wk.labels
}

// row is one output line's content.
type row struct {
	index  int
	label  []byte    // with -label
	logits []float64 // the code is z_j = 1 exactly when logits[j] > 0
	code   []uint64  // the code packed as package hashing packs it
	probs  []float64 // with -probs
}

// appendJSON appends {"index":i[,"label":…],"code":"…","hex":"…"[,"probs":[…]]}
// and a newline.
func (r *row) appendJSON(b []byte, digits int) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(r.index), 10)
	if r.label != nil {
		b = append(b, `,"label":`...)
		b = appendJSONString(b, r.label)
	}
	b = append(b, `,"code":"`...)
	b = hashing.AppendBits(b, r.code, len(r.logits))
	b = append(b, `","hex":"`...)
	b = hashing.AppendHex(b, r.code, len(r.logits))
	b = append(b, '"')
	if r.probs != nil {
		b = append(b, `,"probs":[`...)
		b = appendFloats(b, r.probs, digits)
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// WriteCSVHeader writes the CSV header line for codes of k bits:
// index[,label],code,hex[,p0,…,p{K-1}].
func WriteCSVHeader(w *bufio.Writer, o *Options, k int) {
	w.WriteString("index")
	if o.Label {
		w.WriteString(",label")
	}
	w.WriteString(",code,hex")
	if o.Probs {
		for j := range k {
			fmt.Fprintf(w, ",p%d", j)
		}
	}
	w.WriteString("\n")
}

// appendCSV appends a CSV line in the order of writeCSVHeader. The code is
// written "b0110…" and the hex code "x6c…": a spreadsheet would read a bare
// 0110 as the number 110, and a hex code such as 1e10 as 10¹⁰.
func (r *row) appendCSV(b []byte, digits int) []byte {
	b = strconv.AppendInt(b, int64(r.index), 10)
	if r.label != nil {
		b = append(b, ',')
		b = appendCSVField(b, r.label)
	}
	b = append(b, ",b"...)
	b = hashing.AppendBits(b, r.code, len(r.logits))
	b = append(b, ",x"...)
	b = hashing.AppendHex(b, r.code, len(r.logits))
	if r.probs != nil {
		b = append(b, ',')
		b = appendFloats(b, r.probs, digits)
	}
	return append(b, '\n')
}

func appendFloats(b []byte, xs []float64, digits int) []byte {
	for j, x := range xs {
		if j > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, x, 'g', digits, 64)
	}
	return b
}

// appendJSONString appends s, valid UTF-8 (the feat reader checks it), as
// a JSON string.
func appendJSONString(b, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, hexDigit[c>>4], hexDigit[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

const hexDigit = "0123456789abcdef"

// appendCSVField appends s as a CSV field, quoted (with doubled quotes)
// when it holds a comma, a quote or a line break, as RFC 4180 has it.
func appendCSVField(b, s []byte) []byte {
	if !bytes.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for _, c := range s {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// Progress reports input bytes done.
type Progress interface {
	add(n int64)
	finish()
}

// NoProgress reports nothing.
type NoProgress struct{}

func (NoProgress) add(int64) {}
func (NoProgress) finish()   {}

type barProgress struct{ bar *progressbar.ProgressBar }

func (p barProgress) add(n int64) { _ = p.bar.Add64(n) }
func (p barProgress) finish()     { _ = p.bar.Finish() }

// ProgressOn returns a progress bar over size input bytes (-1: unknown) on
// stderr when it is a terminal, and no progress report otherwise.
func ProgressOn(stderr io.Writer, size int64) Progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return NoProgress{}
	}
	return barProgress{progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription("encoding"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200_000_000),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth())}
}

// Vocabulary returns the vocabulary that text input is read with (nil for
// the other formats), after checking the file vocabPath ("": none) against
// the vocabulary of enc, loaded from checkpoint.
func Vocabulary(enc *encoder.Frozen, checkpoint, vocabPath, format string) (*data.Vocabulary, error) {
	vocab := enc.Vocabulary()
	if vocabPath != "" {
		v, err := data.LoadVocab(vocabPath)
		if err != nil {
			return nil, err
		}
		if v.Len() != enc.V() {
			return nil, fmt.Errorf("%s has %d words, the encoder in %s V=%d", vocabPath, v.Len(), checkpoint, enc.V())
		}
		if vocab != nil && !slices.Equal(v.Words(), vocab.Words()) {
			return nil, fmt.Errorf("%s differs from the vocabulary stored in %s", vocabPath, checkpoint)
		}
		vocab = v
	}
	if format == "text" && vocab == nil {
		return nil, fmt.Errorf("%s stores no words (it was trained on word ids): text needs -vocab", checkpoint)
	}
	return vocab, nil
}
