package eval

import (
	"math"
	"testing"

	"github.com/amvi/amvi/data"
	"github.com/amvi/amvi/exact"
	"github.com/amvi/amvi/internal/testmodel"
)

// TestMatchesExact evaluates a small model whose ELBO and log p(x) are known
// by enumeration: the Monte Carlo ELBO must lie within four of its reported
// standard errors of the exact mean ELBO (a 6e-5 chance of failing for a
// correct estimator; the seed is fixed), and the importance-weighted estimate
// must lie above the exact ELBO and within 0.2 nats of the exact log p(x).
// It is the log of an unbiased estimate of p(x), so it can land on either
// side of log p(x): over seeds 1 to 12 it lay at log p(x) − 0.005 ± 0.045
// (mean ± standard deviation), and 0.2 is over four standard deviations.
func TestMatchesExact(t *testing.T) {
	m, docs := testmodel.Small(3, false)
	c := &data.Corpus{Docs: docs, V: m.V(), SkippedEmpty: 2, Source: "memory"}
	ex := exact.New(m)
	var elbo, logp float64
	for _, d := range docs {
		r := ex.Doc(d)
		elbo += r.ELBO / float64(len(docs))
		logp += r.LogMarginal / float64(len(docs))
	}
	rep, err := Evaluate(m, c, Options{Samples: 4000, IWSamples: 1000, Seed: 1, Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exact ELBO %.4f, estimate %.4f ± %.4f (MC); IW %.4f; log p(x) %.4f", elbo, rep.ELBOPerDoc, rep.ELBOMonteCarloSE, rep.IWPerDoc, logp)
	if z := math.Abs(rep.ELBOPerDoc-elbo) / rep.ELBOMonteCarloSE; z > 4 {
		t.Errorf("ELBO estimate %.5f is %.1f standard errors from the exact %.5f", rep.ELBOPerDoc, z, elbo)
	}
	if !(rep.IWPerDoc > elbo && math.Abs(rep.IWPerDoc-logp) < 0.2) {
		t.Errorf("IW estimate %.5f not above the ELBO %.5f and within 0.2 of log p(x) %.5f", rep.IWPerDoc, elbo, logp)
	}
	if rep.Documents != 4 || rep.SkippedEmpty != 2 || rep.IWSamples != 1000 || rep.Data != "memory" {
		t.Errorf("report counts %+v", rep)
	}
	tokens := 0
	for _, d := range docs {
		tokens += d.Tokens()
	}
	if rep.Tokens != tokens {
		t.Errorf("tokens %d, want %d", rep.Tokens, tokens)
	}
	if want := math.Exp(-rep.ELBOPerDoc * 4 / float64(tokens)); math.Abs(rep.PerplexityCorpus-want) > 1e-9*want {
		t.Errorf("corpus perplexity %g, want %g", rep.PerplexityCorpus, want)
	}
}

// TestWorkersDoNotChangeResults checks that the batch-seeded sampling gives
// the same estimates with one worker as with four.
func TestWorkersDoNotChangeResults(t *testing.T) {
	m, docs := testmodel.Small(4, true)
	docs = append(append(docs, docs...), docs...)
	c := &data.Corpus{Docs: docs, V: m.V()}
	one, err := Documents(m, c, Options{Samples: 7, IWSamples: 20, Batch: 2, Workers: 1, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	four, err := Documents(m, c, Options{Samples: 7, IWSamples: 20, Batch: 2, Workers: 4, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	for i := range one {
		if one[i] != four[i] {
			t.Fatalf("document %d: %+v with one worker, %+v with four", i, one[i], four[i])
		}
	}
}

func TestVocabularyMismatchIsAnError(t *testing.T) {
	m, docs := testmodel.Small(3, false)
	if _, err := Evaluate(m, &data.Corpus{Docs: docs, V: m.V() + 5}, Options{}); err == nil {
		t.Fatal("no error for a corpus with more words than the model")
	}
}

func TestEmptyCorpus(t *testing.T) {
	m, _ := testmodel.Small(3, false)
	rep, err := Evaluate(m, &data.Corpus{V: m.V(), SkippedEmpty: 3}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Documents != 0 || rep.SkippedEmpty != 3 || !math.IsNaN(rep.ELBOPerDoc) {
		t.Errorf("empty corpus report %+v", rep)
	}
}
