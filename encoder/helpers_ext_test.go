package encoder_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/amvi/amvi/checkpoints"
	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/gg"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/train"
)

// newsDir returns the directory of the 20 Newsgroups data set,
// shared/data/20news beside or inside the repository root, or skips tb.
func newsDir(tb testing.TB) string {
	tb.Helper()
	for _, dir := range []string{"../../shared/data/20news", "../shared/data/20news"} {
		if _, err := os.Stat(filepath.Join(dir, "test.feat")); err == nil {
			return dir
		}
	}
	tb.Skip("20news data not found in ../../shared/data/20news (shared/data/20news beside the repository root); skipping the real-data test")
	return ""
}

var newsData struct {
	once          sync.Once
	trainC, testC *data.Corpus
	vocab         *data.Vocabulary
	err           error
}

// news returns the 20 Newsgroups training and test corpora and vocabulary,
// read once per test binary.
func news(tb testing.TB) (trainC, testC *data.Corpus, vocab *data.Vocabulary) {
	tb.Helper()
	dir := newsDir(tb)
	d := &newsData
	d.once.Do(func() {
		if d.vocab, d.err = data.LoadVocab(filepath.Join(dir, "vocab.new")); d.err != nil {
			return
		}
		opt := data.FeatOptions{V: d.vocab.Len()}
		if d.trainC, d.err = data.LoadFeat(filepath.Join(dir, "train.feat"), opt); d.err != nil {
			return
		}
		d.testC, d.err = data.LoadFeat(filepath.Join(dir, "test.feat"), opt)
	})
	if d.err != nil {
		tb.Fatal(d.err)
	}
	return d.trainC, d.testC, d.vocab
}

// trainBriefly trains a model with cfg (V taken from the corpus) on docs
// for the configured epochs and returns the trainer, whose model holds the
// trained weights, and the bytes of its checkpoint.
func trainBriefly(tb testing.TB, cfg train.Config, c *data.Corpus, vocab []string) (*train.Trainer, []byte) {
	tb.Helper()
	cfg.V = c.V
	trainC, validC := data.Split(c, 0.25, rand.New(rand.NewPCG(3, 4)))
	tr, err := train.New(cfg, tb.TempDir(), trainC, validC, vocab)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { tr.Close() })
	if cfg.Epochs > 0 {
		if _, err := tr.Run(context.Background()); err != nil {
			tb.Fatal(err)
		}
	}
	ck, err := tr.Checkpoint()
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := checkpoints.Write(&buf, ck); err != nil {
		tb.Fatal(err)
	}
	return tr, buf.Bytes()
}

// recorder is a head that keeps the logits the training graph computes.
type recorder struct{ logits []float64 }

func (r *recorder) Loss(x []float64) float64 { r.logits = append(r.logits[:0], x...); return 0 }
func (r *recorder) Grad(dst, _ []float64)    { clear(dst) }

// graphLogits returns the logits that Gorgonia's dense graph of enc's
// network (internal/gg, the reference the training graph's operations are
// tested against, with a head that records its input) computes for docs.
func graphLogits(tb testing.TB, enc *encoder.Encoder, docs []data.Document) []float64 {
	tb.Helper()
	var rec recorder
	n, err := gg.NewNet(enc.Net, len(docs), &rec, "encoder")
	if err != nil {
		tb.Fatal(err)
	}
	defer n.Close()
	x := make([]float64, len(docs)*enc.Config.V)
	enc.FillInput(x, docs)
	n.SetInput(x)
	if _, err := n.Run(enc.Net.ZeroClone()); err != nil {
		tb.Fatal(err)
	}
	return rec.logits
}

// denseLogits returns the logits of the plain dense reference pass.
func denseLogits(enc *encoder.Encoder, docs []data.Document) []float64 {
	x := make([]float64, len(docs)*enc.Config.V)
	enc.FillInput(x, docs)
	var ws mlp.Workspace
	return append([]float64(nil), enc.Logits(&ws, x)...)
}
