package data

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// newsDir returns the directory of the 20news data set, shared/data/20news
// next to or inside the repository root, or skips tb if it is absent.
func newsDir(tb testing.TB) string {
	tb.Helper()
	for _, dir := range []string{"../../shared/data/20news", "../shared/data/20news"} {
		if _, err := os.Stat(filepath.Join(dir, "train.feat")); err == nil {
			return dir
		}
	}
	tb.Skip("20news data not found in ../../shared/data/20news (shared/data/20news beside the repository root); skipping the real-data test")
	return ""
}

func Test20News(t *testing.T) {
	dir := newsDir(t)
	vocab, err := LoadVocab(filepath.Join(dir, "vocab.new"))
	if err != nil {
		t.Fatal(err)
	}
	if vocab.Len() != 1995 || vocab.Word(0) != "_eos_" || vocab.Word(1) != "write" {
		t.Errorf("vocabulary: %d words starting %q %q", vocab.Len(), vocab.Word(0), vocab.Word(1))
	}
	for _, test := range []struct {
		file    string
		docs    int
		skipped int
		tokens  int
		used    int // distinct ids used
	}{
		{"train.feat", 11258, 1, 991493, 1994},
		{"test.feat", 7487, 1, 629312, 1992},
	} {
		t.Run(test.file, func(t *testing.T) {
			c, err := LoadFeat(filepath.Join(dir, test.file), FeatOptions{V: vocab.Len()})
			if err != nil {
				t.Fatal(err)
			}
			c.Vocab = vocab
			if c.Len() != test.docs || c.SkippedEmpty != test.skipped || c.Tokens() != test.tokens || c.V != 1995 {
				t.Errorf("%d docs, %d skipped, %d tokens, V = %d; want %d, %d, %d, 1995",
					c.Len(), c.SkippedEmpty, c.Tokens(), c.V, test.docs, test.skipped, test.tokens)
			}
			if err := checkCorpus(c); err != nil {
				t.Error(err)
			}
			used := make(map[int]bool)
			minTok, maxTok := c.Tokens(), 0
			for _, d := range c.Docs {
				for _, w := range d.Words {
					used[w] = true
				}
				minTok = min(minTok, d.Tokens())
				maxTok = max(maxTok, d.Tokens())
			}
			if len(used) != test.used || used[0] {
				t.Errorf("%d distinct ids used (id 0 %t), want %d without _eos_", len(used), used[0], test.used)
			}
			if minTok != 1 {
				t.Errorf("shortest document has %d tokens", minTok)
			}
			t.Logf("%s: %d docs, %d tokens, longest %d tokens", test.file, c.Len(), c.Tokens(), maxTok)
		})
	}
}

func BenchmarkReadFeat20News(b *testing.B) {
	dir := newsDir(b)
	raw, err := os.ReadFile(filepath.Join(dir, "train.feat"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := ReadFeat(bytes.NewReader(raw), "train.feat", FeatOptions{V: 1995})
		if err != nil || c.Len() != 11258 {
			b.Fatal(c.Len(), err)
		}
	}
}
