// Command encode turns documents into the posterior probabilities and
// binary codes of a trained amvi encoder, one output line per input
// document, in input order.
//
//	encode -checkpoint runs/20news/best.safetensors -data data/20news/test.feat > test.jsonl
//
// Each line of the default JSON Lines output is
//
//	{"index":0,"code":"0110…","hex":"6…"}
//
// where index is the document's 0-based position in the input (its line
// for the feat and text data.Formats, docID−1 for UCI), code is the most
// probable code, z_j = 1 exactly when q(z_j = 1 | x) > 1/2, as a string of
// K bits, z_0 first, and hex is the same code packed four bits to a
// hexadecimal digit, z_0 the most significant bit of the first digit and
// the last digit padded with zero bits (the layout of package hashing's
// codes, whose Hamming distance is the popcount of the XOR). -probs adds
// "probs":[…], the K probabilities q(z_j = 1 | x), in the shortest form
// that reads back exactly (or -digits significant digits); -label adds the
// feat format's label field, "label":"3", before the code.
//
// With -csv the output is CSV with the header
// "index[,label],code,hex[,p0,…,p{K-1}]". There the code is written with
// a "b" in front and the hex code with an "x" (b0110…, x6…), so that a
// spreadsheet keeps them as text: a bare 0110 would become the number 110,
// and a hex code such as 1e10 the number 10¹⁰. A label holding a comma or a
// quote is quoted.
//
// Unlike the corpus readers, encode keeps empty documents (a feat line with
// no id:count tokens, a text line with no known word, a UCI docID with no
// entries): their posterior is the encoder's answer for a document without
// words, and keeping them keeps output line i beside input document i.
// -skip-empty leaves them out.
//
// -shard i/N encodes only shard i of N (data.Shard: the documents whose
// index d has ⌊d/64⌋ mod N = i), so that N processes share a corpus; each
// still reads, and checks, the whole input. The shards' lines, sorted by
// index, are the output of one process (docs/distributed.md).
//
// The input is read in chunks of -chunk documents, which are encoded on
// -workers cores at once and written in order, so memory does not grow
// with the corpus. A progress bar is shown on standard error when it is a
// terminal. Malformed input stops the command with the file and line of the
// problem and exit status 1; -out then leaves the file that was there (or
// none) untouched, as does any other failure; a device or pipe given as -out
// is written in place and never removed.
//
// encode does not link Gorgonia: it uses package encoder's graph-free,
// sparse forward pass.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/cli"
	"github.com/amvi/amvi/internal/encodeio"
	"github.com/amvi/amvi/internal/outfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		cli.Fatal("encode", err)
	}
}

// options are the parsed command line.
type options struct {
	checkpoint, data, vocab, out string
	cpuProfile                   string
	encodeio.Options
}

// maxWorkers bounds -workers.
const maxWorkers = 1024

func parseFlags(args []string, stdout io.Writer) (*options, error) {
	fs := cli.NewFlagSet("encode", "-checkpoint FILE -data FILE [flags]",
		"Writes each document's most probable code (z_j = 1 where q(z_j=1|x) > 1/2), one line per\n"+
			"document, in input order. By default a line holds the document's index and its code, as K\n"+
			"bits (z_0 first) and as hex (four bits a digit, z_0 the top bit of the first), and nothing\n"+
			`else: {"index":0,"code":"0110…","hex":"6…"}, about 1.25·K+40 bytes. -label adds the feat`+"\n"+
			`label, "label":"…"; -probs adds the K probabilities, "probs":[q(z_j=1|x)…], up to 24 bytes`+"\n"+
			"each (-digits to shorten them); -csv writes the same fields as CSV.", stdout)
	o := &options{}
	fs.Group(cli.GroupData)
	fs.StringVar(&o.data, "data", "", "documents to encode, - for standard input (required); for uci, the docword `FILE`")
	fs.StringVar(&o.Format, "format", "feat", "input format: "+data.Formats)
	fs.StringVar(&o.vocab, "vocab", "", "vocabulary `FILE`; must match the checkpoint's (text uses the checkpoint's vocabulary unless it has no words)")
	fs.BoolVar(&o.Label, "label", false, "also write each document's label field (feat format only)")
	fs.BoolVar(&o.SkipEmpty, "skip-empty", false, "leave out documents with no (known) words, as the corpus readers do")
	fs.Group(cli.GroupModel)
	fs.StringVar(&o.checkpoint, "checkpoint", "", "model checkpoint written by training, e.g. runs/x/best.safetensors, or an export folder (required)")
	fs.Group(cli.GroupEvaluation)
	fs.IntVar(&o.Workers, "workers", runtime.GOMAXPROCS(0), "goroutines encoding at once")
	fs.IntVar(&o.Chunk, "chunk", 1024, "documents per unit of work; memory grows with chunk × workers, not with the input")
	fs.Func("shard", "encode only shard `i/N` of the input: the documents whose index d has ⌊d/64⌋ mod N = i", func(v string) error {
		var err error
		o.Shard, err = data.ParseShard(v)
		return err
	})
	fs.Group(cli.GroupOutput)
	fs.StringVar(&o.out, "out", "", "output `FILE` (default: standard output)")
	fs.BoolVar(&o.CSV, "csv", false, "write CSV instead of JSON Lines (the code as b0110…, the hex code as x6…, so that spreadsheets keep them as text)")
	fs.BoolVar(&o.Probs, "probs", false, "also write the K probabilities q(z_j=1|x)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `FILE` (for go tool pprof)")
	fs.IntVar(&o.Digits, "digits", -1, "with -probs, significant digits of the probabilities; -1: the fewest that read back exactly")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case o.checkpoint == "" || o.data == "":
		return nil, errors.New("-checkpoint and -data are required (encode -h lists the flags)")
	case !slices.Contains([]string{"feat", "feat-nolabel", "uci", "text"}, o.Format):
		return nil, fmt.Errorf("unknown format %q (want %s)", o.Format, data.Formats)
	case o.Workers < 1 || o.Chunk < 1:
		return nil, errors.New("-workers and -chunk must be positive")
	case o.Label && o.Format != "feat":
		return nil, fmt.Errorf("-label needs the feat format's label column, not -format %s", o.Format)
	case o.Workers > maxWorkers:
		// Each worker holds up to two chunks and its buffers.
		return nil, fmt.Errorf("-workers %d: at most %d (this machine has %d cores)", o.Workers, maxWorkers, runtime.NumCPU())
	case o.Digits < -1 || o.Digits == 0 || o.Digits > 17:
		return nil, errors.New("-digits must be -1 or lie in 1..17")
	}
	return o, nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	stopProfile, err := cli.StartCPUProfile(o.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile(&err)
	enc, err := encoder.Load(o.checkpoint)
	if err != nil {
		return err
	}
	vocab, err := encodeio.Vocabulary(enc, o.checkpoint, o.vocab, o.Format)
	if err != nil {
		return err
	}

	var in io.Reader = stdin
	name := "standard input"
	size := int64(-1)
	if o.data != "-" {
		f, err := os.Open(o.data)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in, name = f, o.data
	}

	if o.out != "" {
		// Writing the output over an input would destroy it on success.
		if p, same := outfile.SameFile(o.out, o.checkpoint, o.data, o.vocab); same {
			return fmt.Errorf("-out %s is the input %s: give another output file", o.out, p)
		}
		file, err := outfile.Create(o.out)
		if err != nil {
			return fmt.Errorf("-out: %w", err)
		}
		// A failure leaves the file that was there untouched (or no file);
		// a device or pipe is written in place and never removed.
		w := bufio.NewWriterSize(file, 1<<20)
		err = encodeio.Encode(&o.Options, enc, vocab, in, name, w, encodeio.ProgressOn(stderr, size))
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			file.Abort()
			return err
		}
		return file.Commit()
	}
	sw := outfile.NewWriter(stdout, "standard output")
	w := bufio.NewWriterSize(sw, 1<<20)
	err = encodeio.Encode(&o.Options, enc, vocab, in, name, w, encodeio.ProgressOn(stderr, size))
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = sw.Err()
	}
	return err
}
