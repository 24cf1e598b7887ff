package encoder_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/train"
)

var update = flag.Bool("update", false, "retrain the examples' model and rewrite "+tinyPath)

// tinyPath is the checkpoint the examples load: a model with 30 words, 3
// topics and K=4, trained by tinyModel.
const tinyPath = "../testdata/encoder/tiny.safetensors"

// tinyTopics are the words of the examples' corpus, ten per topic.
var tinyTopics = [][]string{
	{"rocket", "orbit", "launch", "moon", "planet", "star", "nasa", "shuttle", "satellite", "astronaut"},
	{"recipe", "flour", "oven", "bake", "sugar", "butter", "bread", "cake", "salt", "garlic"},
	{"goal", "team", "match", "score", "player", "coach", "league", "season", "ball", "referee"},
}

// tinyCorpus returns a corpus of documents each drawn mostly from one of
// the three topics, with a few words from another.
func tinyCorpus(n int, rng *rand.Rand) (*data.Corpus, []string) {
	words := slices.Concat(tinyTopics...)
	c := &data.Corpus{V: len(words)}
	for range n {
		topic := rng.IntN(len(tinyTopics))
		counts := make([]int, len(words))
		for range 8 + rng.IntN(20) {
			t := topic
			if rng.IntN(10) == 0 {
				t = rng.IntN(len(tinyTopics))
			}
			counts[t*10+rng.IntN(10)]++
		}
		var d data.Document
		for w, k := range counts {
			if k > 0 {
				d.Words = append(d.Words, w)
				d.Counts = append(d.Counts, k)
			}
		}
		c.Docs = append(c.Docs, d)
	}
	return c, words
}

// tinyModel trains the examples' model and writes its best checkpoint to
// tinyPath.
func tinyModel(t *testing.T) {
	c, words := tinyCorpus(600, rand.New(rand.NewPCG(2024, 1)))
	cfg := train.DefaultConfig()
	cfg.V, cfg.K, cfg.Hidden, cfg.Input = len(words), 4, []int{16}, encoder.InputLog1p
	cfg.Epochs, cfg.Batch, cfg.LR, cfg.Samples, cfg.Alpha = 60, 32, 1e-2, 4, 0.5
	trainC, validC := data.Split(c, 0.2, rand.New(rand.NewPCG(1, 1)))
	dir := t.TempDir()
	tr, err := train.New(cfg, dir, trainC, validC, words)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained: %+v", res)
	b, err := os.ReadFile(filepath.Join(dir, train.BestFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(tinyPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tinyPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTinyCheckpoint checks the examples' checkpoint, which `go test
// ./encoder -run TestTinyCheckpoint -update` regenerates.
func TestTinyCheckpoint(t *testing.T) {
	if *update {
		tinyModel(t)
	}
	f, err := encoder.Load(tinyPath)
	if err != nil {
		t.Fatal(err)
	}
	if f.V() != 30 || f.K() != 4 || f.Vocabulary() == nil || f.Vocabulary().Word(0) != "rocket" {
		t.Fatalf("V=%d K=%d vocabulary %v", f.V(), f.K(), f.Vocabulary())
	}
	// The model separates the topics: documents of different topics get
	// different codes.
	seen := map[string]int{}
	for i, topic := range tinyTopics {
		doc, _, err := f.Document(strings.Join(topic, " "))
		if err != nil {
			t.Fatal(err)
		}
		code, err := f.Code(doc)
		if err != nil {
			t.Fatal(err)
		}
		if j, ok := seen[code.String()]; ok {
			t.Errorf("topics %d and %d both get code %v", j, i, code)
		}
		seen[code.String()] = i
	}
}

// untrained returns the checkpoint that training writes before its first
// step, for a small model with the given words (nil: unknown words).
func untrained(t *testing.T, words []string) *checkpoints.Checkpoint {
	t.Helper()
	c, vocab := tinyCorpus(40, rand.New(rand.NewPCG(5, 5)))
	if words != nil {
		vocab = words
	}
	cfg := train.DefaultConfig()
	cfg.V, cfg.K, cfg.Hidden, cfg.Epochs, cfg.Samples = c.V, 3, []int{6, 5}, 0, 2
	tr, err := train.New(cfg, t.TempDir(), c, c, vocab)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ck, err := tr.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

func write(t *testing.T, c *checkpoints.Checkpoint) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := checkpoints.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadRefusesOtherCheckpoints(t *testing.T) {
	good := write(t, untrained(t, nil))
	if f, err := encoder.Read(bytes.NewReader(good), "good"); err != nil {
		t.Fatal(err)
	} else if f.Vocabulary() == nil || f.Vocabulary().Len() != 30 || len(f.Config().Hidden) != 2 {
		t.Errorf("loaded %+v with vocabulary %v", f.Config(), f.Vocabulary())
	}
	replace := func(c *checkpoints.Checkpoint, name string, shape []int) {
		for i, tn := range c.Tensors {
			if tn.Name == name {
				n := 1
				for _, d := range shape {
					n *= d
				}
				c.Tensors[i] = checkpoints.Tensor{Name: name, Shape: shape, Data: make([]float64, n)}
			}
		}
	}
	for _, tc := range []struct {
		name   string
		change func(c *checkpoints.Checkpoint)
	}{
		{"wrong kind", func(c *checkpoints.Checkpoint) { c.Metadata["kind"] = "amvi-baseline" }},
		{"no kind", func(c *checkpoints.Checkpoint) { delete(c.Metadata, "kind") }},
		{"no config", func(c *checkpoints.Checkpoint) { delete(c.Metadata, "config") }},
		{"bad config JSON", func(c *checkpoints.Checkpoint) { c.Metadata["config"] = "{" }},
		{"invalid config", func(c *checkpoints.Checkpoint) {
			c.Metadata["config"] = strings.Replace(c.Metadata["config"], `"activation":"tanh"`, `"activation":"swish"`, 1)
		}},
		{"missing tensor", func(c *checkpoints.Checkpoint) {
			c.Tensors = slices.DeleteFunc(c.Tensors, func(tn checkpoints.Tensor) bool { return tn.Name == "encoder.layers.1.bias" })
		}},
		{"wrong weight shape", func(c *checkpoints.Checkpoint) { replace(c, "encoder.layers.0.weight", []int{31, 6}) }},
		{"transposed weight", func(c *checkpoints.Checkpoint) { replace(c, "encoder.layers.1.weight", []int{5, 6}) }},
		{"wrong bias shape", func(c *checkpoints.Checkpoint) { replace(c, "encoder.layers.2.bias", []int{1, 3}) }},
		{"extra layer", func(c *checkpoints.Checkpoint) { c.Add("encoder.layers.3.weight", []int{3, 3}, make([]float64, 9)) }},
		{"vocabulary hash", func(c *checkpoints.Checkpoint) { c.Metadata["vocabulary_sha256"] = strings.Repeat("0", 64) }},
		{"vocabulary size", func(c *checkpoints.Checkpoint) { c.Metadata["vocabulary"] = `["a","b"]` }},
		{"non-finite weight", func(c *checkpoints.Checkpoint) {
			tn, _ := c.Tensor("encoder.layers.1.weight")
			tn.Data[3] = 1 / tn.Data[3] * 1e308 * 1e308
		}},
	} {
		c := untrained(t, nil)
		tc.change(c)
		_, err := encoder.Read(bytes.NewReader(write(t, c)), "changed")
		if !errors.Is(err, encoder.ErrBadCheckpoint) {
			t.Errorf("%s: %v, want ErrBadCheckpoint", tc.name, err)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}

	damaged := bytes.Clone(good)
	damaged[len(damaged)-3] ^= 1
	if _, err := encoder.Read(bytes.NewReader(damaged), "damaged"); !errors.Is(err, checkpoints.ErrCorrupt) {
		t.Errorf("damaged checkpoint: %v, want checkpoints.ErrCorrupt", err)
	}
	if _, err := encoder.Load(filepath.Join(t.TempDir(), "missing.safetensors")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := encoder.Load(path); err != nil {
		t.Errorf("Load: %v", err)
	}
	if _, err := encoder.FromCheckpoint(untrained(t, nil)); err != nil {
		t.Errorf("FromCheckpoint: %v", err)
	}
}

func TestText(t *testing.T) {
	f, err := encoder.Read(bytes.NewReader(write(t, untrained(t, nil))), "words")
	if err != nil {
		t.Fatal(err)
	}
	doc, oov, err := f.Document("The ROCKET left orbit; the rocket's crew baked bread.")
	if err != nil {
		t.Fatal(err)
	}
	// rocket×2, orbit, bread; the rest (the×2, left, s, crew, baked) is unknown.
	want := data.Document{Words: []int{0, 1, 16}, Counts: []int{2, 1, 1}}
	if !slices.Equal(doc.Words, want.Words) || !slices.Equal(doc.Counts, want.Counts) || oov != 6 {
		t.Errorf("Document: %v with %d unknown tokens, want %v with 6", doc, oov, want)
	}
	p, err := f.ProbabilitiesOfText("The ROCKET left orbit; the rocket's crew baked bread.")
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := f.Probabilities(want); !slices.Equal(p, q) {
		t.Errorf("ProbabilitiesOfText %v, Probabilities %v", p, q)
	}
	if doc, _, err := f.Document("nothing known here"); err != nil || len(doc.Words) != 0 {
		t.Errorf("Document of unknown words: %v, %v", doc, err)
	}

	noWords, err := encoder.Read(bytes.NewReader(write(t, untrained(t, make([]string, 30)))), "no words")
	if err != nil {
		t.Fatal(err)
	}
	if noWords.Vocabulary() != nil {
		t.Errorf("vocabulary of unknown words: %v", noWords.Vocabulary())
	}
	if _, _, err := noWords.Document("rocket"); !errors.Is(err, encoder.ErrNoVocabulary) {
		t.Errorf("Document without words: %v, want ErrNoVocabulary", err)
	}
}
