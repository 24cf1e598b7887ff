// Package eval reports how well a model explains held-out documents
// (design §6): the ELBO per document and per word with standard errors,
// the KL term, perplexities in the per-document (NVDM/NVIL) and corpus
// forms, and the tighter importance-weighted estimate of log p(x).
//
// It runs the graph-free forward pass over batches of documents on all
// cores. Each batch draws from its own random source, derived from the seed
// and the batch's index, so results do not depend on the number of workers.
package eval

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/floats"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/decoder"
	"github.com/amvi/amvi/encoder"
	"github.com/amvi/amvi/internal/mlp"
	"github.com/amvi/amvi/internal/scratch"
	"github.com/amvi/amvi/model"
)

// Options configures an evaluation.
type Options struct {
	Samples   int    // codes per document for the ELBO's reconstruction term (default 20)
	IWSamples int    // importance samples per document for L_S; 0 skips it
	Batch     int    // documents per batch (default 64)
	Workers   int    // goroutines (default GOMAXPROCS)
	Seed      uint64 // seeds the samples
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
	Checkpoint       string  `json:"checkpoint,omitempty"`
	Data             string  `json:"data,omitempty"`
}

// ErrVocabulary reports a corpus whose vocabulary does not fit the model.
var ErrVocabulary = errors.New("vocabulary does not fit the model")

// PerDoc holds one document's estimates.
type PerDoc struct {
	ELBO, ELBOVar float64 // ELBO estimate and the variance of that estimate
	KL            float64
	IW            float64 // log (1/S) Σ_s w_s; NaN without IW samples
	Tokens        int
}

// Documents evaluates every document of c and returns the per-document
// estimates in corpus order.
func Documents(m *model.Model, c *data.Corpus, opt Options) ([]PerDoc, error) {
	opt = opt.withDefaults()
	if c.V > m.V() {
		return nil, fmt.Errorf("eval: corpus has %d words, model %d: %w", c.V, m.V(), ErrVocabulary)
	}
	out := make([]PerDoc, len(c.Docs))
	nb := (len(c.Docs) + opt.Batch - 1) / opt.Batch
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(opt.Workers, max(nb, 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := newEvaluator(m, opt)
			for b := range jobs {
				lo, hi := b*opt.Batch, min((b+1)*opt.Batch, len(c.Docs))
				ev.batch(c.Docs[lo:hi], out[lo:hi], rand.New(rand.NewPCG(opt.Seed, uint64(b))))
			}
		}()
	}
	for b := 0; b < nb; b++ {
		jobs <- b
	}
	close(jobs)
	wg.Wait()
	for i, d := range out {
		if math.IsNaN(d.ELBO) || math.IsInf(d.ELBO, 0) {
			return out, fmt.Errorf("eval: document %d: ELBO %v: %w", i, d.ELBO, encoder.ErrNotFinite)
		}
	}
	return out, nil
}

// Evaluate evaluates the model on c and summarises.
func Evaluate(m *model.Model, c *data.Corpus, opt Options) (*Report, error) {
	opt = opt.withDefaults()
	docs, err := Documents(m, c, opt)
	if err != nil {
		return nil, err
	}
	r := Summarise(docs)
	r.SkippedEmpty, r.Data, r.Samples = c.SkippedEmpty, c.Source, opt.Samples
	if opt.IWSamples == 0 {
		r.IWPerDoc, r.IWPerDocSE, r.IWPerplexity = math.NaN(), math.NaN(), math.NaN()
	}
	r.IWSamples = opt.IWSamples
	return r, nil
}

// Summarise combines per-document estimates into a Report (without the
// fields that describe where they came from).
func Summarise(docs []PerDoc) *Report {
	r := &Report{Documents: len(docs)}
	if len(docs) == 0 {
		nan := math.NaN()
		r.ELBOPerDoc, r.ELBOPerDocSE, r.ELBOMonteCarloSE, r.ELBOPerWord, r.KLPerDoc = nan, nan, nan, nan, nan
		r.Perplexity, r.PerplexityCorpus, r.IWPerDoc, r.IWPerDocSE, r.IWPerplexity = nan, nan, nan, nan, nan
		return r
	}
	D := float64(len(docs))
	var elbo, iw, perWord, iwPerWord, kl, mcVar float64
	for _, d := range docs {
		r.Tokens += d.Tokens
		elbo += d.ELBO
		iw += d.IW
		kl += d.KL
		perWord += d.ELBO / float64(d.Tokens)
		iwPerWord += d.IW / float64(d.Tokens)
		mcVar += d.ELBOVar
	}
	r.ELBOPerDoc = elbo / D
	r.KLPerDoc = kl / D
	r.ELBOPerWord = elbo / float64(r.Tokens)
	r.Perplexity = math.Exp(-perWord / D)
	r.PerplexityCorpus = math.Exp(-elbo / float64(r.Tokens))
	r.ELBOMonteCarloSE = math.Sqrt(mcVar) / D
	r.IWPerDoc = iw / D
	r.IWPerplexity = math.Exp(-iwPerWord / D)
	var ssE, ssI float64
	for _, d := range docs {
		ssE += (d.ELBO - r.ELBOPerDoc) * (d.ELBO - r.ELBOPerDoc)
		ssI += (d.IW - r.IWPerDoc) * (d.IW - r.IWPerDoc)
	}
	if len(docs) > 1 {
		r.ELBOPerDocSE = math.Sqrt(ssE / (D - 1) / D)
		r.IWPerDocSE = math.Sqrt(ssI / (D - 1) / D)
	}
	return r
}

func (o Options) withDefaults() Options {
	if o.Samples <= 0 {
		o.Samples = 20
	}
	if o.Batch <= 0 {
		o.Batch = 64
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// evaluator holds one worker's buffers.
type evaluator struct {
	m            *model.Model
	opt          Options
	S            int
	a, z         []float64
	xs, zs       mlp.Sparse
	logw, ll     []float64
	logq, kl     []float64
	q            encoder.Posterior
	encWS, decWS encoder.Workspace
	loglik       decoder.LogLik
}

func newEvaluator(m *model.Model, opt Options) *evaluator {
	return &evaluator{m: m, opt: opt, S: max(opt.Samples, opt.IWSamples), loglik: decoder.LogLik{V: m.V(), InPlace: true}}
}

// batch evaluates docs into out, drawing S codes per document in chunks so
// that the decoder's buffers stay bounded.
func (ev *evaluator) batch(docs []data.Document, out []PerDoc, rng *rand.Rand) {
	m := ev.m
	K, B := m.K(), len(docs)
	// Both networks read their inputs' nonzeros only: the document's words
	// and the codes' ones.
	m.Enc.FillSparse(&ev.xs, docs)
	ev.a = scratch.Grow(ev.a, B*K)
	copy(ev.a, m.Enc.Net.ForwardSparse(&ev.encWS, &ev.xs))
	ev.q.Set(ev.a, K)
	S := ev.S
	ev.logw = scratch.Grow(ev.logw, B*S)
	ev.ll = scratch.Grow(ev.ll, B*S)
	// Sample every document's codes in chunks of at most 16 per document.
	const chunk = 16
	for s0 := 0; s0 < S; s0 += chunk {
		n := min(chunk, S-s0)
		ev.z = scratch.Grow(ev.z, B*n*K)
		ev.q.Sample(ev.z, n, rng)
		ev.loglik.Reset(docs, n)
		ev.zs.SetDense(ev.z, K)
		ev.loglik.Loss(m.Dec.Net.ForwardSparse(&ev.decWS, &ev.zs))
		ev.logq = scratch.Grow(ev.logq, B*n)
		ev.q.LogQ(ev.logq, ev.z, n)
		for d := 0; d < B; d++ {
			for s := 0; s < n; s++ {
				i := d*n + s
				ll := ev.loglik.LL[i]
				ev.ll[d*S+s0+s] = ll
				ev.logw[d*S+s0+s] = ll + encoder.LogPrior(ev.z[i*K:(i+1)*K], m.Alpha) - ev.logq[i]
			}
		}
	}
	N := float64(ev.opt.Samples)
	ev.kl = scratch.Grow(ev.kl, B)
	ev.q.KL(ev.kl, m.Alpha)
	for d := range docs {
		kl := ev.kl[d]
		lls := ev.ll[d*S : d*S+ev.opt.Samples]
		mean := floats.Sum(lls) / N
		v := 0.0
		for _, l := range lls {
			v += (l - mean) * (l - mean)
		}
		varOfMean := 0.0
		if ev.opt.Samples > 1 {
			varOfMean = v / (N - 1) / N
		}
		out[d] = PerDoc{ELBO: mean - kl, ELBOVar: varOfMean, KL: kl, Tokens: docs[d].Tokens(), IW: math.NaN()}
		if ev.opt.IWSamples > 0 {
			lw := ev.logw[d*S : d*S+ev.opt.IWSamples]
			out[d].IW = floats.LogSumExp(lw) - math.Log(float64(len(lw)))
		}
	}
}
