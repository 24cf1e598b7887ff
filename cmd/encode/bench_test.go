package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
)

// BenchmarkEncode20News runs the command on the 20 Newsgroups test set
// (V=1995, 500 tanh units, K=50), writing to io.Discard: reading, parsing,
// encoding on all cores and formatting, per document.
func BenchmarkEncode20News(b *testing.B) {
	var dir string
	for _, d := range []string{"../../../shared/data/20news", "../../shared/data/20news"} {
		if _, err := os.Stat(filepath.Join(d, "test.feat")); err == nil {
			dir = d
		}
	}
	if dir == "" {
		b.Skip("20news data not found")
	}
	vocab, err := data.LoadVocab(filepath.Join(dir, "vocab.new"))
	if err != nil {
		b.Fatal(err)
	}
	model := filepath.Join(b.TempDir(), "model.safetensors")
	if err := checkpoints.Save(model, modelCheckpoint(b, vocab.Words(), 500, 50)); err != nil {
		b.Fatal(err)
	}
	feat := filepath.Join(dir, "test.feat")
	lines := 0
	if f, err := os.Open(feat); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines++
		}
		f.Close()
	}
	for _, format := range []struct {
		name string
		args []string
	}{
		{"jsonl", nil}, {"csv", []string{"-csv"}},
		{"jsonl-probs", []string{"-probs"}}, {"jsonl-probs-4-digits", []string{"-probs", "-digits", "4"}},
	} {
		b.Run(format.name, func(b *testing.B) {
			args := append([]string{"-checkpoint", model, "-data", feat}, format.args...)
			for b.Loop() {
				if err := run(args, nil, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
