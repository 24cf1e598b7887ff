package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
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
		writeCSVHeader(w, enc.K())
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
	var err error
	switch wk.o.format {
	case "feat", "feat-nolabel":
		docs, err = parseFeat(c, wk.name, wk.o.format == "feat-nolabel", wk.enc.V())
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
	if n := len(docs) * k; cap(wk.logits) < n {
		wk.logits = make([]float64, n)
	}
	logits := wk.logits[:len(docs)*k]
	if err := wk.enc.BatchLogitsTo(logits, docs, &wk.scratch); err != nil {
		return fmt.Errorf("%s: %w", wk.name, err) // not reached: the parsers check what the encoder needs
	}
	wk.probs = append(wk.probs[:0], make([]float64, k)...)
	out := make([]byte, 0, len(docs)*(k*12+40))
	for i, d := range docs {
		if wk.o.skipEmpty && len(d.Words) == 0 {
			continue
		}
		a := logits[i*k : (i+1)*k]
		encoder.Probs(wk.probs, a)
		if wk.o.csv {
			out = appendCSV(out, index[i], wk.probs, a, wk.o.digits)
		} else {
			out = appendJSON(out, index[i], wk.probs, a, wk.o.digits)
		}
	}
	c.out = out
	c.raw, c.docs = nil, nil
	return nil
}

// appendJSON appends {"index":i,"probs":[…],"code":"…"} and a newline.
func appendJSON(b []byte, index int, probs, logits []float64, digits int) []byte {
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(index), 10)
	b = append(b, `,"probs":[`...)
	b = appendFloats(b, probs, digits)
	b = append(b, `],"code":"`...)
	b = appendCode(b, logits)
	return append(b, "\"}\n"...)
}

func writeCSVHeader(w *bufio.Writer, k int) {
	w.WriteString("index")
	for j := range k {
		fmt.Fprintf(w, ",p%d", j)
	}
	w.WriteString(",code\n")
}

// appendCSV appends index,p0,…,p{K-1},code and a newline.
func appendCSV(b []byte, index int, probs, logits []float64, digits int) []byte {
	b = strconv.AppendInt(b, int64(index), 10)
	b = append(b, ',')
	b = appendFloats(b, probs, digits)
	b = append(b, ',')
	b = appendCode(b, logits)
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

// appendCode appends the most probable code, z_j = 1 exactly when a_j > 0,
// as in encoder.Frozen.Code.
func appendCode(b []byte, logits []float64) []byte {
	for _, a := range logits {
		if a > 0 {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	}
	return b
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
