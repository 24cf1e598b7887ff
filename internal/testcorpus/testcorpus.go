// Package testcorpus writes small synthetic corpora to files, for tests of
// the commands that read them.
package testcorpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/synth"
)

// Files are the paths of a written corpus.
type Files struct {
	Train, Test, Vocab string
	Corpus             *synth.Corpus
}

// Write generates a synthetic corpus with V words and the given numbers of
// documents and writes it into dir in the feat format (each file ending with
// an empty document, as 20 Newsgroups' do) with a vocab.new-style word list.
func Write(dir string, v, train, test int) (*Files, error) {
	spec := synth.Default
	spec.Train, spec.Test, spec.V = train, test, v
	s, err := synth.Generate(spec)
	if err != nil {
		return nil, err
	}
	f := &Files{Train: filepath.Join(dir, "train.feat"), Test: filepath.Join(dir, "test.feat"), Vocab: filepath.Join(dir, "vocab.new"), Corpus: s}
	if err := writeFeat(f.Train, s.Train); err != nil {
		return nil, err
	}
	if err := writeFeat(f.Test, s.Test); err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.Vocab, []byte(strings.Join(s.Vocab, " 0\n")+" 0\n"), 0o644); err != nil {
		return nil, err
	}
	return f, nil
}

func writeFeat(path string, c *data.Corpus) error {
	var b strings.Builder
	for _, d := range c.Docs {
		b.WriteString("1")
		for i, w := range d.Words {
			fmt.Fprintf(&b, " %d:%d", w+1, d.Counts[i])
		}
		b.WriteString("\n")
	}
	b.WriteString("1 \n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
