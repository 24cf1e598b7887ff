package encoder

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/internal/mathx"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
)

// ErrInvalidDocument is wrapped by the errors that Frozen's methods return
// for a document they cannot encode: a word id outside 0..V-1, a count below
// 1, word ids that are not strictly increasing, or Words and Counts of
// different lengths.
var ErrInvalidDocument = errors.New("encoder: invalid document")

// Frozen is a trained encoder prepared for inference: it maps a document to
// the K posterior probabilities b = σ(a) of q(z|x), to the most probable
// binary code, or to codes sampled from q(z|x).
//
// It computes what the training graph computes, with the same layer code
// (internal/mlp, which the training graph's operations call) but without
// Gorgonia, on the calling goroutine, in blocks of up to 32 documents:
// the first layer's pre-activation is b₁ + Σ_w x_w·W₁[w,:] over each
// document's distinct words only, instead of a product with a dense row of
// V inputs, and the dense layers read their weights once for four
// documents. A document's result does not depend on the others in its
// block or batch: the single-document and batch methods give the same bits.
//
// A Frozen is immutable, so one value may be used from any number of
// goroutines at once. The methods that return new slices draw their working
// memory from an internal pool; the methods ending in To write into the
// caller's buffers and use a caller-owned [Scratch], one per goroutine, and
// then allocate nothing.
type Frozen struct {
	cfg    Config
	act    mlp.Activation
	log1p  bool
	v, k   int
	layers []mlp.Layer // V → H₁ → … → K, W row-major In×Out
	width  int         // the widest layer's output

	vocab *data.Vocabulary // nil when the words are unknown

	// custom computes the logits of a registered architecture's encoder
	// (Config.Arch), through its graph.
	custom func(dst []float64, docs []data.Document) error

	pool sync.Pool // of *Scratch
}

// Freeze returns an inference copy of e: later changes to e do not affect
// it. vocab, if not nil, holds the V words of the vocabulary, which the text
// methods need; entries may all be "" when the words are unknown.
func Freeze(e *Encoder, vocab []string) (*Frozen, error) {
	if e == nil || e.Net == nil {
		return nil, errors.New("encoder: Freeze of a nil encoder")
	}
	cfg := e.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sizes := append(append([]int{cfg.V}, cfg.Hidden...), cfg.K)
	if got := e.Net.Sizes(); !slices.Equal(got, sizes) {
		return nil, fmt.Errorf("encoder: network sizes %v do not match the configuration's %v", got, sizes)
	}
	weights := make([][]float64, 0, 2*len(e.Net.Layers))
	for _, l := range e.Net.Layers {
		if len(l.W) != l.In*l.Out || len(l.B) != l.Out {
			return nil, fmt.Errorf("encoder: a %d×%d layer holds %d weights and %d biases", l.In, l.Out, len(l.W), len(l.B))
		}
		weights = append(weights, l.W, l.B)
	}
	f, err := newFrozen(cfg, weights, vocab)
	if err != nil {
		return nil, fmt.Errorf("encoder: %w", err)
	}
	return f, nil
}

// newFrozen builds a Frozen from a validated config and the layers' weights
// and biases (W₀, B₀, W₁, B₁, …, with the sizes the config implies), which
// it copies.
func newFrozen(cfg Config, weights [][]float64, vocab []string) (*Frozen, error) {
	for i, p := range weights {
		for j, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				kind := "weight"
				if i%2 == 1 {
					kind = "bias"
				}
				return nil, fmt.Errorf("layer %d %s %d is %v: %w", i/2, kind, j, v, ErrNotFinite)
			}
		}
	}
	f := &Frozen{
		cfg:   Config{V: cfg.V, K: cfg.K, Hidden: slices.Clone(cfg.Hidden), Activation: cfg.Activation, Input: cfg.Input, Arch: cfg.Arch},
		act:   cfg.Activation,
		log1p: cfg.Input == InputLog1p,
		v:     cfg.V,
		k:     cfg.K,
	}
	sizes := append(append([]int{cfg.V}, cfg.Hidden...), cfg.K)
	for i := 0; i < len(sizes)-1; i++ {
		f.layers = append(f.layers, mlp.Layer{In: sizes[i], Out: sizes[i+1], W: slices.Clone(weights[2*i]), B: slices.Clone(weights[2*i+1])})
	}
	f.width = slices.Max(sizes[1:])
	if cfg.Arch != "" {
		net := mlp.NewZero(sizes, cfg.Activation)
		for i, l := range f.layers {
			copy(net.Layers[i].W, l.W)
			copy(net.Layers[i].B, l.B)
		}
		newForward, err := lookupArch(cfg.Arch)
		if err != nil {
			return nil, err
		}
		if f.custom, err = newForward(&Encoder{Config: f.cfg, Net: net}); err != nil {
			return nil, err
		}
	}
	if vocab != nil {
		if len(vocab) != cfg.V {
			return nil, fmt.Errorf("the vocabulary has %d words, the encoder V=%d", len(vocab), cfg.V)
		}
		if slices.ContainsFunc(vocab, func(w string) bool { return w != "" }) {
			v, err := data.NewVocabulary(vocab)
			if err != nil {
				return nil, fmt.Errorf("vocabulary: %w", err)
			}
			f.vocab = v
		}
	}
	return f, nil
}

// Config returns the encoder's architecture.
func (f *Frozen) Config() Config {
	c := f.cfg
	c.Hidden = slices.Clone(c.Hidden)
	return c
}

// V returns the vocabulary size: word ids lie in 0..V-1.
func (f *Frozen) V() int { return f.v }

// K returns the number of binary latent factors, the length of every
// probability vector and code.
func (f *Frozen) K() int { return f.k }

// Vocabulary returns the words the encoder was trained with, or nil when
// the checkpoint does not know them (a corpus in a format without words).
func (f *Frozen) Vocabulary() *data.Vocabulary { return f.vocab }

// Scratch is the working memory of one forward pass. Give each goroutine
// its own; a Scratch must not be used by two goroutines at once. The zero
// value is ready to use and grows on first use; after that, reusing it
// with the same encoder allocates nothing.
type Scratch struct {
	x, y []float64        // a block of documents' activations, width each
	a    []float64        // one document's logits, for CodeTo
	doc  mlp.Sparse       // a block of documents' input
	ls   mlp.Scratch      // the layers' working memory
	one  [1]data.Document // the document of the single-document forms
}

// chunkDocs is the number of documents that the parallel batch forms hand
// to a goroutine at a time.
const chunkDocs = 64

func (f *Frozen) getScratch() *Scratch {
	if s, ok := f.pool.Get().(*Scratch); ok {
		return s
	}
	return new(Scratch)
}

func (f *Frozen) putScratch(s *Scratch) { f.pool.Put(s) }

// check reports whether doc can be encoded.
func (f *Frozen) check(doc data.Document) error {
	if len(doc.Words) != len(doc.Counts) {
		return fmt.Errorf("%w: %d word ids but %d counts", ErrInvalidDocument, len(doc.Words), len(doc.Counts))
	}
	prev := -1
	for i, w := range doc.Words {
		switch c := doc.Counts[i]; {
		case w < 0 || w >= f.v:
			return fmt.Errorf("%w: word id %d outside 0..%d", ErrInvalidDocument, w, f.v-1)
		case w <= prev:
			return fmt.Errorf("%w: word id %d after %d (ids must be strictly increasing)", ErrInvalidDocument, w, prev)
		case c < 1:
			return fmt.Errorf("%w: word id %d has count %d (counts must be at least 1)", ErrInvalidDocument, w, c)
		}
		prev = w
	}
	return nil
}

// checkAll checks every document of a batch.
func (f *Frozen) checkAll(docs []data.Document) error {
	for i, d := range docs {
		if err := f.check(d); err != nil {
			return fmt.Errorf("document %d: %w", i, err)
		}
	}
	return nil
}

// forward computes the logits of valid documents into dst (len(docs)×K)
// and, when probs is set, turns them into probabilities.
func (f *Frozen) forward(dst []float64, docs []data.Document, s *Scratch, probs bool) error {
	if f.custom != nil {
		if err := f.custom(dst, docs); err != nil {
			return fmt.Errorf("encoder: architecture %s: %w", f.cfg.Arch, err)
		}
	} else {
		for lo := 0; lo < len(docs); lo += blockDocs {
			hi := min(lo+blockDocs, len(docs))
			f.forwardBlock(dst[lo*f.k:hi*f.k], docs[lo:hi], s)
		}
	}
	if probs {
		for i, a := range dst {
			dst[i] = mathx.Sigmoid(a)
		}
	}
	return nil
}

// forwardDoc is forward for one document, without allocating for the
// built-in network.
func (f *Frozen) forwardDoc(dst []float64, doc data.Document, s *Scratch, probs bool) error {
	s.one[0] = doc
	defer func() { s.one[0] = data.Document{} }()
	return f.forward(dst, s.one[:], s, probs)
}

// blockDocs is the number of documents that forwardBlock takes through
// the layers together: their activations, blockDocs × the widest layer,
// stay in the level-2 cache.
const blockDocs = 32

// forwardBlock writes the logits of at most blockDocs valid documents into
// dst. The documents go through each layer together, so that a dense
// layer reads its weights once for four documents (vec.AddMatMul); the
// first layer adds, for each document, the weight rows of its words. The
// result does not depend on how documents are grouped: every logit is
// summed in the same order.
func (f *Frozen) forwardBlock(dst []float64, docs []data.Document, s *Scratch) {
	rows := len(docs)
	s.x = scratch.Grow(s.x, rows*f.width)
	s.y = scratch.Grow(s.y, rows*f.width)
	s.ls.Serial = true // the batch forms run documents on every core themselves
	s.doc.Reset(f.v)
	for _, d := range docs {
		appendDoc(&s.doc, d, f.log1p)
	}
	last := len(f.layers) - 1
	h := s.x[:rows*f.layers[0].Out]
	if last == 0 {
		h = dst // a linear encoder: the first layer is the output
	}
	f.layers[0].AffineSparse(&s.ls, h, &s.doc)
	x, y := s.x, s.y
	for i := 1; i <= last; i++ {
		l := f.layers[i]
		f.act.Apply(h, h)
		out := y[:rows*l.Out]
		if i == last {
			out = dst
		}
		l.Affine(&s.ls, out, h, rows)
		x, y = y, x
		h = out
	}
}

// LogitsTo writes the K logits a of q(z|doc) into dst using s, allocating
// nothing once s has grown. It returns an error wrapping
// [ErrInvalidDocument], leaving dst unchanged, if doc cannot be encoded.
// It panics if len(dst) != K.
func (f *Frozen) LogitsTo(dst []float64, doc data.Document, s *Scratch) error {
	f.checkDst(len(dst), 1)
	if err := f.check(doc); err != nil {
		return err
	}
	return f.forwardDoc(dst, doc, s, false)
}

// ProbabilitiesTo writes the K posterior probabilities q(z_j = 1 | doc) into
// dst using s, allocating nothing once s has grown. It returns an error
// wrapping [ErrInvalidDocument], leaving dst unchanged, if doc cannot be
// encoded. It panics if len(dst) != K.
func (f *Frozen) ProbabilitiesTo(dst []float64, doc data.Document, s *Scratch) error {
	f.checkDst(len(dst), 1)
	if err := f.check(doc); err != nil {
		return err
	}
	return f.forwardDoc(dst, doc, s, true)
}

// BatchLogitsTo writes the logits of every document into dst, row i (K
// values from i·K) for docs[i], using s on the calling goroutine. If any
// document cannot be encoded it returns an error naming the first one and
// leaves dst unchanged. It panics if len(dst) != len(docs)·K.
func (f *Frozen) BatchLogitsTo(dst []float64, docs []data.Document, s *Scratch) error {
	f.checkDst(len(dst), len(docs))
	if err := f.checkAll(docs); err != nil {
		return err
	}
	return f.forward(dst, docs, s, false)
}

// BatchProbabilitiesTo writes the posterior probabilities of every document
// into dst, row i (K values from i·K) for docs[i], using s on the calling
// goroutine. If any document cannot be encoded it returns an error naming
// the first one and leaves dst unchanged. It panics if len(dst) !=
// len(docs)·K.
func (f *Frozen) BatchProbabilitiesTo(dst []float64, docs []data.Document, s *Scratch) error {
	f.checkDst(len(dst), len(docs))
	if err := f.checkAll(docs); err != nil {
		return err
	}
	return f.forward(dst, docs, s, true)
}

func (f *Frozen) checkDst(n, docs int) {
	if n != docs*f.k {
		panic(fmt.Sprintf("encoder: output buffer of %d values for %d documents of K=%d", n, docs, f.k))
	}
}

// Logits returns the K logits a of q(z|doc) = Π_j Bernoulli(σ(a_j)).
func (f *Frozen) Logits(doc data.Document) ([]float64, error) {
	dst := make([]float64, f.k)
	s := f.getScratch()
	defer f.putScratch(s)
	if err := f.LogitsTo(dst, doc, s); err != nil {
		return nil, err
	}
	return dst, nil
}

// Probabilities returns the K posterior probabilities b_j = q(z_j = 1 | doc).
func (f *Frozen) Probabilities(doc data.Document) ([]float64, error) {
	dst := make([]float64, f.k)
	s := f.getScratch()
	defer f.putScratch(s)
	if err := f.ProbabilitiesTo(dst, doc, s); err != nil {
		return nil, err
	}
	return dst, nil
}

// Code returns the most probable code under q(z|doc): z_j = 1 exactly when
// a_j > 0, that is when q(z_j = 1 | doc) > 1/2.
func (f *Frozen) Code(doc data.Document) (Code, error) {
	a, err := f.Logits(doc)
	if err != nil {
		return nil, err
	}
	c := make(Code, f.k)
	for j, v := range a {
		c[j] = v > 0
	}
	return c, nil
}

// CodeTo writes the most probable code under q(z|doc) into dst (see
// [Frozen.Code]) using s, allocating nothing once s has grown. It returns an
// error wrapping [ErrInvalidDocument] if doc cannot be encoded. It panics
// if len(dst) != K.
func (f *Frozen) CodeTo(dst Code, doc data.Document, s *Scratch) error {
	if len(dst) != f.k {
		panic(fmt.Sprintf("encoder: code buffer of %d bits for K=%d", len(dst), f.k))
	}
	if err := f.check(doc); err != nil {
		return err
	}
	s.a = scratch.Grow(s.a, f.k)
	a := s.a
	if err := f.forwardDoc(a, doc, s, false); err != nil {
		return err
	}
	for j, v := range a {
		dst[j] = v > 0
	}
	return nil
}

// SampleCodes draws samples codes from q(z|doc), each bit z_j = 1 with
// probability σ(a_j), using rng as [Sample] does: with the same rng state
// the codes equal Sample's. It panics if samples < 0 or rng is nil.
func (f *Frozen) SampleCodes(doc data.Document, samples int, rng *rand.Rand) ([]Code, error) {
	if samples < 0 || rng == nil {
		panic("encoder: SampleCodes needs samples ≥ 0 and a random source")
	}
	p, err := f.Probabilities(doc)
	if err != nil {
		return nil, err
	}
	bits := make([]bool, samples*f.k)
	codes := make([]Code, samples)
	for s := range codes {
		c := Code(bits[s*f.k : (s+1)*f.k : (s+1)*f.k])
		for j, pj := range p {
			c[j] = rng.Float64() < pj
		}
		codes[s] = c
	}
	return codes, nil
}

// BatchProbabilities returns the posterior probabilities of every document,
// row i for docs[i], computing them on all cores (GOMAXPROCS goroutines).
// If any document cannot be encoded it returns an error naming the first
// one.
func (f *Frozen) BatchProbabilities(docs []data.Document) ([][]float64, error) {
	flat := make([]float64, len(docs)*f.k)
	if err := f.BatchProbabilitiesParallel(flat, docs, 0); err != nil {
		return nil, err
	}
	rows := make([][]float64, len(docs))
	for i := range rows {
		rows[i] = flat[i*f.k : (i+1)*f.k : (i+1)*f.k]
	}
	return rows, nil
}

// BatchCodes returns the most probable code of every document, computing
// them on all cores. If any document cannot be encoded it returns an error
// naming the first one.
func (f *Frozen) BatchCodes(docs []data.Document) ([]Code, error) {
	flat := make([]float64, len(docs)*f.k)
	if err := f.batchParallel(flat, docs, 0, false); err != nil {
		return nil, err
	}
	bits := make([]bool, len(flat))
	for i, a := range flat {
		bits[i] = a > 0
	}
	codes := make([]Code, len(docs))
	for i := range codes {
		codes[i] = bits[i*f.k : (i+1)*f.k : (i+1)*f.k]
	}
	return codes, nil
}

// BatchProbabilitiesParallel is [Frozen.BatchProbabilitiesTo] spread over
// workers goroutines (GOMAXPROCS when workers < 1), each with a scratch
// from the encoder's pool.
func (f *Frozen) BatchProbabilitiesParallel(dst []float64, docs []data.Document, workers int) error {
	return f.batchParallel(dst, docs, workers, true)
}

// BatchLogitsParallel is [Frozen.BatchLogitsTo] spread over workers
// goroutines (GOMAXPROCS when workers < 1), each with a scratch from the
// encoder's pool.
func (f *Frozen) BatchLogitsParallel(dst []float64, docs []data.Document, workers int) error {
	return f.batchParallel(dst, docs, workers, false)
}

func (f *Frozen) batchParallel(dst []float64, docs []data.Document, workers int, probs bool) error {
	f.checkDst(len(dst), len(docs))
	if err := f.checkAll(docs); err != nil {
		return err
	}
	chunks := (len(docs) + chunkDocs - 1) / chunkDocs
	workers = min(parallelism(workers), chunks)
	if workers <= 1 {
		s := f.getScratch()
		defer f.putScratch(s)
		return f.forward(dst, docs, s, probs)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			s := f.getScratch()
			defer f.putScratch(s)
			for errs[w] == nil {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo, hi := c*chunkDocs, min((c+1)*chunkDocs, len(docs))
				errs[w] = f.forward(dst[lo*f.k:hi*f.k], docs[lo:hi], s, probs)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// parallelism returns workers, or GOMAXPROCS when workers < 1.
func parallelism(workers int) int {
	if workers < 1 {
		return runtime.GOMAXPROCS(0)
	}
	return workers
}
