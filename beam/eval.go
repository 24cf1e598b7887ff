package amvibeam

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/eval"
	"github.com/amvi/amvi/internal/evalio"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/train"
)

// EvalOptions configures the eval pipeline: cmd/eval's flags.
type EvalOptions struct {
	Checkpoint, Data, Vocab, Format string
	Samples, IWSamples              int
	Seed                            uint64
	Exact                           bool
	Refine, RefineSamples           int
	RefineLR                        float64
	// Output is the file the report is written to, as `eval -json`
	// prints it; Partial, if not "", the file of the merged partial, as
	// `eval -partial` writes it.
	Output, Partial string
}

// EvalBlock is one batch of documents to evaluate: batch B of a corpus of
// NB batches, whose evaluation Src describes.
type EvalBlock struct {
	B, NB int
	Docs  []data.Document
	Src   eval.Source
}

func init() {
	beam.RegisterType(reflect.TypeOf((*EvalBlock)(nil)).Elem())
	beam.RegisterCoder(reflect.TypeOf((*eval.Partial)(nil)), encodePartial, decodePartial)
	register.DoFn3x1[context.Context, []byte, func(EvalBlock), error](&loadCorpusFn{})
	register.DoFn3x1[context.Context, EvalBlock, func(*eval.Partial), error](&evalFn{})
	register.Combiner1[*eval.Partial](&mergeFn{})
	register.DoFn2x1[context.Context, *eval.Partial, error](&writeReportFn{})
	register.Emitter1[EvalBlock]()
	register.Emitter1[*eval.Partial]()
}

// encodePartial and decodePartial are the Beam coder of partials: their
// JSON, exact (nil, the empty accumulator, is no bytes).
func encodePartial(p *eval.Partial) ([]byte, error) {
	if p == nil {
		return nil, nil
	}
	var b bytes.Buffer
	_, err := p.WriteTo(&b)
	return b.Bytes(), err
}

func decodePartial(b []byte) (*eval.Partial, error) {
	if len(b) == 0 {
		return nil, nil
	}
	return eval.ReadPartial(bytes.NewReader(b), "a partial between Beam stages")
}

// Eval adds the eval pipeline to s: one worker reads the corpus, as
// cmd/eval does, and cuts it into eval's batches; the batches are
// evaluated in parallel, each into a partial of its own (the batch is a
// shard, data.Shard{I: b, N: batches}); the partials are combined, exactly,
// and the report written. The report is cmd/eval's, bit for bit.
func Eval(s beam.Scope, o EvalOptions) {
	s = s.Scope("amvi.Eval")
	blocks := beam.ParDo(s, &loadCorpusFn{Opt: o}, beam.Impulse(s))
	partials := beam.ParDo(s, &evalFn{Opt: o}, beam.Reshuffle(s, blocks))
	merged := beam.Combine(s, &mergeFn{}, partials)
	beam.ParDo0(s, &writeReportFn{Opt: o}, merged)
}

// loadCorpusFn reads the corpus and emits its batches.
type loadCorpusFn struct{ Opt EvalOptions }

func (f *loadCorpusFn) ProcessElement(ctx context.Context, _ []byte, emit func(EvalBlock)) error {
	o := f.Opt
	var paths [3]string
	for i, p := range []string{o.Checkpoint, o.Data, o.Vocab} {
		local, cleanup, err := localCopy(ctx, p)
		if err != nil {
			return err
		}
		defer cleanup()
		paths[i] = local
	}
	l, c, err := evalio.Load(paths[0], paths[1], paths[2], o.Format)
	if err != nil {
		return err
	}
	src, err := evalio.Source(paths[0], paths[1], paths[2], o.Format)
	if err != nil {
		return err
	}
	// The Source as eval.EvaluatePartial completes it, with each batch a
	// shard of its own: a partial of no documents gives it.
	batch := data.ShardBlock
	nb := (c.Len() + batch - 1) / batch
	opt := o.options()
	opt.Shard = data.Shard{I: 0, N: nb}
	empty := &data.Corpus{Docs: c.Docs[:0], V: c.V, SkippedEmpty: c.SkippedEmpty}
	p, err := eval.EvaluatePartial(l.Model, empty, opt, src)
	if err != nil {
		return err
	}
	src = p.Source
	src.Documents = c.Len()
	for b := range nb {
		emit(EvalBlock{B: b, NB: nb, Docs: c.Docs[b*batch : min((b+1)*batch, c.Len())], Src: src})
	}
	return nil
}

func (o EvalOptions) options() eval.Options {
	return eval.Options{Samples: o.Samples, IWSamples: o.IWSamples, Seed: o.Seed, Batch: data.ShardBlock, Workers: 1,
		Exact: o.Exact, Refine: o.Refine, RefineSamples: o.RefineSamples, RefineLR: o.RefineLR}
}

// evalFn evaluates batches with the model loaded once per worker.
type evalFn struct {
	Opt EvalOptions
	m   *model.Model
	ev  *eval.BatchEvaluator
	out []eval.PerDoc
}

func (f *evalFn) Setup(ctx context.Context) error {
	local, cleanup, err := localCopy(ctx, f.Opt.Checkpoint)
	if err != nil {
		return err
	}
	defer cleanup()
	l, err := train.LoadModel(local)
	if err != nil {
		return err
	}
	f.m = l.Model
	f.ev = eval.NewBatchEvaluator(f.m, f.Opt.options())
	return nil
}

func (f *evalFn) Teardown() {
	if f.ev != nil {
		f.ev.Close()
	}
}

func (f *evalFn) ProcessElement(ctx context.Context, b EvalBlock, emit func(*eval.Partial)) error {
	f.out = append(f.out[:0], make([]eval.PerDoc, len(b.Docs))...)
	if err := f.ev.Evaluate(b.Docs, b.B, f.out); err != nil {
		return fmt.Errorf("%s on %s, batch %d: %w", f.Opt.Checkpoint, f.Opt.Data, b.B, err)
	}
	p := eval.NewPartial(b.Src, b.B)
	p.Checkpoint, p.Data = f.Opt.Checkpoint, f.Opt.Data
	for i := range f.out {
		p.Add(&f.out[i])
	}
	emit(p)
	return nil
}

// mergeFn merges partials; the order does not matter (the sums are exact).
type mergeFn struct{}

func (mergeFn) MergeAccumulators(a, b *eval.Partial) *eval.Partial {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if err := a.Merge(b); err != nil {
		panic(fmt.Sprintf("amvibeam: partials of one pipeline do not merge: %v", err)) // not reached
	}
	return a
}

// writeReportFn writes the report of the merged partial.
type writeReportFn struct{ Opt EvalOptions }

func (f *writeReportFn) ProcessElement(ctx context.Context, p *eval.Partial) error {
	if p == nil {
		return fmt.Errorf("%s: no documents evaluated", f.Opt.Data) // not reached: loadCorpusFn refuses an empty corpus
	}
	if f.Opt.Partial != "" {
		var b bytes.Buffer
		p.WriteTo(&b)
		if err := writeFile(ctx, f.Opt.Partial, b.Bytes()); err != nil {
			return err
		}
	}
	rep, err := p.Report()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(rep)
	return writeFile(ctx, f.Opt.Output, b.Bytes())
}
