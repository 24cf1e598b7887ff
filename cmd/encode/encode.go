package main

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

// encode reads documents from in, encodes them on o.workers goroutines and
// writes one line per document to w in input order. At most 2·o.workers
// chunks are in memory at once.
func encode(o *options, enc *encoder.Frozen, vocab *data.Vocabulary, in io.Reader, name string, size int64, w *bufio.Writer, bar progress) error {
	lr := newLineReader(in, name)
	var src source = &lineChunks{lr: lr, n: o.chunk}
	if o.format == "uci" {
		src = &uciChunks{lr: lr, n: o.chunk, v: enc.V()}
	}
	if o.csv {
		writeCSVHeader(w, o, enc.K())
	}

	done := make(chan struct{})
	defer close(done)
	slots := make(chan struct{}, 2*o.workers) // chunks in flight
	jobs := make(chan *chunk)
	results := make(chan *chunk)

	go func() { // the reader
		defer close(jobs)
		for seq := 0; ; seq++ {
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
			c, err := src.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				c = &chunk{err: err}
			}
			c.seq = seq
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
	for range o.workers {
		wg.Go(func() {
			wk := &worker{o: o, enc: enc, name: name, text: textParser{vocab: vocab}}
			for c := range jobs {
				if c.err == nil {
					c.err = wk.process(c)
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

	pending := map[int]*chunk{}
	next := 0
	for c := range results {
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if c.err != nil {
				return c.err
			}
			if _, err := w.Write(c.out); err != nil {
				return err
			}
			bar.add(c.size)
			next++
			<-slots
		}
	}
	bar.finish()
	return nil
}

// worker parses, encodes and formats chunks; each goroutine has its own.
type worker struct {
	o       *options
	enc     *encoder.Frozen
	name    string
	text    textParser
	scratch encoder.Scratch
	logits  []float64
	probs   []float64
}

func (wk *worker) process(c *chunk) error {
	docs, index := c.docs, c.index
	var labels [][]byte
	var err error
	switch wk.o.format {
	case "feat", "feat-nolabel":
		docs, labels, err = parseFeat(c, wk.name, wk.o.format == "feat-nolabel", wk.enc.V())
	case "text":
		docs, err = wk.text.parse(c, wk.name)
	}
	if err != nil {
		return err
	}
	if index == nil {
		index = make([]int, len(docs))
		for i := range index {
			index[i] = c.firstLine - 1 + i
		}
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
	if wk.o.probs {
		per += 24 * k
	}
	out := make([]byte, 0, len(docs)*per)
	for i, d := range docs {
		if wk.o.skipEmpty && len(d.Words) == 0 {
			continue
		}
		r := row{index: index[i], logits: logits[i*k : (i+1)*k], code: codes.Code(i)}
		if wk.o.label {
			r.label = labels[i]
		}
		if wk.o.probs {
			encoder.Probs(wk.probs, r.logits)
			r.probs = wk.probs
		}
		if wk.o.csv {
			out = r.appendCSV(out, wk.o.digits)
		} else {
			out = r.appendJSON(out, wk.o.digits)
		}
	}
	c.out = out
	c.raw, c.docs = nil, nil
	return nil
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
	b = appendBits(b, r.logits)
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

// writeCSVHeader writes index[,label],code,hex[,p0,…,p{K-1}].
func writeCSVHeader(w *bufio.Writer, o *options, k int) {
	w.WriteString("index")
	if o.label {
		w.WriteString(",label")
	}
	w.WriteString(",code,hex")
	if o.probs {
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
	b = appendBits(b, r.logits)
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

// appendBits appends the most probable code, z_j = 1 exactly when a_j > 0,
// as in encoder.Frozen.Code.
func appendBits(b []byte, logits []float64) []byte {
	for _, a := range logits {
		if a > 0 {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
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

// progress reports input bytes done.
type progress interface {
	add(n int64)
	finish()
}

type noProgress struct{}

func (noProgress) add(int64) {}
func (noProgress) finish()   {}

type barProgress struct{ bar *progressbar.ProgressBar }

func (p barProgress) add(n int64) { _ = p.bar.Add64(n) }
func (p barProgress) finish()     { _ = p.bar.Finish() }

// progressOn returns a progress bar over size input bytes (-1: unknown) on
// stderr when it is a terminal, and no progress report otherwise.
func progressOn(stderr io.Writer, size int64) progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return noProgress{}
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
