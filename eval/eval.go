// Package eval reports how well a model explains held-out documents
// (design §6): the ELBO per document and per word with standard errors,
// the KL term, perplexities in the per-document (NVDM/NVIL) and corpus
// forms, and the tighter importance-weighted estimate of log p(x).
//
// It runs the forward half of the training step's graphs (model.Forward:
// the same operations, without their backward halves) over batches of
// documents on all cores. Each batch draws from its own random source,
// derived from the seed and the batch's index, so results do not depend on
// the number of workers or of shards. The per-document figures are added
// up exactly (package internal/exactsum), so a corpus evaluated in shards
// (data.Shard) and merged (Partial) gives the same figures, bit for bit,
// as one process.
package eval

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/estimators"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/model"
	"github.com/amvi/amvi/optim"
)

// MaxSamples bounds the samples per document that the commands accept.
// Memory does not grow with the number of samples (they are drawn in
// chunks of 16 and summed as they come), but time does, linearly: with
// K=3 and V=20, 300,000 importance samples took 0.47 s per document on
// this project's machine, and real models cost far more per sample.
const MaxSamples = 1 << 20

// Options configures an evaluation.
type Options struct {
	Samples   int    // codes per document for the ELBO's reconstruction term (default 20)
	IWSamples int    // importance samples per document for L_S; 0 skips it
	Batch     int    // documents per batch (default data.ShardBlock, 64)
	Workers   int    // goroutines (default GOMAXPROCS)
	Seed      uint64 // seeds the samples
	// Shard is the share of the corpus to evaluate; the zero Shard is all.
	Shard data.Shard

	// Exact adds each document's exact log p(x) and exact ELBO, by
	// enumerating the 2^K codes, when K ≤ exact.MaxK (it is ignored
	// otherwise). It costs a decoder pass over the 2^K codes and
	// O(2^K·(K + words)) per document.
	Exact bool
	// Refine, when positive, also reports the refined ELBO: each document's
	// logits, started from the encoder's, take Refine steps of Adam (rate
	// RefineLR, default 0.05) on that document's ELBO, with RefineSamples
	// codes (default 8) per step for the leave-one-out gradient estimate;
	// the ELBO of the refined q is then estimated from Samples fresh codes.
	Refine        int
	RefineSamples int
	RefineLR      float64
}

// Report is an evaluation's result. The JSON names are cmd/eval's output.
type Report struct {
	Documents    int     `json:"documents"`
	SkippedEmpty int     `json:"skipped_empty"`
	Tokens       int     `json:"tokens"`
	Samples      int     `json:"samples"`
	ELBOPerDoc   float64 `json:"elbo_per_doc"`
	// ELBOPerDocSE is the standard error of ELBOPerDoc as an estimate of the
	// mean ELBO of documents like these: the spread over documents, which
	// includes the Monte Carlo noise.
	ELBOPerDocSE float64 `json:"elbo_per_doc_se"`
	// ELBOMonteCarloSE is the standard error of ELBOPerDoc due to sampling
	// alone, as an estimate of the exact mean ELBO of these documents.
	ELBOMonteCarloSE float64 `json:"elbo_mc_se"`
	ELBOPerWord      float64 `json:"elbo_per_word"`
	KLPerDoc         float64 `json:"kl_per_doc"`
	// Perplexity is exp(-(1/D) Σ_d ELBO_d/N_d), the per-document form used
	// by NVDM and NVIL; PerplexityCorpus is exp(-Σ_d ELBO_d / Σ_d N_d).
	Perplexity       float64 `json:"perplexity"`
	PerplexityCorpus float64 `json:"perplexity_corpus"`
	IWSamples        int     `json:"iw_samples"`
	IWPerDoc         float64 `json:"iw_per_doc"`
	IWPerDocSE       float64 `json:"iw_per_doc_se"`
	IWPerplexity     float64 `json:"iw_perplexity"`
	// ExactLogPPerDoc and ExactELBOPerDoc are the means over documents of
	// the exact log p_θ(x) and the exact ELBO of the amortised q(z|x), by
	// enumeration (NaN unless Options.Exact applied). ExactPerplexity is
	// the per-document perplexity of log p_θ(x).
	ExactLogPPerDoc float64 `json:"exact_logp_per_doc"`
	ExactELBOPerDoc float64 `json:"exact_elbo_per_doc"`
	ExactPerplexity float64 `json:"exact_perplexity"`
	// RefinedELBOPerDoc is the mean estimated ELBO after RefineSteps steps
	// of per-document refinement (NaN without), a lower bound on log p(x)
	// like the amortised ELBO; the difference of the two is the
	// amortisation gap reached. RefinedPerplexity is its per-document
	// perplexity.
	RefineSteps         int     `json:"refine_steps"`
	RefinedELBOPerDoc   float64 `json:"refined_elbo_per_doc"`
	RefinedELBOPerDocSE float64 `json:"refined_elbo_per_doc_se"`
	RefinedPerplexity   float64 `json:"refined_perplexity"`
	Checkpoint          string  `json:"checkpoint,omitempty"`
	Data                string  `json:"data,omitempty"`
}

// ErrVocabulary reports a corpus whose vocabulary does not fit the model.
var ErrVocabulary = errors.New("vocabulary does not fit the model")

// PerDoc holds one document's estimates.
type PerDoc struct {
	ELBO, ELBOVar float64 // ELBO estimate and the variance of that estimate
	KL            float64
	IW            float64 // log (1/S) Σ_s w_s; NaN without IW samples
	Tokens        int
	// Exact log p(x) and ELBO by enumeration; NaN without Options.Exact.
	ExactLogP, ExactELBO float64
	// The ELBO estimate after refinement; NaN without Options.Refine.
	RefinedELBO float64
}

// Documents evaluates the documents of c in opt.Shard (all of them when it
// is the zero Shard) and returns their estimates in corpus order. The
// shard's blocks are the batches: with opt.Shard set, batch b (documents
// b·Batch to (b+1)·Batch − 1) is evaluated when opt.Shard.HasBlock(b), and
// the default Batch is data.ShardBlock. Batch b draws from its own random
// sources, seeded by opt.Seed and b, so each document's estimates depend on
// its index alone, not on the workers or the shards.
func Documents(m *model.Model, c *data.Corpus, opt Options) ([]PerDoc, error) {
	opt = opt.withDefaults()
	if c == nil {
		return nil, errors.New("eval: no corpus")
	}
	if c.V > m.V() {
		return nil, fmt.Errorf("eval: corpus has %d words, model %d: %w", c.V, m.V(), ErrVocabulary)
	}
	if err := data.CheckDocuments(c.Docs, m.V()); err != nil {
		return nil, fmt.Errorf("eval: %w (%w)", err, ErrVocabulary)
	}
	var batches []int // the shard's batches, and where each starts in out
	var starts []int
	n := 0
	for b := 0; b*opt.Batch < len(c.Docs); b++ {
		if opt.Shard.HasBlock(b) {
			batches, starts = append(batches, b), append(starts, n)
			n += min(opt.Batch, len(c.Docs)-b*opt.Batch)
		}
	}
	out := make([]PerDoc, n)
	var ex *exact.Evaluator
	if opt.Exact && m.K() <= exact.MaxK && n > 0 {
		ex = exact.New(m) // shared: DocLogits only reads it
	}
	jobs := make(chan int)
	nw := min(opt.Workers, max(len(batches), 1))
	errs := make([]error, nw)
	var wg sync.WaitGroup
	for w := range nw {
		wg.Go(func() {
			ev := newBatchEvaluator(m, opt, ex)
			defer ev.Close()
			for j := range jobs {
				if errs[w] != nil {
					continue // drain the jobs
				}
				b := batches[j]
				lo, hi := b*opt.Batch, min((b+1)*opt.Batch, len(c.Docs))
				errs[w] = ev.Evaluate(c.Docs[lo:hi], b, out[starts[j]:starts[j]+hi-lo])
			}
		})
	}
	for j := range batches {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	return out, errors.Join(errs...)
}

// A BatchEvaluator evaluates one batch at a time, as Documents does: for
// callers that hand out the batches themselves, like the Beam pipeline
// (module beam/). It is not safe for concurrent use; Close releases it.
type BatchEvaluator struct {
	ev  *evaluator
	opt Options
}

// NewBatchEvaluator returns a BatchEvaluator of m with opt's settings.
func NewBatchEvaluator(m *model.Model, opt Options) *BatchEvaluator {
	opt = opt.withDefaults()
	var ex *exact.Evaluator
	if opt.Exact && m.K() <= exact.MaxK {
		ex = exact.New(m)
	}
	return newBatchEvaluator(m, opt, ex)
}

func newBatchEvaluator(m *model.Model, opt Options, ex *exact.Evaluator) *BatchEvaluator {
	return &BatchEvaluator{ev: newEvaluator(m, opt, ex), opt: opt}
}

// Close releases the evaluator's graphs.
func (e *BatchEvaluator) Close() { e.ev.fwd.Close() }

// Evaluate writes into out the estimates of docs, batch b of a corpus
// (documents b·Batch to b·Batch + len(docs) − 1), drawn from batch b's
// random sources, so that they are those of Documents. It returns an error
// wrapping encoder.ErrNotFinite if a document's ELBO (or refined ELBO) is
// not finite. It panics if len(out) != len(docs) or len(docs) > Batch.
func (e *BatchEvaluator) Evaluate(docs []data.Document, b int, out []PerDoc) error {
	if len(out) != len(docs) || len(docs) > e.opt.Batch {
		panic("eval: BatchEvaluator.Evaluate buffers do not fit the batch")
	}
	if err := e.ev.batch(docs, out, rand.New(rand.NewPCG(e.opt.Seed, uint64(b))),
		rand.New(rand.NewPCG(e.opt.Seed, uint64(b)|refineStream))); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	for i, d := range out {
		if math.IsNaN(d.ELBO) || math.IsInf(d.ELBO, 0) {
			return fmt.Errorf("eval: document %d: ELBO %v: %w", b*e.opt.Batch+i, d.ELBO, encoder.ErrNotFinite)
		}
		if e.opt.Refine > 0 && (math.IsNaN(d.RefinedELBO) || math.IsInf(d.RefinedELBO, 0)) {
			return fmt.Errorf("eval: document %d: refined ELBO %v: %w", b*e.opt.Batch+i, d.RefinedELBO, encoder.ErrNotFinite)
		}
	}
	return nil
}

// Evaluate evaluates the model on c and summarises. With opt.Shard set the
// report would lack the other shards, and Evaluate fails: use
// EvaluatePartial.
func Evaluate(m *model.Model, c *data.Corpus, opt Options) (*Report, error) {
	p, err := EvaluatePartial(m, c, opt, Source{})
	if err != nil {
		return nil, err
	}
	return p.Report()
}

// EvaluatePartial evaluates the model on opt.Shard's documents of c and
// returns their statistics. It completes src with the settings and the
// corpus's counts; the caller fills in the checksums and the format.
func EvaluatePartial(m *model.Model, c *data.Corpus, opt Options, src Source) (*Partial, error) {
	opt = opt.withDefaults()
	docs, err := Documents(m, c, opt)
	if err != nil {
		return nil, err
	}
	src.Documents, src.SkippedEmpty = len(c.Docs), c.SkippedEmpty
	src.Samples, src.IWSamples, src.Seed, src.Batch = opt.Samples, opt.IWSamples, opt.Seed, opt.Batch
	src.Exact = opt.Exact && m.K() <= exact.MaxK
	if src.Refine = opt.Refine; src.Refine > 0 {
		src.RefineSamples, src.RefineLR = opt.RefineSamples, opt.RefineLR
	}
	src.Shards = opt.Shard.Count()
	p := NewPartial(src, opt.Shard.I)
	p.Data = c.Source
	for i := range docs {
		p.Add(&docs[i])
	}
	return p, nil
}

// refineStream marks the random streams of refinement, apart from the
// batches' own.
const refineStream = 1 << 63

func (o Options) withDefaults() Options {
	if o.Samples <= 0 {
		o.Samples = 20
	}
	if o.Batch <= 0 {
		o.Batch = data.ShardBlock
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.RefineSamples <= 1 {
		o.RefineSamples = 8
	}
	if o.RefineLR <= 0 {
		o.RefineLR = 0.05
	}
	return o
}

// evaluator holds one worker's graphs and buffers.
type evaluator struct {
	m        *model.Model
	fwd      *model.Forward // the networks' graphs, forward halves
	opt      Options
	ex       *exact.Evaluator // nil unless Options.Exact and K ≤ exact.MaxK
	S        int
	a, ar, z []float64
	acc      []docSums
	logq, kl []float64
	logp     []float64 // log p(z) of a chunk's codes
	q        encoder.Posterior

	// Refinement.
	rloo estimators.RLOO
	rb   estimators.Batch
	rw   estimators.Weights
	surr encoder.Surrogate
	grad []float64
}

func newEvaluator(m *model.Model, opt Options, ex *exact.Evaluator) *evaluator {
	return &evaluator{m: m, fwd: m.NewForward(), opt: opt, ex: ex, S: max(opt.Samples, opt.IWSamples)}
}

// batch evaluates docs into out. rng draws the codes of the amortised
// estimates, refineRng those of the refinement and of its estimate, so that
// refining changes none of the others.
func (ev *evaluator) batch(docs []data.Document, out []PerDoc, rng, refineRng *rand.Rand) error {
	m := ev.m
	K, B := m.K(), len(docs)
	a, err := ev.fwd.Logits(docs)
	if err != nil {
		return err
	}
	ev.a = append(scratch.Grow(ev.a, B*K)[:0], a...)
	if err := ev.sample(docs, ev.a, ev.S, ev.opt.Samples, ev.opt.IWSamples, rng); err != nil {
		return err
	}
	N := float64(ev.opt.Samples)
	for d := range docs {
		kl := ev.kl[d]
		acc := &ev.acc[d]
		mean := acc.llSum / N
		varOfMean := 0.0
		if ev.opt.Samples > 1 {
			// Σ(l - mean)² from the sums about the first sample.
			v := acc.llSS - N*(mean-acc.llShift)*(mean-acc.llShift)
			varOfMean = max(v, 0) / (N - 1) / N
		}
		nan := math.NaN()
		out[d] = PerDoc{ELBO: mean - kl, ELBOVar: varOfMean, KL: kl, Tokens: docs[d].Tokens(), IW: nan,
			ExactLogP: nan, ExactELBO: nan, RefinedELBO: nan}
		if ev.opt.IWSamples > 0 {
			out[d].IW = acc.lwMax + math.Log(acc.lwSum) - math.Log(float64(ev.opt.IWSamples))
		}
		if ev.ex != nil {
			e := ev.ex.DocLogits(docs[d], ev.a[d*K:(d+1)*K])
			out[d].ExactLogP, out[d].ExactELBO = e.LogMarginal, e.ELBO
		}
	}
	if ev.opt.Refine > 0 {
		if err := ev.refine(docs, refineRng); err != nil {
			return err
		}
		if err := ev.sample(docs, ev.ar, ev.opt.Samples, ev.opt.Samples, 0, refineRng); err != nil {
			return err
		}
		for d := range docs {
			out[d].RefinedELBO = ev.acc[d].llSum/N - ev.kl[d]
		}
	}
	return nil
}

// docSums accumulates one document's samples as they are drawn, so that
// memory does not grow with the number of samples: the sum of log p(x|z)
// and of its squares about the first sample, for the ELBO and its
// variance, and a running log-sum-exp of the importance weights.
type docSums struct {
	llSum, llShift, llSS float64
	lwMax, lwSum         float64 // Σ_s w_s = exp(lwMax)·lwSum
}

// sample draws S codes per document from the mean-field posterior with
// logits a (B×K), in chunks so that the decoder's buffers stay bounded
// whatever S, and accumulates into ev.acc (B): log p(x|z) over the first
// nELBO codes and the importance weights log p(x,z) − log q(z|x) over the
// first nIW. It also fills ev.kl (B).
func (ev *evaluator) sample(docs []data.Document, a []float64, S, nELBO, nIW int, rng *rand.Rand) error {
	m := ev.m
	K, B := m.K(), len(docs)
	ev.q.Set(a, K)
	ev.acc = scratch.Grow(ev.acc, B)
	for d := range ev.acc {
		ev.acc[d] = docSums{lwMax: math.Inf(-1)}
	}
	// Sample every document's codes in chunks of at most 16 per document.
	const chunk = 16
	for s0 := 0; s0 < S; s0 += chunk {
		n := min(chunk, S-s0)
		ev.z = scratch.Grow(ev.z, B*n*K)
		ev.q.Sample(ev.z, n, rng)
		lls, err := ev.fwd.LogLik(docs, ev.z, n)
		if err != nil {
			return err
		}
		ev.logq = scratch.Grow(ev.logq, B*n)
		ev.q.LogQ(ev.logq, ev.z, n)
		if s0 < nIW {
			ev.logp = scratch.Grow(ev.logp, B*n)
			m.Prior.LogPriors(ev.logp, ev.z)
		}
		for d := 0; d < B; d++ {
			acc := &ev.acc[d]
			for s := 0; s < n; s++ {
				i := d*n + s
				ll := lls[i]
				if s0+s < nELBO {
					if s0+s == 0 {
						acc.llShift = ll
					}
					acc.llSum += ll
					acc.llSS += (ll - acc.llShift) * (ll - acc.llShift)
				}
				if s0+s < nIW {
					lw := ll + ev.logp[i] - ev.logq[i]
					switch {
					case lw > acc.lwMax:
						acc.lwSum = acc.lwSum*math.Exp(acc.lwMax-lw) + 1
						acc.lwMax = lw
					case math.IsNaN(lw):
						acc.lwMax, acc.lwSum = lw, lw
					case lw > math.Inf(-1):
						acc.lwSum += math.Exp(lw - acc.lwMax)
					}
				}
			}
		}
	}
	ev.kl = scratch.Grow(ev.kl, B)
	ev.q.KL(ev.kl, m.Prior)
	return nil
}

// refine sets ev.ar to the logits ev.a after Options.Refine steps of Adam
// on each document's own ELBO with respect to its K logits: a per-document
// mean-field optimisation started from the amortised posterior
// (semi-amortised inference; Kim et al. 2018). Each step estimates the
// gradient with the leave-one-out estimator (RLOO, unbiased) from
// RefineSamples codes and takes the KL's gradient in closed form. The
// documents do not interact: Adam's update is per coordinate.
func (ev *evaluator) refine(docs []data.Document, rng *rand.Rand) error {
	m := ev.m
	K, B, S := m.K(), len(docs), ev.opt.RefineSamples
	ev.ar = scratch.Grow(ev.ar, B*K)
	copy(ev.ar, ev.a)
	ev.grad = scratch.Grow(ev.grad, B*K)
	adam := optim.NewAdam([][]float64{ev.ar}, ev.opt.RefineLR)
	b := &ev.rb
	b.B, b.S = B, S
	b.LogPrior = scratch.Grow(b.LogPrior, B*S)
	b.LogQ = scratch.Grow(b.LogQ, B*S)
	b.LogLik = scratch.Grow(b.LogLik, B*S)
	ev.surr = encoder.Surrogate{K: K, Prior: m.Prior, Scale: 1, Q: &ev.q}
	b.KL = scratch.Grow(b.KL, B)
	ev.z = scratch.Grow(ev.z, B*S*K)
	for step := 0; step < ev.opt.Refine; step++ {
		ev.q.Set(ev.ar, K)
		ev.q.Sample(ev.z, S, rng)
		lls, err := ev.fwd.LogLik(docs, ev.z, S)
		if err != nil {
			return err
		}
		copy(b.LogLik, lls)
		ev.q.LogQ(b.LogQ, ev.z, S)
		m.Prior.LogPriors(b.LogPrior, ev.z)
		ev.q.KL(b.KL, m.Prior)
		if err := ev.rloo.Estimate(&ev.rw, b); err != nil {
			return nil // a non-finite signal: keep the logits reached so far
		}
		ev.surr.Set(ev.z, ev.rw.Advantage, S)
		ev.surr.KLWeight = ev.rw.KLWeight
		ev.surr.Grad(ev.grad, ev.ar)
		adam.Update([][]float64{ev.ar}, [][]float64{ev.grad})
	}
	return nil
}
