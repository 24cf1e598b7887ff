package train

import (
	"context"
	"errors"
	"testing"

	"github.com/amvi/amvi/checkpoints"
)

// FuzzLoadModel feeds LoadModel's and Resume's decoding of a checkpoint
// (kind, config, vocabulary, state, optimizer and estimator metadata) with
// arbitrary JSON around the tensors of a real run. Package checkpoints'
// FuzzRead covers the file format; this covers what train makes of a file
// that format accepts, checksums and all. Nothing may panic, and every
// refusal must wrap ErrMismatch.
//
//	go test -run '^$' -fuzz FuzzLoadModel -fuzztime 2m -parallel 1 ./train
func FuzzLoadModel(f *testing.F) {
	cfg, trainC, validC, vocab := smallRun(f, "nvil")
	cfg.Epochs, cfg.ValidEvery = 1, 0
	tr, err := New(cfg, f.TempDir(), trainC, validC, vocab)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		f.Fatal(err)
	}
	tr.Close()
	orig, err := tr.Checkpoint()
	if err != nil {
		f.Fatal(err)
	}
	md := orig.Metadata
	f.Add(md[MetaKind], md[MetaConfig], md[MetaVocabulary], md[MetaVocabHash], md[MetaState], md[MetaOptimizer], md[MetaEstimator])
	f.Add(KindModel, `{"V":60,"K":6,"hidden":[16]}`, `[]`, "", `{}`, `{}`, `{}`)
	f.Add("", `null`, `null`, "", `null`, `null`, `null`)
	f.Add(KindModel, md[MetaConfig], md[MetaVocabulary], md[MetaVocabHash], `{"rng":"AAAA"}`, md[MetaOptimizer], `{"adam":{}}`)
	f.Fuzz(func(t *testing.T, kind, config, vocabJSON, vocabHash, st, opt, est string) {
		c := &checkpoints.Checkpoint{Tensors: orig.Tensors, Metadata: map[string]string{
			MetaKind: kind, MetaConfig: config, MetaVocabulary: vocabJSON, MetaVocabHash: vocabHash,
			MetaState: st, MetaOptimizer: opt, MetaEstimator: est,
		}}
		l, err := modelFromCheckpoint(c)
		if err != nil {
			if !errors.Is(err, ErrMismatch) {
				t.Fatalf("refusal without ErrMismatch: %v", err)
			}
			return
		}
		// Resume's further steps, for configs whose training graphs are
		// small.
		if l.Config.Samples > 16 || l.Config.Batch > 1024 {
			return
		}
		trn, err := newTrainer(l.Config, t.TempDir(), l.Model, trainC, validC, l.Vocab)
		if err != nil {
			return
		}
		defer trn.Close()
		if err := trn.restore(c); err != nil && !errors.Is(err, ErrMismatch) {
			t.Fatalf("restore: refusal without ErrMismatch: %v", err)
		}
	})
}
