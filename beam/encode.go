package amvibeam

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/encodeio"
)

// EncodeOptions configures the encode pipeline.
type EncodeOptions struct {
	// Inputs are file patterns (globs) of documents in Format, local or
	// on a file system Beam knows (gs://, s3://).
	Inputs     []string
	Format     string // one of data.Formats
	Checkpoint string // the model checkpoint
	Vocab      string // vocabulary file, or ""
	// Output is the folder the shards are written to: input file F's
	// shard i of Shards is Output/base(F)-iiiii-of-NNNNN.jsonl (.csv with
	// CSV), the lines of `encode -shard i/Shards` on F, in the same order.
	Output    string
	Shards    int
	CSV       bool
	SkipEmpty bool
	Probs     bool // also write the probabilities, as encode's -probs
	Label     bool // also write the feat label, as encode's -label
	Digits    int  // as encode's -digits; -1: the fewest that read back exactly
}

// Block is a run of data.ShardBlock documents of one input file, as
// encodeio cuts it: block Seq holds documents Seq·ShardBlock on.
type Block struct {
	File      string
	Seq       int
	FirstLine int
	Raw       []byte
	Lines     int
	Docs      []data.Document
	Index     []int
}

// Lines is a block's output lines, or a shard's header (Seq −1).
type Lines struct {
	Seq int
	Out []byte
}

func init() {
	beam.RegisterType(reflect.TypeOf((*Block)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Lines)(nil)).Elem())
	register.DoFn4x1[context.Context, fileio.ReadableFile, func(Block), func(string, Lines), error](&splitFn{})
	register.DoFn3x1[context.Context, Block, func(string, Lines), error](&encodeFn{})
	register.DoFn4x1[context.Context, string, func(*Lines) bool, func(*string) bool, error](&writeShardFn{})
	register.Function1x1(fileOf)
	register.Emitter1[Block]()
	register.Emitter2[string, Lines]()
	register.Iter1[Lines]()
	register.Iter1[string]()
}

// Encode adds the encode pipeline to s: it matches the inputs, cuts each
// file into blocks (one worker reads a file), encodes the blocks with the
// encoder loaded once per worker (Setup), and writes each file's shards.
func Encode(s beam.Scope, o EncodeOptions) {
	s = s.Scope("amvi.Encode")
	opt := o.encodeio()
	matches := fileio.MatchFiles(s, o.Inputs[0])
	for _, glob := range o.Inputs[1:] {
		matches = beam.Flatten(s, matches, fileio.MatchFiles(s, glob))
	}
	files := fileio.ReadMatches(s, matches, fileio.ReadUncompressed())
	blocks, headers := beam.ParDo2(s, &splitFn{Opt: opt, Checkpoint: o.Checkpoint, Shards: o.Shards}, files)
	lines := beam.ParDo(s, &encodeFn{Opt: opt, Checkpoint: o.Checkpoint, Vocab: o.Vocab, Shards: o.Shards},
		beam.Reshuffle(s, blocks))
	names := beam.ParDo(s, fileOf, files)
	shards := beam.GroupByKey(s, beam.Flatten(s, lines, headers))
	beam.ParDo0(s, &writeShardFn{Output: o.Output, CSV: o.CSV, Shards: o.Shards}, shards, beam.SideInput{Input: names})
}

func (o EncodeOptions) encodeio() encodeio.Options {
	return encodeio.Options{Format: o.Format, CSV: o.CSV, SkipEmpty: o.SkipEmpty, Probs: o.Probs, Label: o.Label,
		Workers: 1, Chunk: data.ShardBlock, Digits: o.Digits}
}

func fileOf(f fileio.ReadableFile) string { return f.Metadata.Path }

// shardKey names the output shard of a file's block: file NUL shard.
func shardKey(file string, shard int) string { return fmt.Sprintf("%s\x00%d", file, shard) }

// splitFn cuts a file into blocks, and emits the head of each of its
// output shards (empty, or CSV's header), so that every shard is written
// even where it has no documents.
type splitFn struct {
	Opt        encodeio.Options
	Checkpoint string
	Shards     int
	enc        *encoder.Frozen
}

func (f *splitFn) Setup(ctx context.Context) error {
	var err error
	f.enc, err = loadEncoder(ctx, f.Checkpoint)
	return err
}

func (f *splitFn) ProcessElement(ctx context.Context, file fileio.ReadableFile, emit func(Block), head func(string, Lines)) error {
	name := file.Metadata.Path
	var hdr bytes.Buffer
	if f.Opt.CSV {
		w := bufio.NewWriter(&hdr)
		encodeio.WriteCSVHeader(w, &f.Opt, f.enc.K())
		w.Flush()
	}
	for i := range f.Shards {
		head(shardKey(name, i), Lines{Seq: -1, Out: hdr.Bytes()})
	}
	r, err := file.Open(ctx)
	if err != nil {
		return fmt.Errorf("opening %s: %w", name, err)
	}
	defer r.Close()
	src := encodeio.NewSource(&f.Opt, f.enc, r, name)
	for seq := 0; ; seq++ {
		c, err := src.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		emit(Block{File: name, Seq: seq, FirstLine: c.FirstLine, Raw: c.Raw, Lines: c.Lines, Docs: c.Docs, Index: c.Index})
	}
}

// encodeFn encodes blocks with an encoder loaded once per worker.
type encodeFn struct {
	Opt               encodeio.Options
	Checkpoint, Vocab string
	Shards            int
	enc               *encoder.Frozen
	vocab             *data.Vocabulary
	workers           map[string]*encodeio.Worker
}

func (f *encodeFn) Setup(ctx context.Context) error {
	var err error
	if f.enc, err = loadEncoder(ctx, f.Checkpoint); err != nil {
		return err
	}
	vocab, cleanup, err := localCopy(ctx, f.Vocab)
	if err != nil {
		return err
	}
	defer cleanup()
	f.vocab, err = encodeio.Vocabulary(f.enc, f.Checkpoint, vocab, f.Opt.Format)
	f.workers = map[string]*encodeio.Worker{}
	return err
}

func (f *encodeFn) ProcessElement(ctx context.Context, b Block, emit func(string, Lines)) error {
	wk := f.workers[b.File]
	if wk == nil {
		wk = encodeio.NewWorker(&f.Opt, f.enc, f.vocab, b.File)
		f.workers[b.File] = wk
	}
	c := &encodeio.Chunk{Seq: b.Seq, FirstLine: b.FirstLine, Raw: b.Raw, Lines: b.Lines, Docs: b.Docs, Index: b.Index}
	if err := wk.Process(c); err != nil {
		return err
	}
	emit(shardKey(b.File, b.Seq%f.Shards), Lines{Seq: b.Seq, Out: c.Out})
	return nil
}

// writeShardFn writes one output shard, its blocks in order, to a
// temporary file that it then renames.
type writeShardFn struct {
	Output string
	CSV    bool
	Shards int
}

func (f *writeShardFn) ProcessElement(ctx context.Context, key string, lines func(*Lines) bool, inputs func(*string) bool) error {
	file, shardText, _ := strings.Cut(key, "\x00")
	var shard, n int
	fmt.Sscan(shardText, &shard)
	base := path.Base(strings.ReplaceAll(file, "\\", "/"))
	var all []string
	var in string
	for inputs(&in) {
		all = append(all, in)
	}
	for _, other := range all {
		if other != file && path.Base(strings.ReplaceAll(other, "\\", "/")) == base {
			return fmt.Errorf("inputs %s and %s have the same name: their outputs would clash", file, other)
		}
	}
	var parts []Lines
	var l Lines
	for lines(&l) {
		parts = append(parts, Lines{Seq: l.Seq, Out: slices.Clone(l.Out)})
		if l.Seq < 0 {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%s shard %d: %d heads", file, shard, n) // not reached
	}
	slices.SortFunc(parts, func(a, b Lines) int { return a.Seq - b.Seq })
	var out bytes.Buffer
	for _, p := range parts {
		out.Write(p.Out)
	}
	ext := ".jsonl"
	if f.CSV {
		ext = ".csv"
	}
	return writeFile(ctx, joinPath(f.Output, fmt.Sprintf("%s-%05d-of-%05d%s", base, shard, f.Shards, ext)), out.Bytes())
}
