// Package cli holds what amvi's commands share: reading a corpus in any of
// the supported formats, flags grouped in -h (with the names of a typed
// setting's values, Choices), -version, and reporting errors. It does not import the training packages, so cmd/encode stays free
// of Gorgonia.
// Commands only parse flags and call packages; this is the glue.
package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/amvi/amvi/data"
)

// LoadVocab reads a vocabulary file (one word per line; further columns,
// like 20 Newsgroups' vocab.new's, are ignored). An empty path gives nil.
func LoadVocab(path string) (*data.Vocabulary, error) {
	if path == "" {
		return nil, nil
	}
	v, err := data.LoadVocab(path)
	if err != nil {
		return nil, err
	}
	if v.Len() == 0 {
		return nil, fmt.Errorf("%s: the vocabulary file is empty (want one word per line)", path)
	}
	return v, nil
}

// MaxInferredV bounds the vocabulary size that a corpus without a
// vocabulary file may imply by its largest word id (or a UCI header's W):
// one stray id must not make a model of millions of words.
const MaxInferredV = 1 << 20

// LoadCorpus reads path in the given format. vocab, when not nil, fixes V
// (and is the vocabulary of text documents); text needs it.
func LoadCorpus(path, format string, vocab *data.Vocabulary) (*data.Corpus, error) {
	return LoadCorpusV(path, format, vocab, 0)
}

// LoadCorpusV is LoadCorpus for a model of v words (0: unknown) when there
// is no vocabulary: the feat reader then refuses ids past v with their line.
// Without either, a V over MaxInferredV is refused, naming -vocab.
func LoadCorpusV(path, format string, vocab *data.Vocabulary, v int) (*data.Corpus, error) {
	c, err := loadCorpus(path, format, vocab, v)
	if errors.Is(err, data.ErrNoLabels) && format == "feat" {
		return nil, fmt.Errorf("%w; read it with -format feat-nolabel", err)
	}
	if err != nil {
		return nil, err
	}
	if vocab == nil && v == 0 && c.V > MaxInferredV {
		seen := map[int]bool{}
		for _, d := range c.Docs {
			for _, w := range d.Words {
				seen[w] = true
			}
		}
		what := "its largest word id"
		if format == "uci" {
			what = "its header's W"
		}
		return nil, fmt.Errorf("%s: V=%d from %s, but only %d distinct words appear: give the vocabulary file with -vocab (a model over V=%d words would be huge), or fix the stray id",
			path, c.V, what, len(seen), c.V)
	}
	return c, nil
}

func loadCorpus(path, format string, vocab *data.Vocabulary, v int) (*data.Corpus, error) {
	if vocab != nil {
		v = vocab.Len()
	}
	var c *data.Corpus
	var err error
	switch format {
	case "feat", "feat-nolabel":
		c, err = data.LoadFeat(path, data.FeatOptions{NoLabel: format == "feat-nolabel", V: v})
	case "uci":
		c, err = loadUCI(path, vocab)
	case "text":
		if vocab == nil {
			return nil, fmt.Errorf("reading %s: text needs a vocabulary", path)
		}
		c, err = loadText(path, vocab)
	default:
		return nil, fmt.Errorf("unknown format %q (want %s)", format, data.Formats)
	}
	if err != nil {
		return nil, err
	}
	if vocab != nil {
		c.Vocab, c.V = vocab, vocab.Len()
	}
	return c, nil
}

func loadUCI(path string, vocab *data.Vocabulary) (*data.Corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return data.ReadUCI(f, path, vocab)
}

func loadText(path string, vocab *data.Vocabulary) (*data.Corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return data.ReadText(f, path, vocab)
}

// LoadTextBuildingVocab reads a training file of plain text once (it may be
// a pipe) and returns the vocabulary built from it and its corpus over that
// vocabulary.
func LoadTextBuildingVocab(path string, minCount, maxSize int, stopWords bool) (*data.Vocabulary, *data.Corpus, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	opt := data.TextOptions{MinCount: minCount, MaxSize: maxSize}
	if stopWords {
		opt.StopWords = data.EnglishStopWords
	}
	vocab, err := data.BuildVocabulary(bytes.NewReader(b), path, opt)
	if err != nil {
		return nil, nil, err
	}
	c, err := data.ReadText(bytes.NewReader(b), path, vocab)
	if err != nil {
		return nil, nil, err
	}
	c.Vocab, c.V = vocab, vocab.Len()
	return vocab, c, nil
}

// Words returns the vocabulary's words, or v empty strings when it is nil.
func Words(vocab *data.Vocabulary, v int) []string {
	if vocab == nil {
		return make([]string, v)
	}
	return vocab.Words()
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// Fatal prints "cmd: err" to stderr and exits with status 1. An error that
// already starts with "cmd: " is not prefixed again.
func Fatal(cmd string, err error) {
	msg := err.Error()
	if !strings.HasPrefix(msg, cmd+": ") {
		msg = cmd + ": " + msg
	}
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}
