package model_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/synth"
	"github.com/amvi/amvi/train"
)

// Example_residualEncoder trains an encoder of a user-defined architecture,
// model.Residual (registered as "residual": two ReLU layers with a residual
// connection, written with package ops and Gorgonia's Add), on the
// synthetic corpus, evaluates the held-out bound, and encodes a document
// with the checkpoint loaded back like any other.
func Example_residualEncoder() {
	s, err := synth.Generate(synth.Default)
	if err != nil {
		panic(err)
	}
	cfg := train.DefaultConfig()
	cfg.K, cfg.Hidden, cfg.EncoderArch = synth.Default.K, []int{64, 64}, "residual"
	cfg.Dtype = model.Float64                   // registered architectures run in float64
	cfg.Epochs, cfg.LR, cfg.Warmup = 5, 3e-3, 0 // a short run: no warm-up
	dir, err := os.MkdirTemp("", "amvi-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	t, err := train.New(cfg, dir, s.Train, nil, s.Vocab)
	if err != nil {
		panic(err)
	}
	if _, err := t.Run(context.Background()); err != nil {
		panic(err)
	}
	t.Close()

	ckpt := filepath.Join(dir, train.LastFile)
	l, err := train.LoadModel(ckpt)
	if err != nil {
		panic(err)
	}
	rep, err := eval.Evaluate(l.Model, s.Test, eval.Options{Seed: 1})
	if err != nil {
		panic(err)
	}
	truth := exact.New(s.Truth) // the generating model, enumerated
	logp := 0.0
	for _, d := range s.Test.Docs {
		logp += truth.Doc(d).LogMarginal
	}
	fmt.Printf("%s encoder, %d epochs: held-out ELBO %.0f nats per document (true log p(x) %.0f)\n",
		l.Config.EncoderArch, cfg.Epochs, rep.ELBOPerDoc, logp/float64(s.Test.Len()))

	// The checkpoint loads into the same inference API as the built-in
	// encoder's, and gives the training graph's logits.
	enc, err := encoder.Load(ckpt)
	if err != nil {
		panic(err)
	}
	docs := s.Test.Docs[:5]
	got := make([]float64, len(docs)*enc.K())
	if err := enc.BatchLogitsTo(got, docs, new(encoder.Scratch)); err != nil {
		panic(err)
	}
	fwd := l.Model.NewForward()
	defer fwd.Close()
	want, err := fwd.Logits(docs)
	if err != nil {
		panic(err)
	}
	fmt.Println("loaded encoder gives the training graph's logits:", slices.Equal(got, want))
	// Output:
	// residual encoder, 5 epochs: held-out ELBO -309 nats per document (true log p(x) -296)
	// loaded encoder gives the training graph's logits: true
}
